//! Cases for the outbox: queueing once, due times, order, the marks delivery leaves, when a
//! message's lifetime began, the outbox's pause and an operator's re-queue.

use super::{OLGA, at, commit, due, event, ids, notice};
use rollcall_core::ports::{Committed, EventStore, OutboxControl, OutboxPause, OutboxStore};

async fn queue<S: EventStore>(store: &S, message_id: &str, items: &[(&str, i64)]) {
    let about = event(1, OLGA, "uid-1");
    let outbox = items
        .iter()
        .map(|(id, seconds)| notice(id, &about, at(*seconds)))
        .collect();
    let result = store.commit(&commit(message_id, vec![], outbox)).await;
    assert!(
        matches!(result, Ok(Committed::Applied)),
        "queue: {result:?}"
    );
}

pub async fn outbox_messages_are_queued_once_and_become_due<S>(store: &S)
where
    S: EventStore + OutboxStore,
{
    let about = event(1, OLGA, "uid-1");
    let original = notice("m1-0", &about, at(10));
    let first = commit("m1", vec![], vec![original.clone()]);
    assert!(matches!(store.commit(&first).await, Ok(Committed::Applied)));

    assert_eq!(
        due(store, at(9)).await,
        ids(&[]),
        "not due before created_at"
    );
    let due_now = store.due_outbox(at(10), 10).await.expect("due_outbox");
    assert_eq!(due_now.len(), 1);
    assert_eq!(due_now[0].message, original, "the message comes back whole");
    assert_eq!(due_now[0].attempts, 0);

    // Another commit queueing the same id keeps the first copy.
    let mut copy = notice("m1-0", &event(2, OLGA, "uid-2"), at(0));
    copy.to.email = "someone-else@example.org".to_string();
    let second = commit("m2", vec![], vec![copy]);
    assert!(matches!(
        store.commit(&second).await,
        Ok(Committed::Applied)
    ));
    assert_eq!(due(store, at(9)).await, ids(&[]));
    let due_now = store.due_outbox(at(10), 10).await.expect("due_outbox");
    assert_eq!(due_now.len(), 1, "queued once");
    assert_eq!(due_now[0].message, original);
}

pub async fn due_messages_come_oldest_first_up_to_the_limit<S>(store: &S)
where
    S: EventStore + OutboxStore,
{
    queue(store, "m1", &[("c", 0), ("b", 5), ("a", 0)]).await;
    assert_eq!(
        due(store, at(10)).await,
        ids(&[("a", 0), ("c", 0), ("b", 0)])
    );
    let limited = store.due_outbox(at(10), 2).await.expect("due_outbox");
    let limited: Vec<&str> = limited.iter().map(|d| d.message.id.as_str()).collect();
    assert_eq!(limited, ["a", "c"]);
    assert_eq!(due(store, at(4)).await, ids(&[("a", 0), ("c", 0)]));
}

pub async fn a_retry_is_not_due_before_its_time<S>(store: &S)
where
    S: EventStore + OutboxStore,
{
    queue(store, "m1", &[("m1-0", 0)]).await;
    assert_eq!(due(store, at(0)).await, ids(&[("m1-0", 0)]));

    store
        .mark_retry("m1-0", 1, at(60), "421 try later")
        .await
        .expect("mark_retry");
    assert_eq!(due(store, at(59)).await, ids(&[]));
    assert_eq!(due(store, at(60)).await, ids(&[("m1-0", 1)]));

    // Sub-second times count: half a second early is still early.
    let next = at(120) + chrono::Duration::milliseconds(500);
    store
        .mark_retry("m1-0", 2, next, "421 try later")
        .await
        .expect("mark_retry");
    assert_eq!(due(store, at(120)).await, ids(&[]));
    assert_eq!(due(store, next).await, ids(&[("m1-0", 2)]));
}

pub async fn sent_and_failed_messages_are_no_longer_due<S>(store: &S)
where
    S: EventStore + OutboxStore,
{
    queue(store, "m1", &[("a", 0), ("b", 0), ("c", 0)]).await;
    store.mark_sent("a", at(1)).await.expect("mark_sent");
    store
        .mark_failed("b", "550 no such user")
        .await
        .expect("mark_failed");
    assert_eq!(due(store, at(3600)).await, ids(&[("c", 0)]));

    // A retry mark changes attempts and time, never the state: sent stays sent.
    store
        .mark_retry("a", 1, at(2), "late report")
        .await
        .expect("mark_retry");
    store
        .mark_retry("b", 1, at(2), "late report")
        .await
        .expect("mark_retry");
    assert_eq!(due(store, at(3600)).await, ids(&[("c", 0)]));
}

