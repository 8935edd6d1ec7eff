//! The store contract, run against the DynamoDB store on a fresh table per test in the moto
//! emulator; then what only DynamoDB makes hard: the transaction size limit, concurrent
//! commits, the sparse due index, and keys built from untrusted text.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rollcall_aws::dynamo::emulator::fresh_store;
use rollcall_aws::dynamo::{DynamoStore, MAX_TRANSACTION_ITEMS, items, keys};
use rollcall_core::event::Event;
use rollcall_core::imip::Mailbox;
use rollcall_core::invitee::{Invitee, personal_uid};
use rollcall_core::notice::{Notice, OutboxMessage};
use rollcall_core::outcome::Outcome;
use rollcall_core::ports::{
    Commit, Committed, CounterDelta, EventStore, EventWrite, InviteeStore, InviteeWrite,
    MessageRecord, OutboxStore, ReportStore, StoreError,
};
use rollcall_core::status::{Channel, INVITEE_MODEL, InviteeStatus};
use rollcall_testkit::SequentialIds;
use std::sync::Arc;

rollcall_testkit::store_contract_tests!(fresh_store().await);

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 5, 16, 0, 0)
        .single()
        .expect("a valid time")
        + Duration::seconds(seconds)
}

/// A store holding one event (id `SequentialIds::nth(1)`, organizer olga@example.org, UID
/// `uid-1`, version 1), made by the contract's own first case.
async fn store_with_an_event() -> (DynamoStore, Event) {
    let store = fresh_store().await;
    rollcall_testkit::contract::a_new_event_is_readable_by_id_and_by_uid(&store).await;
    let event = store.event(&SequentialIds::nth(1)).await.expect("read");
    (store, event.expect("the case wrote event 1"))
}

fn record(message_id: &str) -> MessageRecord {
    MessageRecord {
        message_id: message_id.to_string(),
        from: None,
        subject: None,
        outcome: Outcome::rejected(format!("test {message_id}")),
        processed_at: at(0),
    }
}

fn notice(id: &str, event: &Event) -> OutboxMessage {
    OutboxMessage {
        id: id.to_string(),
        to: Mailbox {
            email: event.organizer_email.clone(),
            name: None,
        },
        notice: Notice::EventCreated { sign_in: None },
        event: event.clone(),
        created_at: at(0),
    }
}

fn invitee(n: u64, event: &Event, email: &str) -> Invitee {
    let id = SequentialIds::nth_invitee(n);
    Invitee {
        uid: personal_uid(&id, "rollcall.test"),
        id,
        event_id: event.id.clone(),
        email: email.to_string(),
        name: None,
        joined_via: Channel::Web,
        sequence: 0,
        sent: Default::default(),
        status: InviteeStatus::initial(&INVITEE_MODEL),
        created_at: at(0),
        updated_at: at(0),
        version: 1,
    }
}

fn counted(event: &Event, value: &str) -> CounterDelta {
    CounterDelta {
        event_id: event.id.clone(),
        track: "delivery".to_string(),
        value: value.to_string(),
        delta: 1,
        at: at(0),
    }
}

