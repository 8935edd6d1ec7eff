//! The dashboard's part of the contract: credentials (sign-in links, sessions, API tokens) by
//! the hash of their secret, events by organizer and domain, and counters per hour; and the
//! access and reporting use cases over them.

use super::{OLGA, at, event, insert};
use crate::{PlainComposer, RecordingMailer, SequentialIds};
use chrono::{DateTime, Duration, Utc};
use rollcall_core::access::{
    self, AccessSettings, SignInError, create_api_token, hash_secret, mint_sign_in_link,
    request_sign_in_link, revoke_api_token, sign_in, sign_out,
};
use rollcall_core::deliver::{DeliverySettings, deliver_due};
use rollcall_core::event::Event;
use rollcall_core::invite::{AddResult, add_invitees};
use rollcall_core::ports::{
    Commit, Committed, CounterDelta, Credential, CredentialKind, SeriesPoint, Store,
};
use rollcall_core::report::listing::read_pasted;
use rollcall_core::rsvp::{RsvpRequest, RsvpSettings, rsvp, unsubscribe};
use rollcall_core::status::Answer;
use rollcall_core::tracking::{ANSWERS_BY_CHANNEL, ANSWERS_BY_DOMAIN, INVITEES_BY_DOMAIN};

fn credential(secret: &str, kind: CredentialKind, organizer: &str, seconds: i64) -> Credential {
    Credential {
        hash: hash_secret(secret),
        kind,
        organizer: organizer.to_string(),
        label: format!("label of {secret}"),
        created_at: at(seconds),
        expires_at: Some(at(seconds + 900)),
        last_used_at: None,
    }
}

async fn open<S: Store>(store: &S, n: u64, organizer: &str) -> Event {
    let event = event(n, organizer, &format!("uid-{n}"));
    let commit = Commit {
        events: vec![insert(&event)],
        ..Commit::default()
    };
    assert!(matches!(
        store.commit(&commit).await,
        Ok(Committed::Applied)
    ));
    event
}

pub async fn credentials_are_kept_by_hash_listed_per_organizer_and_taken_once<S: Store>(store: &S) {
    let link = credential("s1", CredentialKind::SignInLink, OLGA, 0);
    let token = credential("s2", CredentialKind::ApiToken, OLGA, 5);
    let older_token = credential("s3", CredentialKind::ApiToken, OLGA, 1);
    let other = credential("s4", CredentialKind::ApiToken, "bob@example.net", 2);
    for c in [&link, &token, &older_token, &other] {
        store.put_credential(c).await.expect("put");
    }
    assert!(
        store.put_credential(&link).await.is_err(),
        "a second credential with the same hash conflicts"
    );
    assert_eq!(
        store.credential(&link.hash).await.expect("read"),
        Some(link.clone())
    );
    let tokens = store
        .credentials_of(OLGA, CredentialKind::ApiToken)
        .await
        .expect("list");
    assert_eq!(
        tokens,
        vec![older_token.clone(), token.clone()],
        "oldest first, hers only"
    );

    store
        .touch_credential(&token.hash, at(60))
        .await
        .expect("touch");
    let touched = store.credential(&token.hash).await.expect("read");
    assert_eq!(touched.and_then(|c| c.last_used_at), Some(at(60)));

    assert_eq!(
        store.take_credential(&link.hash).await.expect("take"),
        Some(link.clone())
    );
    assert_eq!(
        store.take_credential(&link.hash).await.expect("take"),
        None,
        "once"
    );
    assert_eq!(store.credential(&link.hash).await.expect("read"), None);

    store
        .delete_credential(&older_token.hash)
        .await
        .expect("delete");
    store
        .delete_credential(&older_token.hash)
        .await
        .expect("deleting twice is fine");
    store
        .touch_credential(&older_token.hash, at(70))
        .await
        .expect("touching the gone");
    let tokens = store
        .credentials_of(OLGA, CredentialKind::ApiToken)
        .await
        .expect("list");
    assert_eq!(tokens.len(), 1);
    assert!(
        store
            .credentials_of(OLGA, CredentialKind::SignInLink)
            .await
            .expect("list")
            .is_empty()
    );
}

pub async fn of_two_racing_takes_of_a_credential_one_wins<S: Store>(store: &S) {
    for round in 0..5 {
        let link = credential(
            &format!("race-{round}"),
            CredentialKind::SignInLink,
            OLGA,
            0,
        );
        store.put_credential(&link).await.expect("put");
        let (a, b) = tokio::join!(
            store.take_credential(&link.hash),
            store.take_credential(&link.hash)
        );
        let winners = [a.expect("take"), b.expect("take")]
            .into_iter()
            .flatten()
            .count();
        assert_eq!(winners, 1, "round {round}");
    }
}