pub async fn marking_an_unknown_outbox_message_changes_nothing<S>(store: &S)
where
    S: EventStore + OutboxStore,
{
    queue(store, "m1", &[("known", 0)]).await;
    store.mark_sent("ghost", at(1)).await.expect("mark_sent");
    store
        .mark_retry("ghost", 3, at(2), "x")
        .await
        .expect("mark_retry");
    store.mark_failed("ghost", "x").await.expect("mark_failed");
    assert_eq!(due(store, at(3600)).await, ids(&[("known", 0)]));

    // The marks created nothing: the id queues later as a fresh message.
    queue(store, "m2", &[("ghost", 10)]).await;
    assert_eq!(due(store, at(9)).await, ids(&[("known", 0)]));
    assert_eq!(due(store, at(10)).await, ids(&[("known", 0), ("ghost", 0)]));
}

pub async fn a_claimed_message_is_left_to_its_sender_until_the_lease_ends<S>(store: &S)
where
    S: EventStore + OutboxStore,
{
    queue(store, "m1", &[("a", 0), ("b", 0), ("c", 0)]).await;
    assert!(
        !store.claim("a", at(-1), at(60)).await.expect("claim"),
        "not due yet"
    );
    assert!(store.claim("a", at(5), at(60)).await.expect("claim"));
    assert!(
        !store.claim("a", at(5), at(60)).await.expect("claim"),
        "a second sender at the same moment is refused"
    );
    assert_eq!(
        due(store, at(59)).await,
        ids(&[("b", 0), ("c", 0)]),
        "leased"
    );
    assert_eq!(
        due(store, at(60)).await,
        ids(&[("b", 0), ("c", 0), ("a", 0)]),
        "due again when the lease ends (a sender that died)"
    );

    // Two claims racing for one message: exactly one wins.
    let (first, second) = tokio::join!(
        store.claim("b", at(10), at(70)),
        store.claim("b", at(10), at(70))
    );
    let won = [first.expect("claim"), second.expect("claim")];
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");

    // Sent and failed messages cannot be claimed.
    store.mark_sent("c", at(11)).await.expect("mark_sent");
    assert!(!store.claim("c", at(12), at(80)).await.expect("claim"));
    store.mark_failed("a", "x").await.expect("mark_failed");
    assert!(!store.claim("a", at(3600), at(3700)).await.expect("claim"));
    assert!(!store.claim("ghost", at(12), at(80)).await.expect("claim"));
}

