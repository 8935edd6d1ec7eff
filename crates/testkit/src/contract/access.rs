//! The access part of the contract: credentials (sign-in links, sessions, API tokens) kept by
//! the hash of their secret, and the sign-in use cases over them.

use super::{OLGA, at, open_event_of as open};
use crate::{PlainComposer, RecordingMailer, SequentialIds};
use chrono::Duration;
use rollcall_core::access::{
    self, AccessSettings, SignInError, create_api_token, hash_secret, mint_sign_in_link,
    request_sign_in_link, revoke_api_token, sign_in, sign_out,
};
use rollcall_core::deliver::{DeliverySettings, deliver_due};
use rollcall_core::ports::{Commit, Credential, CredentialKind, Store};

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