pub async fn events_are_found_by_organizer_and_by_organizer_domain<S: Store>(store: &S) {
    let olga = open(store, 1, OLGA).await;
    let olga_too = open(store, 2, OLGA).await;
    let paul = open(store, 3, "paul@example.org").await;
    open(store, 4, "zoe@example.com").await;
    let ids = |mut events: Vec<Event>| {
        events.sort_by(|a, b| a.id.cmp(&b.id));
        events.into_iter().map(|e| e.id).collect::<Vec<_>>()
    };
    let hers = store.events_of_organizer(OLGA).await.expect("by organizer");
    assert_eq!(ids(hers), vec![olga.id.clone(), olga_too.id.clone()]);
    let domain = store
        .events_of_domain("example.org")
        .await
        .expect("by domain");
    assert_eq!(ids(domain), vec![olga.id, olga_too.id, paul.id]);
    assert!(
        store
            .events_of_organizer("nobody@example.org")
            .await
            .expect("none")
            .is_empty()
    );
    assert!(
        store
            .events_of_domain("example.net")
            .await
            .expect("none")
            .is_empty()
    );
}

pub async fn counter_increments_are_kept_per_hour_for_time_series<S: Store>(store: &S) {
    let planning = open(store, 1, OLGA).await;
    let delta = |value: &str, delta: i64, at: DateTime<Utc>| CounterDelta {
        event_id: planning.id.clone(),
        track: "response".to_string(),
        value: value.to_string(),
        delta,
        at,
    };
    let hour = Duration::hours(1);
    let commit = Commit {
        counters: vec![
            delta("accepted", 1, at(0)),
            delta("accepted", 1, at(120)),
            delta("needs-action", -1, at(120)),
            delta("declined", 1, at(0) + hour),
        ],
        ..Commit::default()
    };
    store.commit(&commit).await.expect("commit");
    let commit = Commit {
        counters: vec![delta("accepted", 2, at(0) + hour * 3)],
        ..Commit::default()
    };
    store.commit(&commit).await.expect("commit");
    let mut series = store
        .series(&planning.id, "response", at(0), at(0) + hour * 3)
        .await
        .expect("series");
    series.sort_by(|a, b| (a.hour, &a.value).cmp(&(b.hour, &b.value)));
    // at(0) is 16:00 UTC sharp: the cases' clock starts on the hour.
    let point = |hour: DateTime<Utc>, value: &str, count: i64| SeriesPoint {
        hour,
        value: value.to_string(),
        count,
    };
    assert_eq!(
        series,
        vec![
            point(at(0), "accepted", 2),
            point(at(0) + hour, "declined", 1)
        ],
        "decrements are not in a series; `until` is exclusive"
    );
    assert!(
        store
            .series(&planning.id, "delivery", at(0), at(0) + hour * 9)
            .await
            .expect("series")
            .is_empty(),
        "one track at a time"
    );
}

pub async fn a_sign_in_link_works_once_expires_and_is_voided_by_a_newer_one<S: Store>(store: &S) {
    let settings = AccessSettings::default();
    let ttl = settings.link_ttl;
    let first = mint_sign_in_link(store, "Olga@Example.org", ttl, at(0))
        .await
        .expect("mint");
    let second = mint_sign_in_link(store, OLGA, ttl, at(10))
        .await
        .expect("mint");
    assert!(
        matches!(
            sign_in(store, &first.token, &settings, at(20)).await,
            Err(SignInError::Unknown)
        ),
        "the newer link voids the older"
    );
    let session = sign_in(store, &second.token, &settings, at(20))
        .await
        .expect("signs in");
    assert_eq!(session.viewer.organizer, OLGA);
    assert!(
        matches!(
            sign_in(store, &second.token, &settings, at(21)).await,
            Err(SignInError::Unknown)
        ),
        "a used link does not work again"
    );
    let (viewer, _) = access::session(store, &session.secret, &settings, at(30))
        .await
        .expect("read")
        .expect("a live session");
    assert_eq!(viewer.organizer, OLGA);
    assert!(
        store
            .credential(&session.secret)
            .await
            .expect("read")
            .is_none(),
        "only the hash is stored"
    );

    let late = mint_sign_in_link(store, OLGA, ttl, at(100))
        .await
        .expect("mint");
    assert!(matches!(
        sign_in(store, &late.token, &settings, at(100) + ttl).await,
        Err(SignInError::Expired)
    ));
}