/// `(id, attempts, since)` of what is due at `now`.
async fn due_since<S: OutboxStore>(
    store: &S,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(String, u32, chrono::DateTime<chrono::Utc>)> {
    let due = store.due_outbox(now, 100).await.expect("due_outbox");
    due.into_iter()
        .map(|d| (d.message.id, d.attempts, d.since))
        .collect()
}

pub async fn a_due_message_says_when_its_lifetime_began<S>(store: &S)
where
    S: EventStore + OutboxStore,
{
    queue(store, "m1", &[("a", 10), ("b", 20)]).await;
    assert_eq!(
        due_since(store, at(30)).await,
        [("a".into(), 0, at(10)), ("b".into(), 0, at(20))],
        "since their created_at"
    );
    // Retries and claims leave it where it began.
    store
        .mark_retry("a", 3, at(40), "421 try later")
        .await
        .expect("mark_retry");
    assert!(store.claim("b", at(30), at(35)).await.expect("claim"));
    assert_eq!(
        due_since(store, at(40)).await,
        [("b".into(), 0, at(20)), ("a".into(), 3, at(10))]
    );
}

fn pause(since: i64, next_probe: i64, probes: u32) -> OutboxPause {
    OutboxPause {
        since: at(since),
        next_probe_at: at(next_probe) + chrono::Duration::microseconds(250),
        probes,
        reason: "connecting to 127.0.0.1:25: Connection refused".into(),
    }
}

pub async fn the_outbox_pause_is_kept_probed_by_one_sender_at_a_time_and_ended<S>(store: &S)
where
    S: OutboxControl,
{
    let read = || async { store.outbox_pause().await.expect("outbox_pause") };
    assert_eq!(read().await, None, "not paused to begin with");
    assert!(
        !store
            .claim_outbox_probe(at(0), at(60))
            .await
            .expect("claim"),
        "no pause, no probe"
    );

    store.pause_outbox(&pause(0, 10, 0)).await.expect("pause");
    assert_eq!(read().await, Some(pause(0, 10, 0)), "kept as given");
    assert!(
        !store
            .claim_outbox_probe(at(10), at(60))
            .await
            .expect("claim"),
        "not due yet (by a quarter millisecond)"
    );
    let due = at(10) + chrono::Duration::microseconds(250);
    assert!(store.claim_outbox_probe(due, at(60)).await.expect("claim"));
    assert_eq!(read().await.map(|p| p.next_probe_at), Some(at(60)));
    assert!(
        !store.claim_outbox_probe(due, at(70)).await.expect("claim"),
        "a second sender at the same moment is refused"
    );

    // Two senders racing for the probe: exactly one gets it.
    let (first, second) = tokio::join!(
        store.claim_outbox_probe(at(60), at(90)),
        store.claim_outbox_probe(at(60), at(90))
    );
    let won = [first.expect("claim"), second.expect("claim")];
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");

    // A failed probe replaces the pause whole.
    store.pause_outbox(&pause(0, 200, 3)).await.expect("pause");
    assert_eq!(read().await, Some(pause(0, 200, 3)));

    store.resume_outbox().await.expect("resume");
    assert_eq!(read().await, None);
    assert!(
        !store
            .claim_outbox_probe(at(300), at(400))
            .await
            .expect("claim")
    );
    store.resume_outbox().await.expect("resuming twice is fine");
}

pub async fn a_failed_message_is_requeued_once_with_a_fresh_lifetime<S>(store: &S)
where
    S: EventStore + OutboxStore + OutboxControl,
{
    queue(store, "m1", &[("a", 0), ("b", 0), ("c", 0), ("d", 0)]).await;
    let failed = |after: Option<&'static str>, limit| async move {
        store
            .failed_outbox(after, limit)
            .await
            .expect("failed_outbox")
    };
    assert!(failed(None, 10).await.is_empty());
    for id in ["c", "a", "b"] {
        store
            .mark_failed(id, "550 no such user")
            .await
            .expect("fail");
    }
    store.mark_sent("d", at(1)).await.expect("mark_sent");
    assert_eq!(failed(None, 10).await, ["a", "b", "c"], "in id order");
    assert_eq!(failed(None, 2).await, ["a", "b"], "up to the limit");
    assert_eq!(failed(Some("a"), 10).await, ["b", "c"], "after an id");
    assert!(failed(Some("c"), 10).await.is_empty());

    assert!(store.requeue_failed("b", at(100)).await.expect("requeue"));
    assert_eq!(
        due_since(store, at(100)).await,
        [("b".into(), 0, at(100))],
        "due now, no attempts, its lifetime starting again"
    );
    assert_eq!(due(store, at(99)).await, ids(&[]), "not before now");
    assert_eq!(failed(None, 10).await, ["a", "c"]);

    // Once: a second re-queue, or one of a pending, sent or unknown message, changes nothing.
    assert!(!store.requeue_failed("b", at(200)).await.expect("requeue"));
    assert!(!store.requeue_failed("d", at(200)).await.expect("requeue"));
    assert!(
        !store
            .requeue_failed("ghost", at(200))
            .await
            .expect("requeue")
    );
    assert_eq!(due_since(store, at(300)).await, [("b".into(), 0, at(100))]);
    assert!(store.claim("b", at(300), at(400)).await.expect("claim"));
    store.mark_sent("b", at(301)).await.expect("mark_sent");
    assert!(!store.requeue_failed("b", at(500)).await.expect("requeue"));

    // Two re-queues racing: one of them moves it.
    let (first, second) = tokio::join!(
        store.requeue_failed("a", at(600)),
        store.requeue_failed("a", at(600))
    );
    let won = [first.expect("requeue"), second.expect("requeue")];
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    assert_eq!(due(store, at(600)).await, ids(&[("a", 0)]));

    // Failing again puts it back among the failed.
    store.mark_failed("a", "550 still no").await.expect("fail");
    assert_eq!(failed(None, 10).await, ["a", "c"]);
    assert!(due(store, at(900)).await.is_empty());
}