#[tokio::test]
async fn a_commit_over_the_transaction_limit_fails_clearly_and_writes_nothing() {
    let (store, event) = store_with_an_event().await;
    let queue = |n: usize| {
        (0..n)
            .map(|i| notice(&format!("big-{i}"), &event))
            .collect()
    };
    let too_big = Commit {
        message: Some(record("too-big")),
        outbox: queue(MAX_TRANSACTION_ITEMS),
        ..Commit::default()
    };
    let result = store.commit(&too_big).await;
    match result {
        Err(StoreError::Unavailable(why)) => {
            assert!(why.contains("101") && why.contains("100"), "{why}")
        }
        other => panic!("a commit of 101 items must be refused, got {other:?}"),
    }
    assert_eq!(store.message_record("too-big").await.expect("read"), None);
    let due = store.due_outbox(at(60), 1000).await.expect("due");
    assert!(due.is_empty(), "nothing of it is queued");

    // Exactly at the limit is one transaction. New invitees count three items each.
    let fits = Commit {
        message: Some(record("fits")),
        outbox: queue(MAX_TRANSACTION_ITEMS - 1),
        ..Commit::default()
    };
    assert_eq!(
        store.commit(&fits).await.expect("commit"),
        Committed::Applied
    );
    let due = store.due_outbox(at(60), 1000).await.expect("due");
    assert_eq!(due.len(), MAX_TRANSACTION_ITEMS - 1);
    let crowd: Vec<InviteeWrite> = (0..34)
        .map(|n| InviteeWrite {
            invitee: invitee(n, &event, &format!("guest{n}@example.org")),
            expected_version: None,
        })
        .collect();
    let crowded = Commit {
        invitees: crowd,
        ..Commit::default()
    };
    let result = store.commit(&crowded).await;
    assert!(
        matches!(&result, Err(StoreError::Unavailable(why)) if why.contains("102")),
        "{result:?}"
    );
}

#[tokio::test]
async fn new_events_and_hour_buckets_count_toward_the_transaction_limit() {
    let (store, event) = store_with_an_event().await;
    // A new event is 4 items (it, its UID key, its organizer's and its domain's listing); a
    // counter 1, and 1 more per hour with positive deltas (merged within the hour).
    let events: Vec<EventWrite> = (0..24)
        .map(|n| {
            let mut new = event.clone();
            new.id = SequentialIds::nth(100 + n);
            new.uid = format!("bulk-{n}");
            EventWrite {
                event: new,
                expected_version: None,
            }
        })
        .collect();
    let hourly = |seconds: i64| CounterDelta {
        at: at(seconds),
        ..counted(&event, "bulk")
    };
    let counters = vec![hourly(0), hourly(60), hourly(3600), hourly(7200)];
    let too_big = Commit {
        message: Some(record("bulk")),
        events: events.clone(),
        counters: counters.clone(),
        ..Commit::default()
    };
    let result = store.commit(&too_big).await;
    assert!(
        matches!(&result, Err(StoreError::Unavailable(why)) if why.contains("101")),
        "{result:?}"
    );
    let fits = Commit {
        events,
        counters,
        ..Commit::default()
    };
    assert_eq!(
        store.commit(&fits).await.expect("commit"),
        Committed::Applied
    );
    let hers = store
        .events_of_organizer(&event.organizer_email)
        .await
        .expect("by organizer");
    assert_eq!(hers.len(), 25);
    let mut series = store
        .series(&event.id, "delivery", at(0), at(3 * 3600))
        .await
        .expect("series");
    series.sort_by_key(|p| p.hour);
    let counts: Vec<i64> = series.iter().map(|p| p.count).collect();
    assert_eq!(counts, [2, 1, 1]);
}

