//! Cases for the outbox: queueing once, due times, order, and the marks delivery leaves.

use super::{OLGA, at, commit, due, event, ids, notice};
use rollcall_core::ports::{Committed, EventStore, OutboxStore};

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
