//! At-least-once delivery, as SQS and Lambda give it: the same message handled twice, one
//! after the other and at the same time, has one effect; a poison message fails alone; a
//! handler that wrote to the store but died before its message was acknowledged repeats
//! nothing when SQS hands the message out again.

use crate::support::{World, ack, drain, invitation, sqs_event};
use rollcall_core::ports::{EventStore, InviteeStore};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_notification_twice_and_at_once_creates_one_event_and_one_acknowledgement() {
    let world = World::new().await;
    let store = world.bed.store();
    let uid = format!("twice-{}@google.com", world.bed.table);
    let id = world
        .mail_arrives(
            &invitation(&world, &uid, "Twice told"),
            &[&world.invites()],
            "PASS",
        )
        .await;
    let inbound = Arc::new(world.inbound().await);
    let (_, received) = drain(&world.bed.inbound_queue).await;
    assert_eq!(received.len(), 1);
    // The same message in two batches at once (two concurrent invocations), then again later
    // (its acknowledgement was lost).
    let (a, b) = tokio::join!(
        inbound.handle(sqs_event(&received)),
        inbound.handle(sqs_event(&received))
    );
    let again = inbound.handle(sqs_event(&received)).await;
    for outcome in [a, b, again] {
        assert!(
            outcome.response().batch_item_failures.is_empty(),
            "{outcome:?}"
        );
    }
    let event = store
        .event_by_uid("grace@example.com", &uid)
        .await
        .expect("store")
        .expect("created");
    assert_eq!(event.version, 1, "written once");
    assert!(store.message_record(&id).await.expect("store").is_some());

    // Many deliver-due jobs, handled by two workers at once: each message leaves once.
    let worker = Arc::new(world.worker().await);
    let (_, jobs) = drain(&world.bed.jobs_queue).await;
    assert!(!jobs.is_empty());
    let doubled: Vec<_> = jobs.iter().chain(jobs.iter()).cloned().collect();
    let (a, b) = tokio::join!(
        worker.handle(sqs_event(&doubled)),
        worker.handle(sqs_event(&doubled))
    );
    assert!(a.response().batch_item_failures.is_empty(), "{a:?}");
    assert!(b.response().batch_item_failures.is_empty(), "{b:?}");
    let public = format!("/e/{}", event.id);
    let acks = world.sent_containing(&["To: \"Grace Hopper\" <grace@example.com>", &public]);
    assert_eq!(
        acks.len(),
        1,
        "one acknowledgement however often the job ran"
    );
    // The attendee job ran once too, whatever the doubled jobs.
    let alan = store
        .invitee_by_email(&event.id, "alan@example.net")
        .await
        .expect("store")
        .expect("listed");
    let history = store.signals_of(&alan.id).await.expect("history");
    assert_eq!(
        history.len(),
        2,
        "listed and answered, once each: {history:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_message_fails_alone_and_the_rest_of_its_batch_is_handled() {
    let world = World::new().await;
    let uid = format!("poison-{}@google.com", world.bed.table);
    world
        .mail_arrives(
            &invitation(&world, &uid, "Survives poison"),
            &[&world.invites()],
            "PASS",
        )
        .await;
    world
        .bed
        .inbound_queue
        .send("this is not a notification")
        .await
        .expect("send");
    // A notification for an object that is not in the bucket (deleted by the lifecycle rule).
    let ghost = crate::support::receipt(
        "ghost",
        &world.bed.bucket,
        "inbound/ghost",
        &[&world.invites()],
        "PASS",
    );
    world.bed.notify_inbound(&ghost).await;
    let inbound = Arc::new(world.inbound().await);
    let (batch, received) = drain(&world.bed.inbound_queue).await;
    assert_eq!(received.len(), 3);
    let outcome = inbound.handle(batch).await;
    let failed: Vec<String> = outcome
        .response()
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    let poison: Vec<&str> = received
        .iter()
        .filter(|r| r.body == "this is not a notification" || r.body.contains("inbound/ghost"))
        .map(|r| r.message_id.as_str())
        .collect();
    assert_eq!(failed.len(), 2, "{outcome:?}");
    assert!(
        failed.iter().all(|f| poison.contains(&f.as_str())),
        "{failed:?} vs {poison:?}"
    );
    assert_eq!(
        outcome.permanent.len(),
        2,
        "both are permanent: {outcome:?}"
    );
    ack(&world.bed.inbound_queue, &received, &failed).await;
    assert!(
        world
            .bed
            .store()
            .event_by_uid("grace@example.com", &uid)
            .await
            .expect("store")
            .is_some(),
        "the good message of the batch was handled"
    );

    // The events function: a body that is not an SES record fails alone too.
    let events = Arc::new(world.events());
    world
        .bed
        .events_queue
        .send("{\"Type\":\"Notification\",\"Message\":\"{}\"}")
        .await
        .expect("send");
    world
        .bed
        .notify_ses_event(&crate::support::ses_event(
            "Delivery",
            &format!("inv-aaaaaaaaaaaaaaaa-1@{}", world.bed.domain),
            "ann@example.org",
            "2026-11-23T10:01:00.000Z",
        ))
        .await;
    let (batch, received) = drain(&world.bed.events_queue).await;
    assert_eq!(received.len(), 2);
    let outcome = events.handle(batch).await;
    assert_eq!(
        outcome.handled, 1,
        "an unknown invitee is not ours: handled, {outcome:?}"
    );
    assert_eq!(outcome.permanent.len(), 1, "{outcome:?}");
}