/// A session for Olga, from a link minted at `at(0)` and used at `at(1)`.
async fn new_session<S: Store>(store: &S, settings: &AccessSettings) -> access::NewSession {
    let link = mint_sign_in_link(store, OLGA, settings.link_ttl, at(0))
        .await
        .expect("mint");
    sign_in(store, &link.token, settings, at(1))
        .await
        .expect("in")
}

pub async fn sessions_end_when_idle_too_long_or_signed_out<S: Store>(store: &S) {
    let settings = AccessSettings::default();
    let session = new_session(store, &settings).await;
    let mut now = at(1);
    // Used every 11 hours, it lives on until its lifetime ends.
    while now + Duration::hours(11) < at(1) + settings.session_lifetime {
        now += Duration::hours(11);
        assert!(
            access::session(store, &session.secret, &settings, now)
                .await
                .expect("read")
                .is_some(),
            "alive at {now}"
        );
    }
    let end = at(1) + settings.session_lifetime;
    assert!(
        access::session(store, &session.secret, &settings, end)
            .await
            .expect("read")
            .is_none()
    );

    let idle = new_session(store, &settings).await;
    let later = at(1) + settings.session_idle;
    assert!(
        access::session(store, &idle.secret, &settings, later)
            .await
            .expect("read")
            .is_none()
    );

    let out = new_session(store, &settings).await;
    sign_out(store, &out.secret).await.expect("out");
    assert!(
        access::session(store, &out.secret, &settings, at(2))
            .await
            .expect("read")
            .is_none()
    );
}

pub async fn api_tokens_are_stored_hashed_and_revoked_by_id<S: Store>(store: &S) {
    let settings = AccessSettings::default();
    let (created, token) = create_api_token(store, OLGA, "CRM\nsync", at(0))
        .await
        .expect("create");
    assert!(token.starts_with("rc_"));
    assert_eq!(created.label, "CRMsync", "control characters are dropped");
    assert_eq!(created.hash, hash_secret(&token));
    let viewer = access::bearer(store, &token, &settings, at(5))
        .await
        .expect("read");
    assert_eq!(viewer.map(|v| v.organizer), Some(OLGA.to_string()));
    assert!(
        access::bearer(store, "rc_forged", &settings, at(5))
            .await
            .expect("read")
            .is_none()
    );

    let id = access::token_id(&created).to_string();
    assert!(
        !revoke_api_token(store, "bob@example.net", &id)
            .await
            .expect("revoke"),
        "not his"
    );
    assert!(revoke_api_token(store, OLGA, &id).await.expect("revoke"));
    assert!(
        access::bearer(store, &token, &settings, at(6))
            .await
            .expect("read")
            .is_none()
    );
}

pub async fn a_sign_in_link_is_queued_only_for_addresses_with_events<S: Store>(store: &S) {
    let settings = AccessSettings {
        admins: vec!["boss@example.com".to_string()],
        ..AccessSettings::default()
    };
    assert!(
        !request_sign_in_link(store, OLGA, &settings, at(0))
            .await
            .expect("request")
    );
    open(store, 1, OLGA).await;
    open(store, 2, "zoe@example.com").await;
    assert!(
        request_sign_in_link(store, " Olga@Example.org ", &settings, at(1))
            .await
            .expect("request")
    );
    assert!(
        request_sign_in_link(store, "boss@example.com", &settings, at(2))
            .await
            .expect("request"),
        "a domain admin sees their domain's events"
    );
    assert!(
        !request_sign_in_link(store, "not an address", &settings, at(3))
            .await
            .expect("request")
    );

    let mailer = RecordingMailer::new();
    let report = deliver_due(
        store,
        &SequentialIds::new(),
        &PlainComposer,
        &mailer,
        &DeliverySettings::default(),
        at(5),
    )
    .await
    .expect("deliver");
    assert_eq!(
        report.sent, 2,
        "one sign-in mail per request that found events: {report:?}"
    );
    let to: Vec<String> = mailer
        .sent()
        .iter()
        .filter(|m| String::from_utf8_lossy(&m.raw).contains("SignIn"))
        .map(|m| m.to.clone())
        .collect();
    assert_eq!(to, [OLGA, "boss@example.com"], "oldest request first");
}

