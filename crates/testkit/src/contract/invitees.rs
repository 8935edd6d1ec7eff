//! Cases for invitees: keys, versions, and redeliveries recognised by their signals.

use super::invitee_fixtures::{
    ANN, BOB, CAT, add, answered_change, applied, change, delta, events_exist, invitee, listed,
    next_version, signal_for, snapshot, with_message,
};
use super::{OLGA, at, counters, counts, due, event, ids, insert, notice};
use crate::SequentialIds;
use rollcall_core::ports::{Commit, Committed, Store, StoreError};
use rollcall_core::status::{Answer, SignalKind};

pub async fn a_new_invitee_is_readable_by_id_and_by_event_and_email<S: Store>(store: &S) {
    let (planning, review) = (event(1, OLGA, "uid-1"), event(2, OLGA, "uid-2"));
    events_exist(store, &[&planning, &review]).await;
    let ann = invitee(0, &planning, ANN);
    // The same address may be an invitee of another event.
    let ann_elsewhere = invitee(1, &review, ANN);
    let commit = Commit {
        invitees: vec![add(&ann), add(&ann_elsewhere)],
        ..Commit::default()
    };
    applied(store, commit).await;

    let by_id = store.invitee(&ann.id).await.expect("read by id");
    assert_eq!(
        by_id,
        Some(ann.clone()),
        "the invitee comes back whole by id"
    );
    let by_email = store.invitee_by_email(&planning.id, ANN).await;
    assert_eq!(by_email.expect("read by email"), Some(ann));
    let elsewhere = store.invitee_by_email(&review.id, ANN).await;
    assert_eq!(elsewhere.expect("read by email"), Some(ann_elsewhere));

    let unknown = store.invitee(&SequentialIds::nth_invitee(2)).await;
    assert_eq!(unknown.expect("read"), None);
    let other = store.invitee_by_email(&planning.id, BOB).await;
    assert_eq!(other.expect("read"), None);
    // Addresses are matched exactly as given: callers normalize them.
    let shouted = store
        .invitee_by_email(&planning.id, "ANN@example.org")
        .await;
    assert_eq!(shouted.expect("read"), None);
    let no_event = store.invitee_by_email(&SequentialIds::nth(3), ANN).await;
    assert_eq!(no_event.expect("read"), None);
}

pub async fn a_duplicate_event_and_email_insert_conflicts_and_writes_nothing<S: Store>(store: &S) {
    let planning = event(1, OLGA, "uid-1");
    events_exist(store, &[&planning]).await;
    let ann = invitee(0, &planning, ANN);
    let first = Commit {
        invitees: vec![add(&ann)],
        signals: vec![listed(&ann)],
        counters: vec![delta(&planning, "delivery", "listed", 1)],
        ..Commit::default()
    };
    applied(store, first).await;

    // Cat's insert comes first, so a store must undo a write it already made.
    let review = event(2, OLGA, "uid-2");
    let cat = invitee(2, &planning, CAT);
    let twin = invitee(1, &planning, ANN);
    let refused = Commit {
        message: with_message("m2"),
        events: vec![insert(&review)],
        invitees: vec![add(&cat), add(&twin)],
        signals: vec![listed(&cat), listed(&twin)],
        counters: vec![delta(&planning, "delivery", "listed", 2)],
        outbox: vec![notice("m2-0", &planning, at(0))],
        suppressions: vec![rollcall_core::suppression::Suppression {
            address: CAT.to_string(),
            reason: rollcall_core::suppression::SuppressionReason::Bounced,
            since: at(0),
            event_id: None,
            detail: None,
        }],
        changes: vec![answered_change(&planning, &cat, "listed", "accepted")],
    };
    let (events, invitees) = ([&planning.id, &review.id], [&ann.id, &twin.id, &cat.id]);
    let before = snapshot(store, &planning.id, &events, &invitees, "m2").await;
    let result = store.commit(&refused).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    let after = snapshot(store, &planning.id, &events, &invitees, "m2").await;
    assert_eq!(after, before, "a refused commit writes nothing");
    let suppressed = store.suppression(CAT).await.expect("read");
    assert_eq!(suppressed, None, "not even its suppression");
    let by_email = store.invitee_by_email(&planning.id, ANN).await;
    assert_eq!(by_email.expect("read"), Some(ann));

    // Nothing of the refused commit is left behind: without the twin it commits cleanly.
    let mut retried = refused.clone();
    retried.invitees.pop();
    retried.signals.pop();
    retried.counters = vec![delta(&planning, "delivery", "listed", 1)];
    applied(store, retried).await;
    assert_eq!(store.invitee(&cat.id).await.expect("read"), Some(cat));
    assert_eq!(store.event(&review.id).await.expect("read"), Some(review));
    assert!(store.message_record("m2").await.expect("read").is_some());
    assert_eq!(due(store, at(60)).await, ids(&[("m2-0", 0)]));
    assert_eq!(
        counters(store, &planning.id).await,
        counts(&[("delivery", "listed", 2)])
    );
}