/// Runs `commit` from two tasks at once, `rounds` times (a fresh commit per round).
async fn race(
    store: &Arc<DynamoStore>,
    rounds: usize,
    make: impl Fn(usize) -> (Commit, Commit),
) -> Vec<(Result<Committed, StoreError>, Result<Committed, StoreError>)> {
    let mut results = Vec::new();
    for round in 0..rounds {
        let (first, second) = make(round);
        let (a, b) = (store.clone(), store.clone());
        let one = tokio::spawn(async move { a.commit(&first).await });
        let two = tokio::spawn(async move { b.commit(&second).await });
        results.push((one.await.expect("task one"), two.await.expect("task two")));
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_message_committed_twice_at_once_applies_once() {
    let (store, event) = store_with_an_event().await;
    let store = Arc::new(store);
    let rounds = 8;
    let results = race(&store, rounds, |round| {
        let commit = Commit {
            message: Some(record(&format!("race-{round}"))),
            counters: vec![counted(&event, "raced")],
            outbox: vec![notice(&format!("race-{round}-0"), &event)],
            ..Commit::default()
        };
        (commit.clone(), commit)
    })
    .await;
    for (one, two) in &results {
        let mut verdicts = [
            format!("{:?}", one.as_ref().expect("commit")),
            format!("{:?}", two.as_ref().expect("commit")),
        ];
        verdicts.sort();
        assert_eq!(verdicts, ["AlreadyRecorded", "Applied"], "{results:?}");
    }
    let counters = store.counters(&event.id).await.expect("counters");
    let raced = counters.iter().find(|(_, value, _)| value == "raced");
    assert_eq!(
        raced.map(|c| c.2),
        Some(rounds as i64),
        "counted once a round"
    );
    let due = store.due_outbox(at(60), 100).await.expect("due");
    assert_eq!(due.len(), rounds);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stale_version_under_concurrency_conflicts() {
    let (store, event) = store_with_an_event().await;
    let store = Arc::new(store);
    let rounds = 6;
    let results = race(&store, rounds, |round| {
        let expected = round as u64 + 1;
        let write = |title: &str| {
            let mut next = event.clone();
            next.version = expected + 1;
            next.details.summary = Some(format!("{title} {round}"));
            Commit {
                message: Some(record(&format!("{title}-{round}"))),
                events: vec![EventWrite {
                    event: next,
                    expected_version: Some(expected),
                }],
                counters: vec![counted(&event, title)],
                ..Commit::default()
            }
        };
        (write("left"), write("right"))
    })
    .await;
    let mut wins = Vec::new();
    for (round, (one, two)) in results.iter().enumerate() {
        match (one, two) {
            (Ok(Committed::Applied), Err(StoreError::Conflict)) => wins.push("left"),
            (Err(StoreError::Conflict), Ok(Committed::Applied)) => wins.push("right"),
            other => panic!("round {round}: one applies, one conflicts; got {other:?}"),
        }
    }
    let stored = store.event(&event.id).await.expect("read").expect("exists");
    assert_eq!(stored.version, rounds as u64 + 1);
    let last = format!("{} {}", wins[rounds - 1], rounds - 1);
    assert_eq!(stored.details.summary.as_deref(), Some(last.as_str()));
    // The loser of each round left nothing behind: no record, no count.
    for (round, winner) in wins.iter().enumerate() {
        let loser = if *winner == "left" { "right" } else { "left" };
        let kept = store.message_record(&format!("{loser}-{round}")).await;
        assert_eq!(kept.expect("read"), None);
    }
    let counters = store.counters(&event.id).await.expect("counters");
    let total: i64 = counters
        .iter()
        .filter(|(_, value, _)| value == "left" || value == "right")
        .map(|c| c.2)
        .sum();
    assert_eq!(total, rounds as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_outbox_id_queued_by_two_commits_at_once_is_queued_once_and_both_apply() {
    let (store, event) = store_with_an_event().await;
    let store = Arc::new(store);
    let rounds = 8;
    let results = race(&store, rounds, |round| {
        let commit = |who: &str| {
            let mut message = notice(&format!("shared-{round}"), &event);
            message.to.email = format!("{who}@example.org");
            Commit {
                message: Some(record(&format!("{who}-{round}"))),
                outbox: vec![message],
                ..Commit::default()
            }
        };
        (commit("left"), commit("right"))
    })
    .await;
    for (one, two) in &results {
        assert!(
            matches!((one, two), (Ok(Committed::Applied), Ok(Committed::Applied))),
            "{results:?}"
        );
    }
    let due = store.due_outbox(at(60), 100).await.expect("due");
    assert_eq!(due.len(), rounds, "one copy of each shared id");
}

#[tokio::test]
async fn only_pending_outbox_messages_are_in_the_due_index() {
    let (store, event) = store_with_an_event().await;
    let queue = Commit {
        outbox: vec![notice("a", &event), notice("b", &event)],
        ..Commit::default()
    };
    assert_eq!(
        store.commit(&queue).await.expect("commit"),
        Committed::Applied
    );
    let index_keys = |id: &'static str| {
        let store = store.clone();
        async move {
            let item = store
                .client()
                .get_item()
                .table_name(store.table())
                .set_key(Some(items::key(&keys::outbox(id))))
                .consistent_read(true)
                .send()
                .await
                .expect("get item")
                .item
                .expect("the item exists");
            // Which part of the index the item is in (the due list or the failed list), and
            // whether it has a sort key there.
            (
                item.get(keys::GSI1PK).and_then(|v| v.as_s().ok()).cloned(),
                item.contains_key(keys::GSI1SK),
            )
        }
    };
    let pending = Some(keys::OUTBOX_PENDING.to_string());
    assert_eq!(index_keys("a").await, (pending.clone(), true));
    store.mark_sent("a", at(1)).await.expect("mark_sent");
    assert_eq!(index_keys("a").await, (None, false));
    store
        .mark_retry("a", 2, at(5), "late")
        .await
        .expect("mark_retry");
    assert_eq!(
        index_keys("a").await,
        (None, false),
        "a retry mark keeps it out"
    );
    store
        .mark_retry("b", 1, at(5), "421")
        .await
        .expect("mark_retry");
    assert_eq!(index_keys("b").await, (pending, true));
    store.mark_failed("b", "550").await.expect("mark_failed");
    assert_eq!(
        index_keys("b").await,
        (Some(keys::OUTBOX_FAILED.to_string()), true),
        "a failed message leaves the due list for the failed list (for `retry --failed`)"
    );
}

#[tokio::test]
async fn keys_from_untrusted_text_neither_collide_nor_overflow() {
    let store = fresh_store().await;
    let (_, template) = store_with_an_event().await;
    let make = |n: u64, organizer: &str, uid: &str| {
        let mut event = template.clone();
        event.id = SequentialIds::nth(n);
        event.organizer_email = organizer.to_string();
        event.uid = uid.to_string();
        EventWrite {
            event,
            expected_version: None,
        }
    };
    let long_uid = format!("{}@example.org", "x".repeat(5000));
    let commit = Commit {
        message: Some(record(&format!("<{}@example.org>", "m".repeat(3000)))),
        events: vec![
            make(11, "a#b@example.org", "c"),
            make(12, "a@example.org", "b#c"),
            make(13, "olga@example.org", &long_uid),
            make(14, "olga@example.org", "%23~"),
        ],
        ..Commit::default()
    };
    assert_eq!(
        store.commit(&commit).await.expect("commit"),
        Committed::Applied
    );
    for write in &commit.events {
        let found = store
            .event_by_uid(&write.event.organizer_email, &write.event.uid)
            .await
            .expect("read");
        assert_eq!(found.as_ref(), Some(&write.event));
    }
    let record = commit.message.as_ref().expect("a record");
    let kept = store
        .message_record(&record.message_id)
        .await
        .expect("read");
    assert_eq!(kept.as_ref(), Some(record));
}

#[tokio::test]
async fn two_new_invitees_with_one_address_in_one_commit_conflict() {
    let (store, event) = store_with_an_event().await;
    let add = |n: u64| InviteeWrite {
        invitee: invitee(n, &event, "ann@example.org"),
        expected_version: None,
    };
    let twins = Commit {
        message: Some(record("twins")),
        invitees: vec![add(0), add(1)],
        ..Commit::default()
    };
    let result = store.commit(&twins).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(store.message_record("twins").await.expect("read"), None);
    let ann = store.invitee_by_email(&event.id, "ann@example.org").await;
    assert_eq!(ann.expect("read"), None);
    let first = store.invitee(&SequentialIds::nth_invitee(0)).await;
    assert_eq!(first.expect("read"), None);
}
