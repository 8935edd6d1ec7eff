//! Provider delivery events through the use case: joined to the invitee by our Message-ID,
//! applied in one commit, and ending in the same state whatever their order or repeats.

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rollcall_core::invitee::{Invitee, InviteeId, personal_uid};
use rollcall_core::ports::{
    Commit, Committed, EventStore, InviteeStore, InviteeWrite, Store, StoreError, StoreLayer,
};
use rollcall_core::status::{
    Channel, DELIVERY, INVITEE_MODEL, InviteeStatus, REACHABILITY, Signal, SignalKind,
};
use rollcall_core::tracking::{initial_counters, track};
use rollcall_core::usecase::provider::{
    ProviderAction, ProviderOutcome, RECORDED_ONLY, apply_provider_action, apply_provider_signal,
};
use rollcall_testkit::{InMemoryStore, SequentialIds};
use std::sync::atomic::{AtomicBool, Ordering};

const DOMAIN: &str = "rollcall.example";

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::minutes(minute)
}

/// A provider signal that happened at `minute` (heard of much later, in any order).
fn event(key: &str, kind: SignalKind, minute: i64) -> Signal {
    let mut signal = Signal::now(format!("ses:{key}"), kind, Channel::Provider, at(minute));
    signal.received_at = at(600);
    signal
}

/// A store holding one web invitee, and the Message-ID of their first invitation.
async fn store_with_invitee() -> (InMemoryStore, InviteeId, String) {
    let store = InMemoryStore::new();
    let id = SequentialIds::nth_invitee(7);
    let invitee = Invitee {
        uid: personal_uid(&id, DOMAIN),
        id: id.clone(),
        event_id: SequentialIds::nth(1),
        email: "ann@example.org".into(),
        name: Some("Ann".into()),
        joined_via: Channel::Web,
        sequence: 1,
        sent: Default::default(),
        status: InviteeStatus::initial(&INVITEE_MODEL),
        created_at: at(0),
        updated_at: at(0),
        version: 1,
    };
    let commit = Commit {
        counters: initial_counters(&invitee),
        invitees: vec![InviteeWrite {
            invitee,
            expected_version: None,
        }],
        ..Commit::default()
    };
    assert!(matches!(
        store.commit(&commit).await,
        Ok(Committed::Applied)
    ));
    let message_id = format!("<inv-{id}-1@{DOMAIN}>");
    (store, id, message_id)
}

/// Everything an order of events could change: the status, the counters, the history keys.
async fn state(
    store: &InMemoryStore,
    id: &InviteeId,
) -> (InviteeStatus, Vec<(String, String, i64)>, Vec<String>) {
    let invitee = store.invitee(id).await.ok().flatten().expect("the invitee");
    let mut counters = store.counters(&invitee.event_id).await.unwrap_or_default();
    counters.sort();
    let mut keys: Vec<String> = store
        .signals_of(id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.signal.dedupe_key)
        .collect();
    keys.sort();
    (invitee.status, counters, keys)
}

async fn apply_all(signals: &[Signal]) -> (InMemoryStore, InviteeId) {
    let (store, id, message_id) = store_with_invitee().await;
    for signal in signals {
        let outcome = apply_provider_signal(&message_id, signal.clone(), DOMAIN, &store, at(600))
            .await
            .expect("the store works");
        assert!(
            matches!(
                outcome,
                ProviderOutcome::Applied { .. } | ProviderOutcome::Duplicate { .. }
            ),
            "{outcome:?}"
        );
    }
    (store, id)
}

#[tokio::test]
async fn a_late_delivery_never_undoes_a_bounce_in_either_order() {
    let bounce = event("bounce", SignalKind::Bounced, 2);
    let delivery = event("delivery", SignalKind::Delivered, 1);
    let (one, id) = apply_all(&[bounce.clone(), delivery.clone()]).await;
    let (other, _) = apply_all(&[delivery, bounce]).await;
    let first = state(&one, &id).await;
    assert_eq!(first.0.value(REACHABILITY), Some("bounced"));
    assert_eq!(first.0.value(DELIVERY), Some("delivered"));
    assert_eq!(first, state(&other, &id).await);
    assert!(
        first
            .1
            .contains(&("reachability".into(), "bounced".into(), 1))
    );
    assert!(
        first
            .1
            .contains(&("delivery".into(), "delivered".into(), 1))
    );
}

#[tokio::test]
async fn an_open_before_its_delivery_ends_opened_as_in_order() {
    let sent = event("send", SignalKind::Sent, 0);
    let delivery = event("delivery", SignalKind::Delivered, 1);
    let open = event("open", SignalKind::Opened, 5);
    let (in_order, id) = apply_all(&[sent.clone(), delivery.clone(), open.clone()]).await;
    let (reversed, _) = apply_all(&[open, delivery, sent]).await;
    let expected = state(&in_order, &id).await;
    assert_eq!(expected.0.value(DELIVERY), Some("opened"));
    assert_eq!(expected, state(&reversed, &id).await);
}