pub async fn a_duplicate_invitee_id_insert_conflicts<S: Store>(store: &S) {
    let planning = event(1, OLGA, "uid-1");
    let ann = invitee(0, &planning, ANN);
    let first = Commit {
        invitees: vec![add(&ann)],
        ..Commit::default()
    };
    applied(store, first).await;

    let mut same_id = invitee(0, &planning, BOB);
    same_id.name = Some("Bob".to_string());
    let refused = Commit {
        invitees: vec![add(&same_id)],
        counters: vec![delta(&planning, "delivery", "listed", 1)],
        ..Commit::default()
    };
    let result = store.commit(&refused).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(store.invitee(&ann.id).await.expect("read"), Some(ann));
    let bob = store.invitee_by_email(&planning.id, BOB).await;
    assert_eq!(bob.expect("read"), None);
    assert_eq!(counters(store, &planning.id).await, counts(&[]));
}

pub async fn a_stale_invitee_version_conflicts_and_writes_nothing<S: Store>(store: &S) {
    let planning = event(1, OLGA, "uid-1");
    let ann = invitee(0, &planning, ANN);
    let first = Commit {
        invitees: vec![add(&ann)],
        signals: vec![listed(&ann)],
        ..Commit::default()
    };
    applied(store, first).await;

    let next = next_version(&ann);
    let ghost = next_version(&invitee(3, &planning, "ghost@example.org"));
    let answered = signal_for(&ann, "web:n2", SignalKind::Answer(Answer::Declined), at(5));
    let invitees = [&ann.id, &ghost.id];
    for (write, why) in [
        (change(&next, 5), "a stale expected version"),
        (change(&ghost, 1), "an update of an unknown invitee"),
    ] {
        let refused = Commit {
            message: with_message("m2"),
            invitees: vec![write],
            signals: vec![answered.clone()],
            counters: vec![delta(&planning, "response", "declined", 1)],
            outbox: vec![notice("m2-0", &planning, at(0))],
            ..Commit::default()
        };
        let before = snapshot(store, &planning.id, &[], &invitees, "m2").await;
        let result = store.commit(&refused).await;
        assert!(
            matches!(result, Err(StoreError::Conflict)),
            "{why}: {result:?}"
        );
        let after = snapshot(store, &planning.id, &[], &invitees, "m2").await;
        assert_eq!(after, before, "{why} writes nothing");
    }

    // The current version replaces the invitee, under both of its keys.
    let commit = Commit {
        invitees: vec![change(&next, 1)],
        signals: vec![answered],
        ..Commit::default()
    };
    applied(store, commit).await;
    assert_eq!(
        store.invitee(&ann.id).await.expect("read"),
        Some(next.clone())
    );
    let by_email = store.invitee_by_email(&planning.id, ANN).await;
    assert_eq!(by_email.expect("read"), Some(next.clone()));

    let third = next_version(&next);
    let stale = Commit {
        invitees: vec![change(&third, 1)],
        ..Commit::default()
    };
    let result = store.commit(&stale).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    let current = Commit {
        invitees: vec![change(&third, 2)],
        ..Commit::default()
    };
    applied(store, current).await;
    assert_eq!(store.invitee(&ann.id).await.expect("read"), Some(third));
}

pub async fn a_commit_whose_signal_is_already_recorded_changes_nothing<S: Store>(store: &S) {
    let planning = event(1, OLGA, "uid-1");
    events_exist(store, &[&planning]).await;
    let (ann, bob) = (invitee(0, &planning, ANN), invitee(1, &planning, BOB));
    let answered = signal_for(&ann, "web:n1", SignalKind::Answer(Answer::Accepted), at(1));
    let first = Commit {
        invitees: vec![add(&ann), add(&bob)],
        signals: vec![listed(&ann), answered, listed(&bob)],
        counters: vec![delta(&planning, "response", "accepted", 2)],
        outbox: vec![notice("inv-1", &planning, at(1))],
        ..Commit::default()
    };
    applied(store, first).await;

    // A new signal next to an already recorded one: the whole step was done before.
    let review = event(2, OLGA, "uid-2");
    let again = signal_for(&ann, "web:n1", SignalKind::Answer(Answer::Declined), at(9));
    let fresh = signal_for(&ann, "web:n2", SignalKind::Answer(Answer::Declined), at(9));
    let redelivery = |expected_version| Commit {
        message: with_message("m2"),
        events: vec![insert(&review)],
        invitees: vec![change(&next_version(&ann), expected_version)],
        signals: vec![fresh.clone(), again.clone()],
        counters: vec![delta(&planning, "response", "declined", 1)],
        outbox: vec![notice("m2-0", &planning, at(9))],
        suppressions: vec![],
        changes: vec![answered_change(&planning, &ann, "web:n2", "declined")],
    };
    let (events, invitees) = ([&planning.id, &review.id], [&ann.id, &bob.id]);
    let before = snapshot(store, &planning.id, &events, &invitees, "m2").await;
    // With a current version, and with a stale one: a redelivery is not a conflict.
    for expected_version in [1, 7] {
        let result = store.commit(&redelivery(expected_version)).await;
        assert_eq!(
            result.expect("commit"),
            Committed::AlreadyRecorded,
            "expected version {expected_version}"
        );
        let after = snapshot(store, &planning.id, &events, &invitees, "m2").await;
        assert_eq!(after, before, "a redelivery changes nothing");
    }

    // The same key for another invitee is another fact.
    let bob_answered = signal_for(&bob, "web:n1", SignalKind::Answer(Answer::Declined), at(9));
    let commit = Commit {
        invitees: vec![change(&next_version(&bob), 1)],
        signals: vec![bob_answered.clone()],
        ..Commit::default()
    };
    applied(store, commit).await;
    let history = store.signals_of(&bob.id).await.expect("history");
    assert_eq!(history, vec![listed(&bob), bob_answered]);
}
