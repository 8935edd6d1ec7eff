//! SES event fixtures all the way into an invitee's status, the way the `events` handler drives
//! them: parse the SQS body, map it, hand it to the core use case. Any order, any repeats, the
//! same end state.

use chrono::{DateTime, TimeZone, Utc};
use rollcall_aws::ses::{EventMessage, Mapped, parse_event, provider_action};
use rollcall_core::invitee::{Invitee, InviteeId, personal_uid};
use rollcall_core::ports::{Commit, EventStore, InviteeStore, InviteeWrite};
use rollcall_core::status::{Channel, DELIVERY, INVITEE_MODEL, InviteeStatus, REACHABILITY};
use rollcall_core::tracking::initial_counters;
use rollcall_core::usecase::provider::{ProviderOutcome, apply_provider_action};
use rollcall_testkit::{InMemoryStore, SequentialIds, read_fixture};

const DOMAIN: &str = "rollcall.example";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The invitee every event fixture's Message-ID names.
async fn store() -> (InMemoryStore, InviteeId) {
    let store = InMemoryStore::new();
    let id = InviteeId::parse("k7q2m4x6r3t5v2wa").expect("a valid invitee id");
    let invitee = Invitee {
        uid: personal_uid(&id, DOMAIN),
        id: id.clone(),
        event_id: SequentialIds::nth(3),
        email: "ann@example.org".into(),
        name: Some("Ann".into()),
        joined_via: Channel::Web,
        sequence: 2,
        sent: Default::default(),
        status: InviteeStatus::initial(&INVITEE_MODEL),
        created_at: now(),
        updated_at: now(),
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
    store.commit(&commit).await.expect("seeded");
    (store, id)
}

/// One SQS message handled: `None` when the mapping ignores it.
async fn handle(store: &InMemoryStore, name: &str) -> Option<ProviderOutcome> {
    let body = String::from_utf8(read_fixture(format!("ses/{name}"))).expect("UTF-8");
    let Ok(EventMessage::Event(event)) = parse_event(&body) else {
        panic!("{name} is an event");
    };
    match provider_action(&event, now()) {
        Mapped::Invitee { message_id, action } => Some(
            apply_provider_action(&message_id, action, DOMAIN, store, now())
                .await
                .expect("the store works"),
        ),
        Mapped::Ignored { .. } => None,
    }
}

async fn run(names: &[&str]) -> (InviteeStatus, Vec<(String, String, i64)>, usize) {
    let (store, id) = store().await;
    for name in names {
        handle(&store, name).await;
    }
    let invitee = store
        .invitee(&id)
        .await
        .ok()
        .flatten()
        .expect("the invitee");
    let mut counters = store.counters(&invitee.event_id).await.unwrap_or_default();
    counters.sort();
    let history = store.signals_of(&id).await.unwrap_or_default().len();
    (invitee.status, counters, history)
}

#[tokio::test]
async fn a_bounce_and_a_late_delivery_end_bounced_and_delivered_in_any_order() {
    let events = [
        "event-send.json",
        "event-bounce-permanent.json",
        "event-delivery.json",
        "event-delivery-delay.json",
        "event-bounce-transient.json",
    ];
    let forward = run(&events).await;
    let mut reversed = events;
    reversed.reverse();
    assert_eq!(run(&reversed).await, forward);
    let (status, counters, history) = forward;
    assert_eq!(status.value(REACHABILITY), Some("bounced"));
    assert_eq!(status.value(DELIVERY), Some("delivered"));
    assert!(counters.contains(&("reachability".into(), "bounced".into(), 1)));
    // send, permanent bounce, delivery, transient bounce (recorded); the delay is ignored.
    assert_eq!(history, 4);
}

#[tokio::test]
async fn an_sqs_redelivery_is_a_duplicate_and_changes_nothing() {
    let (store, id) = store().await;
    let first = handle(&store, "event-complaint.json").await;
    assert!(
        matches!(&first, Some(ProviderOutcome::Applied { effect, .. }) if effect.contains("complained")),
        "{first:?}"
    );
    let again = handle(&store, "event-complaint.json").await;
    assert_eq!(
        again,
        Some(ProviderOutcome::Duplicate {
            invitee: id.clone()
        })
    );
    assert_eq!(store.signals_of(&id).await.unwrap_or_default().len(), 1);
}

#[tokio::test]
async fn opens_and_clicks_before_their_delivery_end_where_in_order_would() {
    let in_order = [
        "event-send.json",
        "event-delivery.json",
        "event-open.json",
        "event-click.json",
        "event-open-common-headers.json",
    ];
    let shuffled = [
        "event-click.json",
        "event-open-common-headers.json",
        "event-open.json",
        "event-click.json",
        "event-delivery.json",
        "event-send.json",
    ];
    let expected = run(&in_order).await;
    assert_eq!(expected.0.value(DELIVERY), Some("clicked"));
    assert_eq!(expected.0.value(REACHABILITY), Some("ok"));
    assert_eq!(run(&shuffled).await, expected);
}

#[tokio::test]
async fn a_reject_is_recorded_without_touching_the_address() {
    let (status, _, history) = run(&["event-send.json", "event-reject.json"]).await;
    assert_eq!(status.value(REACHABILITY), Some("ok"));
    assert_eq!(status.value(DELIVERY), Some("sent"));
    assert_eq!(history, 2);
}
