//! The deployment-wide suppression list: kept per address by commits, listed in address order,
//! lifted; a hard bounce at one event keeps every other event from mailing the address, and
//! "unsubscribe from everything" does the same while "this event" does not.

use super::invitee_fixtures::{ANN, BOB, CAT, invitee};
use super::web::{invitation, read};
use super::{at, commit, deliver, event, insert};
use crate::{RecordingMailer, SequentialIds};
use rollcall_core::event::Event;
use rollcall_core::invitee::Invitee;
use rollcall_core::ports::{Commit, Committed, InviteeWrite, Store};
use rollcall_core::status::{Channel, Signal, SignalKind};
use rollcall_core::suppression::{Suppression, SuppressionReason};
use rollcall_core::usecase::invite::{AddResult, add_invitees};
use rollcall_core::usecase::provider::apply_provider_signal;
use rollcall_core::usecase::report::pasted::read_pasted;
use rollcall_core::usecase::rsvp::{RsvpSettings, UnsubscribeScope, resubscribe, unsubscribe};

const OLGA: &str = super::OLGA;
const DOMAIN: &str = "rollcall.test";

fn suppression(address: &str, reason: SuppressionReason, seconds: i64) -> Suppression {
    Suppression {
        address: address.to_string(),
        reason,
        since: at(seconds),
        event_id: None,
        detail: Some(format!("{} at {seconds}", reason.as_str())),
    }
}

async fn apply<S: Store>(store: &S, commit: &Commit) {
    let result = store.commit(commit).await;
    assert!(matches!(result, Ok(Committed::Applied)), "{result:?}");
}

pub async fn suppressions_are_kept_per_address_listed_in_order_and_lifted<S: Store>(store: &S) {
    apply(
        store,
        &Commit {
            suppressions: vec![
                suppression(CAT, SuppressionReason::Complained, 1),
                suppression(ANN, SuppressionReason::Bounced, 2),
                suppression(BOB, SuppressionReason::Unsubscribed, 3),
            ],
            ..commit("s1", vec![], vec![])
        },
    )
    .await;
    // A later commit for the same address replaces its entry.
    apply(
        store,
        &Commit {
            suppressions: vec![suppression(ANN, SuppressionReason::Complained, 4)],
            ..commit("s2", vec![], vec![])
        },
    )
    .await;
    let ann = store.suppression(ANN).await.expect("read");
    assert_eq!(
        ann,
        Some(suppression(ANN, SuppressionReason::Complained, 4))
    );
    assert_eq!(
        store.suppression("nobody@example.org").await.expect("read"),
        None
    );

    let all = store.suppressions(None, 10).await.expect("list");
    let addresses: Vec<&str> = all.iter().map(|s| s.address.as_str()).collect();
    assert_eq!(addresses, [ANN, BOB, CAT], "in address order");
    let page = store.suppressions(Some(ANN), 1).await.expect("list");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].address, BOB, "after ANN, at most one");

    assert!(store.lift_suppression(BOB).await.expect("lift"));
    assert!(!store.lift_suppression(BOB).await.expect("lift"), "once");
    assert_eq!(store.suppression(BOB).await.expect("read"), None);
    let left = store.suppressions(None, 10).await.expect("list");
    assert_eq!(left.len(), 2);
}

/// Two events with Ann invited to each.
async fn ann_at_two_events<S: Store>(store: &S) -> ((Event, Invitee), (Event, Invitee)) {
    let (a, b) = (event(1, OLGA, "uid-1"), event(2, OLGA, "uid-2"));
    let (ann_a, ann_b) = (invitee(1, &a, ANN), invitee(2, &b, ANN));
    apply(
        store,
        &Commit {
            invitees: [&ann_a, &ann_b]
                .map(|i| InviteeWrite {
                    invitee: i.clone(),
                    expected_version: None,
                })
                .to_vec(),
            ..commit("setup", vec![insert(&a), insert(&b)], vec![])
        },
    )
    .await;
    ((a, ann_a), (b, ann_b))
}

/// How many messages one delivery pass at `at(seconds)` left unsent as suppressed.
async fn suppressed_in_pass<S: Store>(store: &S, mailer: &RecordingMailer, seconds: i64) -> usize {
    deliver(store, mailer, seconds).await.suppressed
}

