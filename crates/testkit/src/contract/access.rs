//! The access part of the contract: credentials (sign-in links, sessions, API tokens) kept by
//! the hash of their secret, and the sign-in use cases over them.

use super::{OLGA, at, deliver, open_event_of as open};
use crate::{PlainComposer, RecordingMailer, SequentialIds};
use chrono::Duration;
use rollcall_core::notice::Notice;
use rollcall_core::ports::{Commit, Credential, CredentialKind, Store};
use rollcall_core::usecase::access::{
    self, AccessSettings, SignInError, create_api_token, hash_secret, mint_sign_in_link,
    request_sign_in_link, revoke_api_token, sign_in, sign_out,
};
use rollcall_core::usecase::deliver::{DeliverySettings, Outlets, deliver_due};

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

pub async fn a_sign_in_link_works_once_and_expires_and_using_one_ends_the_others<S: Store>(
    store: &S,
) {
    let settings = AccessSettings::default();
    let ttl = settings.link_ttl;
    let first = mint_sign_in_link(store, "Olga@Example.org", ttl, at(0))
        .await
        .expect("mint");
    let second = mint_sign_in_link(store, OLGA, ttl, at(10))
        .await
        .expect("mint");
    let session = sign_in(store, &first.token, &settings, at(20))
        .await
        .expect("a newer link leaves the older working");
    assert_eq!(session.viewer.organizer, OLGA);
    assert!(
        matches!(
            sign_in(store, &first.token, &settings, at(21)).await,
            Err(SignInError::Unknown)
        ),
        "a used link does not work again"
    );
    assert!(
        matches!(
            sign_in(store, &second.token, &settings, at(21)).await,
            Err(SignInError::Unknown)
        ),
        "signing in with one link ends the others"
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
    mint_sign_in_link(store, OLGA, ttl, at(200) + ttl)
        .await
        .expect("mint");
    assert_eq!(
        store
            .credentials_of(OLGA, CredentialKind::SignInLink)
            .await
            .expect("list")
            .len(),
        1,
        "minting clears the expired links away"
    );
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

/// The sign-in link in a mail [`PlainComposer`] wrote.
fn link_in(mail: &rollcall_core::ports::ComposedMail) -> String {
    String::from_utf8_lossy(&mail.raw)
        .split("/o/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a sign-in link in the mail")
        .to_string()
}

pub async fn a_sign_in_request_is_queued_for_any_address_and_mailed_only_to_those_with_events<
    S: Store,
>(
    store: &S,
) {
    let settings = AccessSettings {
        admins: vec!["boss@example.com".to_string()],
        ..AccessSettings::default()
    };
    let mailer = RecordingMailer::new();
    assert!(
        request_sign_in_link(store, OLGA, &settings, at(0))
            .await
            .expect("request"),
        "queued although Olga has no event yet"
    );
    let queued = store.due_outbox(at(0), 10).await.expect("due");
    assert_eq!(queued.len(), 1);
    assert!(
        !queued[0].message.is_mail(),
        "a job for the sender, not mail"
    );
    deliver(store, &mailer, 0).await;
    assert!(mailer.sent().is_empty(), "nothing to see: no mail");
    assert!(
        store
            .due_outbox(at(86_400), 10)
            .await
            .expect("due")
            .is_empty(),
        "and the request is done"
    );

    open(store, 1, OLGA).await;
    open(store, 2, "zoe@example.com").await;
    for (address, seconds) in [
        (" Olga@Example.org ", 1),
        ("boss@example.com", 2),
        ("nobody@example.net", 3),
    ] {
        assert!(
            request_sign_in_link(store, address, &settings, at(seconds))
                .await
                .expect("request"),
            "{address}"
        );
    }
    assert!(
        !request_sign_in_link(store, "not an address", &settings, at(4))
            .await
            .expect("request")
    );
    let queued = store.due_outbox(at(5), 10).await.expect("due");
    let shapes: Vec<_> = queued
        .iter()
        .map(|d| (d.message.to.email.as_str(), &d.message.notice))
        .collect();
    let request = |admin: Option<&str>| Notice::SignInRequest {
        domain_admin: admin.map(str::to_string),
    };
    let (plain, admin) = (request(None), request(Some("example.com")));
    assert_eq!(
        shapes,
        [
            (OLGA, &plain),
            ("boss@example.com", &admin),
            ("nobody@example.net", &plain),
        ],
        "one job per well-formed request, organizer or not, and nothing looked up yet"
    );

    deliver(store, &mailer, 5).await;
    let to: Vec<String> = mailer.sent().iter().map(|m| m.to.clone()).collect();
    assert_eq!(
        to,
        [OLGA, "boss@example.com"],
        "mail only to addresses with something to see, oldest request first"
    );
    assert!(
        store
            .due_outbox(at(86_400), 10)
            .await
            .expect("due")
            .is_empty(),
        "every request is answered, with mail or without"
    );
    let session = sign_in(store, &link_in(&mailer.sent()[1]), &settings, at(6))
        .await
        .expect("the admin's link works");
    assert_eq!(session.viewer.domain_admin.as_deref(), Some("example.com"));
}

pub async fn a_flood_of_sign_in_requests_mails_a_few_links_and_the_first_keeps_working<S: Store>(
    store: &S,
) {
    let settings = AccessSettings::default();
    open(store, 1, OLGA).await;
    let mailer = RecordingMailer::new();
    request_sign_in_link(store, OLGA, &settings, at(0))
        .await
        .expect("request");
    deliver(store, &mailer, 1).await;
    let first = link_in(&mailer.sent()[0]);
    // Someone else asks in Olga's name, again and again.
    for n in 0..10 {
        request_sign_in_link(store, OLGA, &settings, at(2 + n))
            .await
            .expect("request");
        deliver(store, &mailer, 2 + n).await;
    }
    assert_eq!(
        mailer.sent().len(),
        access::MAX_LIVE_SIGN_IN_LINKS,
        "no more mail once she holds enough working links"
    );
    assert!(
        store
            .due_outbox(at(86_400), 10)
            .await
            .expect("due")
            .is_empty(),
        "the requests beyond the cap are done without mail"
    );
    let session = sign_in(store, &first, &settings, at(30))
        .await
        .expect("the link she asked for still signs her in");
    assert_eq!(session.viewer.organizer, OLGA);
    for later in &mailer.sent()[1..] {
        assert!(
            matches!(
                sign_in(store, &link_in(later), &settings, at(31)).await,
                Err(SignInError::Unknown)
            ),
            "signing in ended the links the flood mailed"
        );
    }
    request_sign_in_link(store, OLGA, &settings, at(40))
        .await
        .expect("request");
    deliver(store, &mailer, 40).await;
    assert_eq!(
        mailer.sent().len(),
        access::MAX_LIVE_SIGN_IN_LINKS + 1,
        "with her links used up, asking mails a new one"
    );

    // Links expire: after their lifetime she gets new ones again.
    let later = 40 + settings.link_ttl.num_seconds();
    request_sign_in_link(store, OLGA, &settings, at(later))
        .await
        .expect("request");
    deliver(store, &mailer, later).await;
    assert_eq!(mailer.sent().len(), access::MAX_LIVE_SIGN_IN_LINKS + 2);
}

pub async fn a_sign_in_mail_that_fails_to_send_leaves_no_working_link<S: Store>(store: &S) {
    let settings = AccessSettings::default();
    open(store, 1, OLGA).await;
    let mailer = RecordingMailer::new();
    mailer.fail_next(
        access::MAX_LIVE_SIGN_IN_LINKS + 1,
        crate::FailWith::Transient,
    );
    request_sign_in_link(store, OLGA, &settings, at(0))
        .await
        .expect("request");
    for attempt in 0..=access::MAX_LIVE_SIGN_IN_LINKS {
        // Well past every backoff: each pass retries the request.
        deliver(store, &mailer, 3600 * (attempt as i64 + 1)).await;
    }
    assert!(mailer.sent().is_empty());
    assert_eq!(
        access::live_sign_in_links(store, OLGA, at(3600))
            .await
            .expect("count"),
        0,
        "links nobody received neither work nor count against her few"
    );
    deliver(store, &mailer, 3600 * 10).await;
    assert_eq!(
        mailer.sent().len(),
        1,
        "the retry that gets through mails a link"
    );
    let session = sign_in(store, &link_in(&mailer.sent()[0]), &settings, at(36_001))
        .await
        .expect("and it works");
    assert_eq!(session.viewer.organizer, OLGA);
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
        &Outlets::mail(&PlainComposer, &mailer),
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