#[tokio::test]
async fn the_same_event_twice_is_applied_once() {
    let (store, id, message_id) = store_with_invitee().await;
    let complaint = event("complaint", SignalKind::Complained, 3);
    let first =
        apply_provider_signal(&message_id, complaint.clone(), DOMAIN, &store, at(600)).await;
    let Ok(ProviderOutcome::Applied { invitee, effect }) = first else {
        panic!("{first:?}");
    };
    assert_eq!(invitee, id);
    assert_eq!(effect, "reachability ok → complained");
    let once = state(&store, &id).await;
    let again = apply_provider_signal(&message_id, complaint, DOMAIN, &store, at(700)).await;
    assert!(matches!(again, Ok(ProviderOutcome::Duplicate { invitee }) if invitee == id));
    assert_eq!(state(&store, &id).await, once);
    assert_eq!(once.2, vec!["ses:complaint".to_string()]);
}

#[tokio::test]
async fn a_record_only_event_is_kept_in_the_history_without_changing_the_status() {
    let (store, id, message_id) = store_with_invitee().await;
    let before = state(&store, &id).await;
    let mut transient = event("transient", SignalKind::Bounced, 4);
    transient.provenance.note = Some("transient bounce (MailboxFull)".into());
    let outcome = apply_provider_action(
        &message_id,
        ProviderAction::Record(transient),
        DOMAIN,
        &store,
        at(600),
    )
    .await;
    assert!(
        matches!(&outcome, Ok(ProviderOutcome::Applied { effect, .. }) if effect == RECORDED_ONLY),
        "{outcome:?}"
    );
    let after = state(&store, &id).await;
    assert_eq!(after.0, before.0);
    assert_eq!(after.1, before.1);
    let history = store.signals_of(&id).await.unwrap_or_default();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].effect, RECORDED_ONLY);
    // The message id is filled in from the join key when the caller left it empty.
    assert_eq!(
        history[0].signal.provenance.message_id.as_deref(),
        Some(message_id.trim_matches(['<', '>']))
    );
}

#[tokio::test]
async fn updates_join_by_their_message_id_and_other_messages_are_ignored() {
    let (store, id, _) = store_with_invitee().await;
    // An update queued by a fan-out job: `<job id>-<invitee id>@<domain>`.
    let update = format!("msg-4c1f9e-0-{id}@{DOMAIN}");
    let delivery = event("delivery", SignalKind::Delivered, 1);
    let outcome = apply_provider_signal(&update, delivery, DOMAIN, &store, at(600)).await;
    assert!(matches!(outcome, Ok(ProviderOutcome::Applied { invitee, .. }) if invitee == id));
    let gone = SequentialIds::nth_invitee(8);
    for message_id in [
        format!("msg-4c1f9e-0@{DOMAIN}"),
        format!("inv-{id}-1@elsewhere.example"),
        "0102018e0f7a3b21-000000@email.amazonses.com".to_string(),
        format!("inv-{gone}-1@{DOMAIN}"),
    ] {
        let signal = event("bounce", SignalKind::Bounced, 2);
        let outcome = apply_provider_signal(&message_id, signal, DOMAIN, &store, at(600)).await;
        assert!(
            matches!(outcome, Ok(ProviderOutcome::NotOurs { .. })),
            "{message_id}: {outcome:?}"
        );
    }
    assert_eq!(store.signals_of(&id).await.unwrap_or_default().len(), 1);
}

#[tokio::test]
async fn a_concurrent_write_is_retried_and_both_changes_survive() {
    let (inner, id, message_id) = store_with_invitee().await;
    let store = RacingStore {
        inner,
        raced: AtomicBool::new(false),
    };
    let bounce = event("bounce", SignalKind::Bounced, 2);
    let outcome = apply_provider_signal(&message_id, bounce, DOMAIN, &store, at(600)).await;
    assert!(store.raced.load(Ordering::SeqCst));
    assert!(
        matches!(outcome, Ok(ProviderOutcome::Applied { .. })),
        "{outcome:?}"
    );
    let (status, _, keys) = state(&store.inner, &id).await;
    assert_eq!(status.value(REACHABILITY), Some("bounced"));
    assert_eq!(status.value(DELIVERY), Some("sent"));
    assert_eq!(
        keys,
        vec!["race:sent".to_string(), "ses:bounce".to_string()]
    );
}

type StoreResult<T> = Result<T, StoreError>;

/// Before the first commit it is given, another writer changes the invitee (Rollcall records
/// the message as sent), so that commit meets a real version conflict.
struct RacingStore {
    inner: InMemoryStore,
    raced: AtomicBool,
}

#[async_trait]
impl StoreLayer for RacingStore {
    fn inner(&self) -> &dyn Store {
        &self.inner
    }

    async fn layered_commit(&self, commit: &Commit) -> StoreResult<Committed> {
        if !self.raced.swap(true, Ordering::SeqCst)
            && let Some(write) = commit.invitees.first()
            && let Some(mut invitee) = self.inner.invitee(&write.invitee.id).await?
        {
            let expected = invitee.version;
            let sent = Signal::now(
                "race:sent".into(),
                SignalKind::Sent,
                Channel::Provider,
                at(1),
            );
            let race = track(&mut invitee, vec![sent])
                .into_commit_reading_event(&self.inner, invitee, expected, at(1))
                .await?;
            self.inner.commit(&race).await?;
        }
        self.inner.commit(commit).await
    }
}