pub async fn a_hard_bounce_at_one_event_keeps_every_event_from_mailing_the_address<S: Store>(
    store: &S,
) {
    let ((a, ann_a), (b, ann_b)) = ann_at_two_events(store).await;
    let message_id = format!("<inv-{}-1@{DOMAIN}>", ann_a.id);
    let mut bounce = Signal::now(
        "bounce:1".into(),
        SignalKind::Bounced,
        Channel::Provider,
        at(10),
    );
    bounce.provenance.note = Some("permanent bounce (General): 550 5.1.1 no such user".into());
    apply_provider_signal(&message_id, bounce, DOMAIN, store, at(10))
        .await
        .expect("applied");
    let listed = store
        .suppression(ANN)
        .await
        .expect("read")
        .expect("suppressed");
    assert_eq!(listed.reason, SuppressionReason::Bounced);
    assert_eq!(listed.event_id.as_ref(), Some(&a.id));
    assert!(
        listed.describe().contains("550 5.1.1"),
        "{}",
        listed.describe()
    );

    // Event B's next mail to Ann is not sent, and her status there says why.
    let next = invitation(&ann_b, format!("inv-{}-2", ann_b.id), &b, at(20));
    apply(store, &commit("queue-b", vec![], vec![next])).await;
    let mailer = RecordingMailer::new();
    assert_eq!(suppressed_in_pass(store, &mailer, 30).await, 1);
    assert!(
        mailer.sent().is_empty(),
        "nothing went to the suppressed address"
    );
    // Her history at B says why; her status there stays (the list can be lifted).
    let at_b = read(store, &ann_b.id).await;
    assert_eq!(at_b.status.value("reachability"), Some("ok"));
    let history = store.signals_of(&ann_b.id).await.expect("history");
    let note = history
        .iter()
        .find_map(|r| {
            r.signal
                .provenance
                .note
                .clone()
                .filter(|n| n.contains("suppressed"))
        })
        .expect("a history entry says it was suppressed");
    assert!(note.contains(&a.id.to_string()), "{note}");
    // Applying the list's verdict at B leaves the list's entry as A's bounce made it.
    let still = store
        .suppression(ANN)
        .await
        .expect("read")
        .expect("suppressed");
    assert_eq!(still.event_id.as_ref(), Some(&a.id));

    // Once the operator lifts it, mail goes again.
    assert!(store.lift_suppression(ANN).await.expect("lift"));
    let again = invitation(&ann_b, format!("inv-{}-3", ann_b.id), &b, at(40));
    apply(store, &commit("queue-b-again", vec![], vec![again])).await;
    let mailer = RecordingMailer::new();
    assert_eq!(suppressed_in_pass(store, &mailer, 50).await, 0);
    assert_eq!(mailer.sent().len(), 1);
}

pub async fn unsubscribing_from_everything_suppresses_the_address_and_this_event_does_not<
    S: Store,
>(
    store: &S,
) {
    let ((_, ann_a), (_, ann_b)) = ann_at_two_events(store).await;
    unsubscribe(&ann_a.id, UnsubscribeScope::ThisEvent, store, at(10))
        .await
        .expect("unsubscribed");
    assert_eq!(store.suppression(ANN).await.expect("read"), None);
    assert_eq!(
        read(store, &ann_b.id).await.status.value("reachability"),
        Some("ok"),
        "the other event may still mail her"
    );
    // "Everything" after "this event" is a new fact, not a repeat.
    unsubscribe(&ann_a.id, UnsubscribeScope::Everything, store, at(20))
        .await
        .expect("unsubscribed");
    let listed = store
        .suppression(ANN)
        .await
        .expect("read")
        .expect("suppressed");
    assert_eq!(listed.reason, SuppressionReason::Unsubscribed);
    assert_eq!(listed.event_id.as_ref(), Some(&ann_a.event_id));

    // An organizer adding her to a third event is told so, and nothing is queued for her.
    let c = event(3, OLGA, "uid-3");
    apply(store, &commit("setup-c", vec![insert(&c)], vec![])).await;
    let lines = read_pasted(ANN).expect("short");
    let settings = RsvpSettings::new(DOMAIN);
    let added = add_invitees(
        &c.id,
        lines,
        &settings,
        store,
        &SequentialIds::new(),
        at(30),
    )
    .await
    .expect("added");
    assert_eq!(added[0].result, AddResult::Suppressed);
    let at_c = store.invitee_by_email(&c.id, ANN).await.expect("read");
    assert_eq!(at_c, None);
}

pub async fn an_owner_resubscribes_from_their_page_and_leaves_the_suppression_list<S: Store>(
    store: &S,
) {
    let ((_, ann_a), (_, ann_b)) = ann_at_two_events(store).await;
    unsubscribe(&ann_a.id, UnsubscribeScope::Everything, store, at(10))
        .await
        .expect("unsubscribed");
    assert!(store.suppression(ANN).await.expect("read").is_some());

    let back = resubscribe(&ann_a.id, "n1", store, at(20))
        .await
        .expect("resubscribed");
    assert_eq!(back.status.value("reachability"), Some("ok"));
    assert!(back.reachable());
    assert_eq!(store.suppression(ANN).await.expect("read"), None, "lifted");
    assert_eq!(
        read(store, &ann_b.id).await.status.value("reachability"),
        Some("ok")
    );

    // Unsubscribing again is a new fact; clicking it twice is still one.
    for seconds in [30, 31] {
        unsubscribe(&ann_a.id, UnsubscribeScope::ThisEvent, store, at(seconds))
            .await
            .expect("unsubscribed");
    }
    let again = read(store, &ann_a.id).await;
    assert_eq!(again.status.value("reachability"), Some("unsubscribed"));
    let history = store.signals_of(&ann_a.id).await.expect("history");
    let unsubscribes = history
        .iter()
        .filter(|r| r.signal.kind == SignalKind::Unsubscribed)
        .count();
    assert_eq!(unsubscribes, 2, "everything, then this event once");
}
