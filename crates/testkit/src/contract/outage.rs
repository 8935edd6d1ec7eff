//! Cases for outages of the mail transport, driven through `deliver_due` and `requeue`: a
//! transport that refuses everything pauses the outbox (in the store, shared by every sender)
//! and one probe at a time finds out when it is back; nothing waiting is dropped or sent twice;
//! an invitation that waits shows its invitee as delayed; a failed message an operator
//! re-queues is sent once; the paced send loop both runtimes share sends a batch of the rate a
//! second and says when it stopped with mail still due.

use super::{OLGA, at, commit, counters, counts, due, event, ids, insert, notice};
use crate::{FailWith, PlainComposer, RecordingMailer, SequentialIds};
use chrono::{DateTime, Duration, Utc};
use rollcall_core::event::Event;
use rollcall_core::invitee::InviteeId;
use rollcall_core::ports::{Commit, Committed, EventStore, OutboxPause, Store, StoreError};
use rollcall_core::status::Answer;
use rollcall_core::usecase::deliver::{
    DeliveryReport, DeliverySettings, Jitter, Next, Outlets, PacedRun, Pacer, Requeue, Stop,
    deliver_due, requeue, send_paced,
};
use rollcall_core::usecase::rsvp::{RsvpRequest, RsvpSettings, Rsvped, rsvp};
use std::sync::atomic::{AtomicI64, Ordering};

fn settings() -> DeliverySettings {
    DeliverySettings {
        batch: 10,
        lifetime: Duration::seconds(20),
        base_backoff: Duration::seconds(5),
        max_backoff: Duration::minutes(30),
        max_probe_interval: Duration::seconds(30),
        jitter: Jitter::NONE,
        ..DeliverySettings::default()
    }
}

async fn queue<S: EventStore>(store: &S, outbox_ids: &[&str]) {
    let about = event(1, OLGA, "uid-1");
    let outbox = outbox_ids
        .iter()
        .map(|id| notice(id, &about, at(0)))
        .collect();
    let result = store.commit(&commit("m1", vec![], outbox)).await;
    assert!(
        matches!(result, Ok(Committed::Applied)),
        "queue: {result:?}"
    );
}

async fn pass<S: Store>(store: &S, mailer: &RecordingMailer, seconds: i64) -> DeliveryReport {
    deliver_due(
        store,
        &SequentialIds::new(),
        &Outlets::mail(&PlainComposer, mailer),
        &settings(),
        at(seconds),
    )
    .await
    .expect("delivery reaches the store")
}

/// (sent, retrying, failed, deferred) of a report.
fn counted(report: &DeliveryReport) -> (usize, usize, usize, usize) {
    (report.sent, report.retrying, report.failed, report.deferred)
}

fn probe_at(report: &DeliveryReport) -> Option<(i64, u32)> {
    let pause: &OutboxPause = report.paused.as_ref()?;
    Some(((pause.next_probe_at - at(0)).num_seconds(), pause.probes))
}

fn ids_of(mailer: &RecordingMailer, attempts: bool) -> Vec<String> {
    let mails = if attempts {
        mailer.attempts()
    } else {
        mailer.sent()
    };
    mails.into_iter().map(|m| m.outbox_id).collect()
}

