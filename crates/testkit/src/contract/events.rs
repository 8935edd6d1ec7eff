//! Cases for events and message records: keys, versions, atomic commits, redeliveries.

use super::{
    OLGA, at, commit, due, event, ids, insert, message_id, notice, record, replace, updated,
};
use crate::SequentialIds;
use rollcall_core::imip::Mailbox;
use rollcall_core::outcome::{EventResult, Outcome};
use rollcall_core::ports::{Commit, Committed, EventStore, MessageRecord, OutboxStore, StoreError};

async fn applied<S: EventStore>(store: &S, commit: Commit) {
    let result = store.commit(&commit).await;
    assert!(
        matches!(result, Ok(Committed::Applied)),
        "commit of {} should apply, got {result:?}",
        message_id(&commit)
    );
}

async fn conflicts<S: EventStore>(store: &S, commit: Commit) {
    let result = store.commit(&commit).await;
    assert!(
        matches!(result, Err(StoreError::Conflict)),
        "commit of {} should conflict, got {result:?}",
        message_id(&commit)
    );
    let record = store.message_record(message_id(&commit)).await;
    assert!(
        matches!(record, Ok(None)),
        "a conflicting commit must not record its message, got {record:?}"
    );
}

pub async fn a_new_event_is_readable_by_id_and_by_uid<S: EventStore>(store: &S) {
    let olga = event(1, OLGA, "uid-1");
    applied(store, commit("m1", vec![insert(&olga)], vec![])).await;

    let by_id = store.event(&olga.id).await.expect("read by id");
    assert_eq!(
        by_id,
        Some(olga.clone()),
        "the event comes back whole by id"
    );
    let by_uid = store
        .event_by_uid(OLGA, "uid-1")
        .await
        .expect("read by uid");
    assert_eq!(by_uid, Some(olga), "the event comes back whole by uid");

    let unknown = store.event(&SequentialIds::nth(2)).await.expect("read");
    assert_eq!(unknown, None);
    let other_uid = store.event_by_uid(OLGA, "uid-2").await.expect("read");
    assert_eq!(other_uid, None);
    let other_organizer = store.event_by_uid("bob@example.org", "uid-1").await;
    assert_eq!(other_organizer.expect("read"), None);
}

pub async fn a_second_commit_of_the_same_message_changes_nothing<S>(store: &S)
where
    S: EventStore + OutboxStore,
{
    let first = event(1, OLGA, "uid-1");
    let mut original = commit(
        "m1",
        vec![insert(&first)],
        vec![notice("m1-0", &first, at(0))],
    );
    let outcome = Outcome::Processed(vec![EventResult::Created {
        event_id: first.id.clone(),
    }]);
    original.message = Some(record("m1", outcome));
    applied(store, original.clone()).await;

    let second = event(2, OLGA, "uid-2");
    let redelivery = commit(
        "m1",
        vec![insert(&second), replace(&updated(&first), 1)],
        vec![notice("m1-1", &second, at(0))],
    );
    let result = store.commit(&redelivery).await.expect("commit");
    assert_eq!(result, Committed::AlreadyRecorded);

    assert_eq!(store.event(&second.id).await.expect("read"), None);
    assert_eq!(store.event(&first.id).await.expect("read"), Some(first));
    let kept = store.message_record("m1").await.expect("read record");
    assert_eq!(kept, original.message, "the first outcome stays");
    assert_eq!(due(store, at(60)).await, ids(&[("m1-0", 0)]));
}

pub async fn a_stale_expected_version_conflicts_and_writes_nothing<S>(store: &S)
where
    S: EventStore + OutboxStore,
{
    let first = event(1, OLGA, "uid-1");
    applied(store, commit("m1", vec![insert(&first)], vec![])).await;

    // The insert comes first, so a store must undo a write it already made.
    let other = event(3, OLGA, "uid-3");
    let next = updated(&first);
    let outbox = vec![notice("m2-0", &other, at(0))];
    let stale = commit(
        "m2",
        vec![insert(&other), replace(&next, 5)],
        outbox.clone(),
    );
    conflicts(store, stale).await;
    assert_eq!(store.event(&other.id).await.expect("read"), None);
    assert_eq!(store.event_by_uid(OLGA, "uid-3").await.expect("read"), None);
    assert_eq!(store.event(&first.id).await.expect("read"), Some(first));
    assert_eq!(due(store, at(60)).await, ids(&[]));

    // Nothing of the refused commit is left behind: the same message commits cleanly.
    applied(
        store,
        commit("m2", vec![insert(&other), replace(&next, 1)], outbox),
    )
    .await;
    assert_eq!(store.event(&next.id).await.expect("read"), Some(next));
    assert_eq!(store.event(&other.id).await.expect("read"), Some(other));
    assert_eq!(due(store, at(60)).await, ids(&[("m2-0", 0)]));
}

