//! The worker when SES refuses everything, against the emulator: DynamoDB, SQS, SNS and SES
//! are moto's. moto's SES cannot be told to pause an account (it never answers
//! `SendingPausedException`, throttling or a quota), so the worker's mailer here is the real
//! SES mailer behind a switch that answers, while it is on, exactly what the SES mailer makes
//! of `SendingPausedException` (`mailer::send_error(Class::Paused, …)`), or of a refused
//! message. Everything else is the deployment as it runs: the pause is in the table, the alarm
//! goes to the alarm topic, the mail that finally leaves is read back from moto's SES, and the
//! redrive is a `retry-failed` job.

use crate::support::{World, drain, invitation, run_batch};
use async_trait::async_trait;
use rollcall_aws::mailer::{Class, send_error};
use rollcall_core::ports::{ComposedMail, Mailer, OutboxControl, SendError};
use rollcall_core::usecase::deliver::Jitter;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the switch answers instead of sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refuse {
    Nothing,
    Everything,
    ThisMessage,
}

struct Switch {
    ses: Arc<dyn Mailer>,
    refuse: Mutex<Refuse>,
    calls: AtomicUsize,
}

impl Switch {
    fn set(&self, refuse: Refuse) {
        *self.refuse.lock().unwrap_or_else(|p| p.into_inner()) = refuse;
    }
}

#[async_trait]
impl Mailer for Switch {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let refuse = *self.refuse.lock().unwrap_or_else(|p| p.into_inner());
        match refuse {
            Refuse::Nothing => self.ses.send(mail).await,
            Refuse::Everything => Err(send_error(
                Class::Paused,
                "SendingPausedException: Sending is paused for this account.",
            )),
            Refuse::ThisMessage => Err(send_error(
                Class::Permanent,
                "MessageRejected: Email address is not verified.",
            )),
        }
    }
}

/// The alarms published since the last look: each SNS envelope's message, parsed.
async fn alarms(world: &World) -> Vec<Value> {
    let (_, received) = drain(&world.bed.alarm_queue).await;
    for message in &received {
        let _ = world.bed.alarm_queue.delete(&message.receipt_handle).await;
    }
    received
        .iter()
        .filter_map(|m| serde_json::from_str::<Value>(&m.body).ok())
        .filter_map(|envelope| serde_json::from_str(envelope["Message"].as_str()?).ok())
        .collect()
}