pub async fn an_unavailable_transport_pauses_the_outbox_until_one_probe_gets_through<S>(store: &S)
where
    S: Store,
{
    queue(store, &["a", "b", "c"]).await;
    let mailer = RecordingMailer::new();
    mailer.fail_next(4, FailWith::Unavailable);

    // The first refusal pauses everything: the rest of the batch waits untried.
    let first = pass(store, &mailer, 0).await;
    assert_eq!(counted(&first), (0, 1, 0, 2), "{first:?}");
    assert!(first.pause_began.is_some(), "{first:?}");
    assert_eq!(probe_at(&first), Some((5, 0)));
    let stored = store.outbox_pause().await.expect("outbox_pause");
    assert_eq!(stored, first.paused, "the pause is in the store");
    assert_eq!(
        due(store, at(4)).await,
        ids(&[]),
        "nothing is due before the probe"
    );
    assert_eq!(counted(&pass(store, &mailer, 4).await), (0, 0, 0, 0));

    // One probe at a time, each wait longer (5, 10, 20, then capped at 30 s): never a hot loop,
    // and no message is given up on, though the pause outlasts their 20 s lifetime.
    for (seconds, next, probes) in [(5, 15, 1), (15, 35, 2), (35, 65, 3)] {
        assert_eq!(
            counted(&pass(store, &mailer, seconds - 1).await),
            (0, 0, 0, 0)
        );
        let probe = pass(store, &mailer, seconds).await;
        assert_eq!(counted(&probe), (0, 1, 0, 2), "at {seconds}: {probe:?}");
        assert_eq!(probe.pause_began, None, "still the same pause");
        assert_eq!(probe_at(&probe), Some((next, probes)), "at {seconds}");
    }
    assert_eq!(
        ids_of(&mailer, true),
        ["a", "a", "a", "a"],
        "one probe each time"
    );
    let paused = store.outbox_pause().await.expect("outbox_pause");
    assert_eq!(paused.map(|p| (p.since, p.probes)), Some((at(0), 3)));

    // The transport is back: the probe gets through, the pause ends, everything goes once.
    let back = pass(store, &mailer, 65).await;
    assert_eq!(counted(&back), (3, 0, 0, 0), "{back:?}");
    assert!(back.resumed && back.paused.is_none(), "{back:?}");
    assert_eq!(store.outbox_pause().await.expect("outbox_pause"), None);
    assert_eq!(counted(&pass(store, &mailer, 86_400).await), (0, 0, 0, 0));
    assert_eq!(ids_of(&mailer, false), ["a", "b", "c"], "each sent once");
}

pub async fn several_senders_share_one_pause_and_one_probe<S>(store: &S)
where
    S: Store,
{
    queue(store, &["a", "b", "c"]).await;
    let (one, two) = (RecordingMailer::new(), RecordingMailer::new());
    one.fail_next(2, FailWith::Unavailable);
    two.fail_next(2, FailWith::Unavailable);
    pass(store, &one, 0).await;

    // Two senders (Lambda workers) at the probe: only one of them tries a message.
    let (first, second) = tokio::join!(pass(store, &one, 5), pass(store, &two, 5));
    let tried = ids_of(&one, true).len() + ids_of(&two, true).len();
    assert_eq!(
        tried, 2,
        "the first refusal and one probe: {first:?} {second:?}"
    );
    let pause = store.outbox_pause().await.expect("outbox_pause");
    assert_eq!(pause.map(|p| p.probes), Some(1));

    // Both back at the next probe and after it: everything is sent once, by one or the other.
    let (one, two) = (RecordingMailer::new(), RecordingMailer::new());
    tokio::join!(pass(store, &one, 15), pass(store, &two, 15));
    pass(store, &one, 45).await;
    let mut sent = [ids_of(&one, false), ids_of(&two, false)].concat();
    sent.sort();
    assert_eq!(sent, ["a", "b", "c"]);
    assert_eq!(store.outbox_pause().await.expect("outbox_pause"), None);
}

async fn open_event<S: Store>(store: &S) -> Event {
    let planning = event(1, OLGA, "uid-1");
    let commit = Commit {
        events: vec![insert(&planning)],
        ..Commit::default()
    };
    let result = store.commit(&commit).await;
    assert!(matches!(result, Ok(Committed::Applied)), "{result:?}");
    planning
}

async fn answer<S: Store>(
    store: &S,
    ids: &SequentialIds,
    event: &Event,
    email: &str,
    seconds: i64,
) -> InviteeId {
    let nonce = format!("nonce-{email}");
    let request = RsvpRequest {
        event_id: &event.id,
        name: "",
        email,
        answer: Answer::Accepted,
        nonce: &nonce,
    };
    let settings = RsvpSettings::new("rollcall.test");
    match rsvp(&request, &settings, store, ids, at(seconds))
        .await
        .expect("the RSVP is taken")
    {
        Rsvped::Invited(id) => id,
        Rsvped::AlreadyInvited(id) => panic!("{email} was new to the event, not {id:?}"),
    }
}

