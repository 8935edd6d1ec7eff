//! Cases for what is kept beside invitees: counters that add up, history in the order it was
//! received, and invitees paged in id order.

use super::invitee_fixtures::{ANN, BOB, add, applied, delta, invitee, signal_for};
use super::{OLGA, at, counters, counts, event};
use crate::SequentialIds;
use chrono::Duration;
use rollcall_core::event::Event;
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::ports::{Commit, Store};
use rollcall_core::status::{Channel, Provenance, SignalKind};

pub async fn counters_add_up_deltas_within_and_across_commits_and_omit_zeros<S: Store>(store: &S) {
    let (planning, review) = (event(1, OLGA, "uid-1"), event(2, OLGA, "uid-2"));
    assert_eq!(counters(store, &planning.id).await, counts(&[]));
    let first = Commit {
        counters: vec![
            delta(&planning, "response", "accepted", 1),
            delta(&planning, "response", "needs-action", 1),
            delta(&planning, "response", "accepted", 1),
            delta(&review, "response", "accepted", 1),
            delta(&planning, "response", "needs-action", -1),
        ],
        ..Commit::default()
    };
    applied(store, first).await;
    assert_eq!(
        counters(store, &planning.id).await,
        counts(&[("response", "accepted", 2)]),
        "deltas within one commit add up; a zero is omitted"
    );

    let second = Commit {
        counters: vec![
            delta(&planning, "response", "accepted", -1),
            delta(&planning, "delivery", "queued", 3),
            delta(&planning, "response", "needs-action", 1),
        ],
        ..Commit::default()
    };
    applied(store, second).await;
    assert_eq!(
        counters(store, &planning.id).await,
        counts(&[
            ("delivery", "queued", 3),
            ("response", "accepted", 1),
            ("response", "needs-action", 1),
        ]),
        "deltas add up across commits, and a counter back from zero counts again"
    );

    let third = Commit {
        counters: vec![
            delta(&planning, "response", "accepted", -1),
            delta(&planning, "delivery", "queued", -3),
        ],
        ..Commit::default()
    };
    applied(store, third).await;
    assert_eq!(
        counters(store, &planning.id).await,
        counts(&[("response", "needs-action", 1)])
    );
    assert_eq!(
        counters(store, &review.id).await,
        counts(&[("response", "accepted", 1)]),
        "each event counts on its own"
    );
}

pub async fn signals_of_returns_history_oldest_first_with_the_recorded_effect<S: Store>(store: &S) {
    let planning = event(1, OLGA, "uid-1");
    let (ann, bob) = (invitee(0, &planning, ANN), invitee(1, &planning, BOB));
    let second = at(20);
    let late = signal_for(&ann, "a-late", SignalKind::Sent, at(30));
    let first = signal_for(&ann, "b-first", SignalKind::Queued, at(10));
    let mut tie = signal_for(&ann, "a-tie", SignalKind::Opened, at(10));
    tie.effect = "delivery queued → opened".to_string();
    let within = signal_for(
        &ann,
        "c-within",
        SignalKind::Delivered,
        second + Duration::milliseconds(250),
    );
    let mut counter = signal_for(
        &ann,
        "d-counter",
        SignalKind::Counter {
            proposed_start: Some("2026-03-11T15:00:00Z".to_string()),
            proposed_end: None,
            comment: Some("Wednesday suits me better".to_string()),
        },
        second,
    );
    counter.signal.comment = Some("Wednesday suits me better".to_string());
    counter.signal.channel = Channel::CalendarReply;
    counter.signal.provenance = Provenance {
        message_id: Some("<reply-1@example.org>".to_string()),
        producer: Some("-//Example Corp//Calendar//EN".to_string()),
        sender_auth: Some("dmarc=pass".to_string()),
        note: None,
        mail: None,
    };
    counter.effect = "recorded for one occurrence".to_string();
    let bobs = signal_for(&bob, "a-bob", SignalKind::Sent, at(15));

    let commit = Commit {
        invitees: vec![add(&ann), add(&bob)],
        signals: vec![late.clone(), first.clone(), bobs.clone()],
        ..Commit::default()
    };
    applied(store, commit).await;
    // A key repeated within one commit is kept once: the first copy.
    let mut repeated = tie.clone();
    repeated.effect = "a second copy".to_string();
    let commit = Commit {
        signals: vec![tie.clone(), within.clone(), repeated, counter.clone()],
        ..Commit::default()
    };
    applied(store, commit).await;

    // By time received (to the microsecond); at the same time, in the order committed.
    let history = store.signals_of(&ann.id).await.expect("history");
    assert_eq!(history, vec![first, tie, counter, within, late]);
    let history = store.signals_of(&bob.id).await.expect("history");
    assert_eq!(history, vec![bobs]);
    let nobody = store.signals_of(&SequentialIds::nth_invitee(9)).await;
    assert_eq!(nobody.expect("history"), vec![]);
}

pub async fn invitees_of_pages_in_id_order<S: Store>(store: &S) {
    let (planning, review) = (event(1, OLGA, "uid-1"), event(2, OLGA, "uid-2"));
    let made = |n: u64, event: &Event| invitee(n, event, &format!("guest{n}@example.org"));
    let mine: Vec<Invitee> = [0, 1, 3, 4, 6]
        .iter()
        .map(|n| made(*n, &planning))
        .collect();
    let theirs: Vec<Invitee> = [2, 5].iter().map(|n| made(*n, &review)).collect();
    // Inserted out of id order, across commits and events.
    for batch in [
        vec![&mine[2], &mine[0], &theirs[1]],
        vec![&mine[4], &theirs[0], &mine[1]],
        vec![&mine[3]],
    ] {
        let commit = Commit {
            invitees: batch.into_iter().map(add).collect(),
            ..Commit::default()
        };
        applied(store, commit).await;
    }

    let page = |after: Option<InviteeId>, limit: usize| {
        let event = planning.id.clone();
        async move {
            store
                .invitees_of(&event, after.as_ref(), limit)
                .await
                .expect("invitees_of")
        }
    };
    assert_eq!(page(None, 100).await, mine, "all, in id order, kept whole");
    assert_eq!(page(None, 2).await, mine[..2]);
    assert_eq!(page(Some(mine[1].id.clone()), 2).await, mine[2..4]);
    assert_eq!(page(Some(mine[3].id.clone()), 2).await, mine[4..]);
    assert_eq!(page(Some(mine[4].id.clone()), 2).await, vec![]);
    // `after` is a position: it need not be an invitee of this event.
    assert_eq!(page(Some(theirs[0].id.clone()), 2).await, mine[2..4]);
    assert_eq!(page(None, 0).await, vec![]);
    let others = store.invitees_of(&review.id, None, 100).await;
    assert_eq!(others.expect("invitees_of"), theirs);
}