pub async fn the_acknowledgement_carries_a_working_sign_in_link<S: Store>(store: &S) {
    let planning = open(store, 1, OLGA).await;
    let ack = super::notice("ack-1", &planning, at(0));
    store
        .commit(&Commit {
            outbox: vec![ack],
            ..Commit::default()
        })
        .await
        .expect("queue");
    let mailer = RecordingMailer::new();
    deliver_due(
        store,
        &SequentialIds::new(),
        &PlainComposer,
        &mailer,
        &DeliverySettings::default(),
        at(1),
    )
    .await
    .expect("deliver");
    let sent = mailer.sent();
    let raw = String::from_utf8_lossy(&sent[0].raw).to_string();
    let token = raw
        .split("/o/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a sign-in link in the acknowledgement");
    let pending = store.due_outbox(at(86_400), 10).await.expect("due");
    assert!(pending.is_empty());
    let settings = AccessSettings::default();
    let session = sign_in(store, token, &settings, at(2))
        .await
        .expect("the link works");
    assert_eq!(session.viewer.organizer, OLGA);
}

fn rsvp_settings() -> RsvpSettings {
    RsvpSettings {
        domain: "rollcall.test".to_string(),
    }
}

pub async fn organizer_added_invitees_are_invited_with_a_result_per_line<S: Store>(store: &S) {
    let planning = open(store, 1, OLGA).await;
    let ids = SequentialIds::new();
    let request = RsvpRequest {
        event_id: &planning.id,
        name: "Una",
        email: "una@example.net",
        answer: Answer::Accepted,
        nonce: "n1",
    };
    let una = rsvp(&request, &rsvp_settings(), store, &ids, at(1))
        .await
        .expect("rsvp");
    unsubscribe(&una, store, at(2)).await.expect("unsubscribe");
    let lines = read_pasted(
        "Ann <ann@example.org>\nnonsense\nuna@example.net\nann@example.org\nbob@example.com, Bob",
    )
    .expect("short");
    let results = add_invitees(&planning.id, lines, &rsvp_settings(), store, &ids, at(3))
        .await
        .expect("added");
    let got: Vec<(usize, AddResult)> = results.iter().map(|r| (r.line, r.result)).collect();
    assert_eq!(
        got,
        [
            (1, AddResult::Added),
            (2, AddResult::InvalidAddress),
            (3, AddResult::Unsubscribed),
            (4, AddResult::AlreadyInvited),
            (5, AddResult::Added),
        ]
    );
    let bob = store
        .invitee_by_email(&planning.id, "bob@example.com")
        .await
        .expect("read")
        .expect("Bob is on the list");
    assert_eq!(bob.name.as_deref(), Some("Bob"));
    assert_eq!(bob.status.value("delivery"), Some("queued"));
    let queued = store.due_outbox(at(86_400), 10).await.expect("due");
    let to: Vec<&str> = queued.iter().map(|d| d.message.to.email.as_str()).collect();
    assert!(
        to.contains(&"bob@example.com") && to.contains(&"ann@example.org"),
        "{to:?}"
    );
}

pub async fn answers_are_counted_by_channel_and_domain_for_reports<S: Store>(store: &S) {
    let planning = open(store, 1, OLGA).await;
    let ids = SequentialIds::new();
    for (n, email, answer) in [
        (1, "ann@example.org", Answer::Accepted),
        (2, "bob@example.org", Answer::Declined),
        (3, "cy@example.net", Answer::Accepted),
        (4, "ann@example.org", Answer::Tentative),
    ] {
        let nonce = format!("n{n}");
        let request = RsvpRequest {
            event_id: &planning.id,
            name: "",
            email,
            answer,
            nonce: &nonce,
        };
        rsvp(&request, &rsvp_settings(), store, &ids, at(n))
            .await
            .expect("rsvp");
    }
    let counters = store.counters(&planning.id).await.expect("counters");
    let count = |track: &str, value: &str| {
        counters
            .iter()
            .find(|(t, v, _)| t == track && v == value)
            .map_or(0, |(_, _, n)| *n)
    };
    assert_eq!(
        count(ANSWERS_BY_CHANNEL, "web"),
        4,
        "every answer given counts"
    );
    assert_eq!(count(ANSWERS_BY_DOMAIN, "example.org"), 3);
    assert_eq!(count(ANSWERS_BY_DOMAIN, "example.net"), 1);
    assert_eq!(count(INVITEES_BY_DOMAIN, "example.org"), 2);
    assert_eq!(count("response", "tentative"), 1);
    let series = store
        .series(&planning.id, "response", at(0), at(3600))
        .await
        .expect("series");
    let accepted: i64 = series
        .iter()
        .filter(|p| p.value == "accepted")
        .map(|p| p.count)
        .sum();
    assert_eq!(accepted, 2, "changes into accepted: {series:?}");
}