/// The longest wait between two probes in the pause test.
const PROBE_SECONDS: u64 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_ses_account_pauses_the_outbox_alerts_once_and_loses_nothing() {
    let world = World::new().await;
    let store = world.bed.store();
    let uid = format!("outage-{}@google.com", world.bed.table);
    world
        .mail_arrives(
            &invitation(&world, &uid, "Outage drill"),
            &[&world.invites()],
            "PASS",
        )
        .await;
    let inbound = Arc::new(world.inbound().await);
    run_batch(&world.bed.inbound_queue, |batch| inbound.handle(batch)).await;
    // The doorbell the commit rang; the worker here is driven directly.
    drain(&world.bed.jobs_queue).await;

    let booted = world.worker().await;
    let switch = Arc::new(Switch {
        ses: booted.mailer.clone(),
        refuse: Mutex::new(Refuse::Everything),
        calls: AtomicUsize::new(0),
    });
    let mut worker = booted;
    worker.mailer = switch.clone();
    // Probes every few seconds without jitter, so the test takes seconds. Not one: a pass on
    // the emulator can take a second, and the probe time counts from the pass's start.
    worker.settings.max_probe_interval = chrono::Duration::seconds(PROBE_SECONDS as i64);
    worker.settings.jitter = Jitter::NONE;

    // A rate above the mail there is: the worker's passes follow each other at once (at the
    // rate of one a second, it would wait a second between passes, as long as a probe).
    worker.rate = 100;

    // SES refuses: the outbox pauses in the table, and a human hears of it once.
    let first = worker.deliver_due().await.expect("a pass");
    assert!(first.pause_began.is_some(), "{first:?}");
    assert_eq!(switch.calls.load(Ordering::SeqCst), 1, "{first:?}");
    // Another run before the probe is due (the next sweep, a doorbell) tries nothing.
    let idle = worker.deliver_due().await.expect("a pass");
    assert_eq!(switch.calls.load(Ordering::SeqCst), 1, "{idle:?}");
    let pause = store.outbox_pause().await.expect("read the pause");
    let pause = pause.expect("the pause is in the table");
    assert!(pause.reason.contains("SendingPaused"), "{pause:?}");
    let raised = alarms(&world).await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!(raised[0]["alarm"], "outbox-paused");
    assert!(
        raised[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("SendingPaused")),
        "{raised:?}"
    );

    // The probe: one message, still refused; the same pause, no second alarm.
    tokio::time::sleep(std::time::Duration::from_millis(PROBE_SECONDS * 1000 + 100)).await;
    worker.deliver_due().await.expect("a pass");
    assert_eq!(switch.calls.load(Ordering::SeqCst), 2);
    let pause = store.outbox_pause().await.expect("read the pause");
    assert_eq!(pause.map(|p| p.probes), Some(1));
    assert!(alarms(&world).await.is_empty(), "one alarm per pause");
    let to_grace = "To: \"Grace Hopper\" <grace@example.com>";
    assert!(
        world.sent_containing(&[to_grace]).is_empty(),
        "nothing reached SES while paused"
    );

    // SES sends again: the next probe gets through, the pause ends, the acknowledgement
    // leaves once, and the operator hears that it is over.
    switch.set(Refuse::Nothing);
    tokio::time::sleep(std::time::Duration::from_millis(PROBE_SECONDS * 1000 + 100)).await;
    let back = worker.deliver_due().await.expect("a pass");
    assert!(back.resumed && back.sent >= 1, "{back:?}");
    assert_eq!(store.outbox_pause().await.expect("read the pause"), None);
    let raised = alarms(&world).await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!(raised[0]["alarm"], "outbox-resumed");
    worker.deliver_due().await.expect("a pass");
    let acks = world.sent_containing(&[to_grace]);
    assert_eq!(acks.len(), 1, "the acknowledgement, once: {acks:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_failed_job_sends_a_refused_message_once() {
    let world = World::new().await;
    let store = world.bed.store();
    let uid = format!("redrive-{}@google.com", world.bed.table);
    world
        .mail_arrives(
            &invitation(&world, &uid, "Redrive drill"),
            &[&world.invites()],
            "PASS",
        )
        .await;
    let inbound = Arc::new(world.inbound().await);
    run_batch(&world.bed.inbound_queue, |batch| inbound.handle(batch)).await;
    drain(&world.bed.jobs_queue).await;

    let booted = world.worker().await;
    let switch = Arc::new(Switch {
        ses: booted.mailer.clone(),
        refuse: Mutex::new(Refuse::ThisMessage),
        calls: AtomicUsize::new(0),
    });
    let mut worker = booted;
    worker.mailer = switch.clone();
    let first = worker.deliver_due().await.expect("a pass");
    assert!(first.failed >= 1 && first.paused.is_none(), "{first:?}");
    let failed = store.failed_outbox(None, 10).await.expect("failed_outbox");
    assert_eq!(failed.len(), 1, "the acknowledgement failed: {failed:?}");

    // Fixed at SES; the operator redrives it through the jobs queue.
    switch.set(Refuse::Nothing);
    let job = serde_json::json!({"kind": "retry-failed", "id": failed[0]}).to_string();
    world.bed.jobs_queue.send(&job).await.expect("send the job");
    let worker = Arc::new(worker);
    run_batch(&world.bed.jobs_queue, |batch| worker.handle(batch)).await;
    let to_grace = "To: \"Grace Hopper\" <grace@example.com>";
    let acks = world.sent_containing(&[to_grace]);
    assert_eq!(acks.len(), 1, "sent once: {acks:?}");
    assert!(
        store
            .failed_outbox(None, 10)
            .await
            .expect("failed_outbox")
            .is_empty()
    );

    // The same job again, and one for everything failed: nothing more is sent.
    world.bed.jobs_queue.send(&job).await.expect("send the job");
    let all = r#"{"kind":"retry-failed","all":true}"#;
    world.bed.jobs_queue.send(all).await.expect("send the job");
    run_batch(&world.bed.jobs_queue, |batch| worker.handle(batch)).await;
    let acks = world.sent_containing(&[to_grace]);
    assert_eq!(acks.len(), 1, "still once: {acks:?}");

    // A job that names nothing is refused, not taken as "everything".
    let refused = worker.handle_one(r#"{"kind":"retry-failed"}"#).await;
    assert!(refused.is_err(), "{refused:?}");
}