async fn delivery<S: Store>(store: &S, id: &InviteeId) -> Option<String> {
    let invitee = store.invitee(id).await.expect("read invitee");
    let invitee = invitee.expect("the invitee exists");
    invitee.status.value("delivery").map(str::to_string)
}

async fn delayed_signals<S: Store>(store: &S, id: &InviteeId) -> usize {
    let history = store.signals_of(id).await.expect("history");
    history
        .iter()
        .filter(|r| r.signal.dedupe_key.starts_with("delayed:"))
        .count()
}

pub async fn a_delayed_invitation_shows_its_invitee_delayed_until_it_is_sent<S>(store: &S)
where
    S: Store,
{
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let ann = answer(store, &source, &planning, "ann@example.org", 10).await;
    let bob = answer(store, &source, &planning, "bob@example.org", 11).await;
    let mailer = RecordingMailer::new();
    // Ann's invitation meets a temporary failure; Bob's the transport refusing everything,
    // and then a failed probe: both wait, and say so.
    mailer.fail_next(1, FailWith::Transient);
    mailer.fail_next(2, FailWith::Unavailable);

    let first = pass(store, &mailer, 20).await;
    assert_eq!(counted(&first), (0, 2, 0, 0), "{first:?}");
    for id in [&ann, &bob] {
        assert_eq!(delivery(store, id).await.as_deref(), Some("delayed"));
    }
    let waiting = counts(&[
        ("delivery", "delayed", 2),
        ("response", "accepted", 2),
        ("reachability", "ok", 2),
    ]);
    assert_eq!(counters(store, &planning.id).await, waiting);

    // The failed probe (Ann's retry) and Bob's wait record nothing new.
    let probe = pass(store, &mailer, 25).await;
    assert_eq!(counted(&probe), (0, 1, 0, 1), "{probe:?}");
    assert_eq!(counters(store, &planning.id).await, waiting);
    for id in [&ann, &bob] {
        assert_eq!(delayed_signals(store, id).await, 1, "once per message");
    }

    // Sent: `sent` overtakes `delayed`.
    let back = pass(store, &mailer, 35).await;
    assert_eq!(counted(&back), (2, 0, 0, 0), "{back:?}");
    for id in [&ann, &bob] {
        assert_eq!(delivery(store, id).await.as_deref(), Some("sent"));
    }
    assert_eq!(
        counters(store, &planning.id).await,
        counts(&[
            ("delivery", "sent", 2),
            ("response", "accepted", 2),
            ("reachability", "ok", 2),
        ])
    );
}

pub async fn a_requeued_failed_message_is_sent_once<S>(store: &S)
where
    S: Store,
{
    queue(store, &["a", "b"]).await;
    let mailer = RecordingMailer::new();
    // `a` is refused for good; `b` keeps failing until its 20 s lifetime is over.
    mailer.fail_next(1, FailWith::Permanent);
    mailer.fail_next(4, FailWith::Transient);
    for seconds in [0, 5, 15, 20] {
        pass(store, &mailer, seconds).await;
    }
    let failed = store.failed_outbox(None, 10).await.expect("failed_outbox");
    assert_eq!(failed, ["a", "b"]);
    assert_eq!(mailer.fail_pending(), 0, "every queued failure was used");

    let requeued = requeue(store, Requeue::One("a"), at(1000)).await;
    assert_eq!(requeued.expect("requeue"), ["a"]);
    let again = requeue(store, Requeue::One("a"), at(1000)).await;
    assert!(again.expect("requeue").is_empty(), "a is pending now");
    let rest = requeue(store, Requeue::AllFailed, at(1000)).await;
    assert_eq!(rest.expect("requeue"), ["b"]);
    assert_eq!(due(store, at(1000)).await, ids(&[("a", 0), ("b", 0)]));

    // Both fail once more: their lifetimes began again at the re-queue, so `b`, which was out
    // of its lifetime, is retried rather than failed at once.
    mailer.fail_next(2, FailWith::Transient);
    assert_eq!(counted(&pass(store, &mailer, 1000).await), (0, 2, 0, 0));
    assert_eq!(counted(&pass(store, &mailer, 1005).await), (2, 0, 0, 0));
    let later = requeue(store, Requeue::AllFailed, at(2000)).await;
    assert!(
        later.expect("requeue").is_empty(),
        "nothing failed any more"
    );
    assert_eq!(counted(&pass(store, &mailer, 86_400).await), (0, 0, 0, 0));
    assert_eq!(ids_of(&mailer, false), ["a", "b"], "each sent once");
}