pub async fn a_current_expected_version_replaces_the_event<S: EventStore>(store: &S) {
    let first = event(1, OLGA, "uid-1");
    applied(store, commit("m1", vec![insert(&first)], vec![])).await;
    let second = updated(&first);
    applied(store, commit("m2", vec![replace(&second, 1)], vec![])).await;

    assert_eq!(
        store.event(&first.id).await.expect("read"),
        Some(second.clone())
    );
    let by_uid = store.event_by_uid(OLGA, "uid-1").await.expect("read");
    assert_eq!(by_uid, Some(second.clone()));

    let third = updated(&second);
    conflicts(store, commit("m3", vec![replace(&third, 1)], vec![])).await;
    applied(store, commit("m3", vec![replace(&third, 2)], vec![])).await;
    assert_eq!(store.event(&first.id).await.expect("read"), Some(third));
}

pub async fn an_update_of_an_unknown_event_conflicts<S: EventStore>(store: &S) {
    let ghost = updated(&event(1, OLGA, "uid-1"));
    conflicts(store, commit("m1", vec![replace(&ghost, 1)], vec![])).await;
    assert_eq!(store.event(&ghost.id).await.expect("read"), None);
    assert_eq!(store.event_by_uid(OLGA, "uid-1").await.expect("read"), None);
}

pub async fn two_organizers_may_use_the_same_uid<S: EventStore>(store: &S) {
    let olga = event(1, OLGA, "shared-uid");
    let bob = event(2, "bob@example.org", "shared-uid");
    applied(
        store,
        commit("m1", vec![insert(&olga), insert(&bob)], vec![]),
    )
    .await;

    let found = store.event_by_uid(OLGA, "shared-uid").await.expect("read");
    assert_eq!(found, Some(olga));
    let found = store.event_by_uid("bob@example.org", "shared-uid").await;
    assert_eq!(found.expect("read"), Some(bob));
}

pub async fn a_duplicate_organizer_uid_insert_conflicts<S: EventStore>(store: &S) {
    let first = event(1, OLGA, "uid-1");
    applied(store, commit("m1", vec![insert(&first)], vec![])).await;

    let twin = event(2, OLGA, "uid-1");
    conflicts(store, commit("m2", vec![insert(&twin)], vec![])).await;
    assert_eq!(store.event(&twin.id).await.expect("read"), None);
    let by_uid = store.event_by_uid(OLGA, "uid-1").await.expect("read");
    assert_eq!(by_uid, Some(first));
}

pub async fn a_duplicate_event_id_insert_conflicts<S: EventStore>(store: &S) {
    let first = event(1, OLGA, "uid-1");
    applied(store, commit("m1", vec![insert(&first)], vec![])).await;

    let same_id = event(1, OLGA, "uid-2");
    conflicts(store, commit("m2", vec![insert(&same_id)], vec![])).await;
    assert_eq!(store.event(&first.id).await.expect("read"), Some(first));
    assert_eq!(store.event_by_uid(OLGA, "uid-2").await.expect("read"), None);
}

pub async fn message_records_round_trip_their_outcome<S: EventStore>(store: &S) {
    let id = SequentialIds::nth(7);
    let every_result = Outcome::Processed(vec![
        EventResult::Created {
            event_id: id.clone(),
        },
        EventResult::Updated {
            event_id: id.clone(),
            from: 0,
            to: 3,
        },
        EventResult::UpdatedOccurrence {
            event_id: id.clone(),
            recurrence_id: "2026-03-12".to_string(),
        },
        EventResult::Cancelled {
            event_id: id.clone(),
        },
        EventResult::CancelledOccurrence {
            event_id: id,
            recurrence_id: "2026-03-19T15:00:00Z".to_string(),
        },
        EventResult::Ignored {
            reason: "stale sequence 0 < 1".to_string(),
        },
    ]);
    let named = MessageRecord {
        from: Some(Mailbox {
            email: OLGA.to_string(),
            name: Some("Olga Organizer".to_string()),
        }),
        subject: Some("Planung für März ✓".to_string()),
        // Microseconds are the precision stores promise for their own timestamps.
        processed_at: at(0) + chrono::Duration::microseconds(123_456),
        ..record("m1", every_result)
    };
    let anonymous = MessageRecord {
        from: None,
        subject: None,
        processed_at: at(5),
        ..record("m2", Outcome::rejected("no calendar found in the message"))
    };
    let nameless = record("m3", Outcome::Processed(vec![]));
    for message in [&named, &anonymous, &nameless] {
        let mut storing = commit(&message.message_id, vec![], vec![]);
        storing.message = Some(message.clone());
        applied(store, storing).await;
    }
    for message in [named, anonymous, nameless] {
        let stored = store.message_record(&message.message_id).await;
        assert_eq!(stored.expect("read record"), Some(message));
    }
    assert_eq!(store.message_record("m4").await.expect("read"), None);
}