/// A pacer on a clock that moves a quarter of a second each time it is read; it writes down
/// what the loop asked of it and grants a number of `After` waits (its budget) before it stops
/// the run. Idle ends the run.
struct ScriptedPacer {
    millis: AtomicI64,
    asked: Vec<Next>,
    grants: usize,
    passes: usize,
}

impl ScriptedPacer {
    fn new(grants: usize) -> Self {
        ScriptedPacer {
            millis: AtomicI64::new(0),
            asked: Vec::new(),
            grants,
            passes: 0,
        }
    }
}

#[async_trait::async_trait]
impl Pacer for ScriptedPacer {
    fn now(&self) -> DateTime<Utc> {
        at(0) + Duration::milliseconds(self.millis.fetch_add(250, Ordering::Relaxed))
    }

    async fn passed(&mut self, pass: &Result<DeliveryReport, StoreError>) {
        assert!(pass.is_ok(), "{pass:?}");
        self.passes += 1;
    }

    async fn wait(&mut self, next: Next) -> bool {
        self.asked.push(next);
        match next {
            Next::After(_) if self.grants > 0 => {
                self.grants -= 1;
                true
            }
            _ => false,
        }
    }
}

/// The shared send loop at two messages a second.
async fn paced<S: Store>(
    store: &S,
    mailer: &RecordingMailer,
    pacer: &mut ScriptedPacer,
) -> PacedRun {
    send_paced(
        store,
        &SequentialIds::new(),
        &Outlets::mail(&PlainComposer, mailer),
        &settings(),
        2,
        pacer,
    )
    .await
}

pub async fn paced_sending_sends_one_full_batch_a_second_until_nothing_is_due<S>(store: &S)
where
    S: Store,
{
    queue(store, &["a", "b", "c", "d", "e"]).await;
    let mailer = RecordingMailer::new();
    let mut pacer = ScriptedPacer::new(usize::MAX);
    let run = paced(store, &mailer, &mut pacer).await;

    assert!(matches!(run.stop, Stop::Idle), "{run:?}");
    assert_eq!(run.total.sent, 5, "{run:?}");
    assert_eq!(ids_of(&mailer, false), ["a", "b", "c", "d", "e"]);
    // Each pass reads the clock as it begins and once more after a full batch, a quarter of a
    // second later: the rest of that second is waited. The last, partial batch may have fanned
    // out new mail, so the loop looks again at once, finds nothing and goes idle.
    let rest = Next::After(std::time::Duration::from_millis(750));
    assert_eq!(
        pacer.asked,
        [
            rest,
            rest,
            Next::After(std::time::Duration::ZERO),
            Next::Idle
        ]
    );
    assert_eq!(pacer.passes, 4);
}

pub async fn a_paced_run_stopped_with_mail_due_says_work_is_left<S>(store: &S)
where
    S: Store,
{
    queue(store, &["a", "b", "c"]).await;
    let mailer = RecordingMailer::new();
    let mut pacer = ScriptedPacer::new(0);
    let run = paced(store, &mailer, &mut pacer).await;

    assert!(matches!(run.stop, Stop::WorkLeft), "{run:?}");
    assert_eq!(ids_of(&mailer, false), ["a", "b"], "one batch of the rate");
    assert_eq!(
        due(store, at(10)).await.len(),
        1,
        "the rest waits in the outbox for the next run"
    );
}
