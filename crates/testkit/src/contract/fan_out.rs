//! Fan-out of an organizer's change (`deliver_due`) through the store: one personal message
//! per reachable invitee, once; long lists in later runs; and the organizer's daily
//! invitation quota, beyond which the rest waits for the next day.

use super::crash::LosesFirstMarkSent;
use super::web::{Form, invitation, open_event, pending, read, submit, values};
use super::{OLGA, at, counters, counts, due, ids};
use crate::{PlainComposer, RecordingMailer, SequentialIds};
use rollcall_core::event::Event;
use rollcall_core::imip::Mailbox;
use rollcall_core::invitee::InviteeId;
use rollcall_core::notice::{FanOut, Notice, OutboxMessage};
use rollcall_core::ports::{Commit, Committed, Store};
use rollcall_core::status::Answer;
use rollcall_core::usecase::deliver::{DeliveryReport, DeliverySettings, Outlets, deliver_due};
use rollcall_core::usecase::rsvp::{UnsubscribeScope, unsubscribe};

fn delivered(sent: usize, fanned_out: usize) -> DeliveryReport {
    DeliveryReport {
        sent,
        retrying: 0,
        failed: 0,
        fanned_out,
        listed: 0,
        ..DeliveryReport::default()
    }
}

pub async fn a_fan_out_job_queues_one_invitation_per_reachable_invitee_once<S: Store>(store: &S) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let mut guests = Vec::new();
    for (n, (email, answer)) in [
        ("ann@example.org", Answer::Accepted),
        ("bob@example.org", Answer::Tentative),
        ("cat@example.org", Answer::Accepted),
    ]
    .into_iter()
    .enumerate()
    {
        let nonce = format!("n{n}");
        let seconds = 10 * (n as i64 + 1);
        let form = Form {
            name: "",
            email,
            answer,
            nonce: &nonce,
            seconds,
        };
        guests.push(submit(store, &source, &planning, form).await);
    }
    let [ann, bob, cat] = [&guests[0], &guests[1], &guests[2]];
    // Pages of two: the walk over invitees needs more than one page.
    let settings = DeliverySettings {
        fan_out_page: 2,
        ..DeliverySettings::default()
    };
    let mailer = RecordingMailer::new();
    let report = deliver_due(
        store,
        &source,
        &Outlets::mail(&PlainComposer, &mailer),
        &settings,
        at(50),
    )
    .await;
    assert_eq!(
        report.expect("deliver"),
        delivered(3, 0),
        "the first invitations"
    );
    unsubscribe(cat, UnsubscribeScope::ThisEvent, store, at(60))
        .await
        .expect("unsubscribe");
    let before = counts(&[
        ("delivery", "sent", 3),
        ("response", "accepted", 2),
        ("response", "tentative", 1),
        ("reachability", "ok", 2),
        ("reachability", "unsubscribed", 1),
    ]);
    assert_eq!(counters(store, &planning.id).await, before);

    // The walk over invitees ends only if a page never repeats the id it starts after: fail
    // here rather than hang in `deliver_due`.
    let after_last = store.invitees_of(&planning.id, Some(cat), 2).await;
    assert_eq!(
        after_last.expect("invitees_of"),
        vec![],
        "nothing after the last invitee"
    );

    // The organizer moved the event: every reachable invitee is asked to answer again.
    let queue = fan_out_job("job-1", &planning, FanOut::Update { reconfirm: true }, 100);
    assert!(matches!(store.commit(&queue).await, Ok(Committed::Applied)));
    let crashing = LosesFirstMarkSent::new(store, "job-1");
    let report = deliver_due(
        &crashing,
        &source,
        &Outlets::mail(&PlainComposer, &mailer),
        &settings,
        at(100),
    )
    .await;
    assert_eq!(report.expect("deliver"), delivered(1, 2));
    assert!(crashing.lost(), "the job is still due, as after a crash");

    let job_for = |id: &InviteeId| format!("job-1-{id}");
    let (for_ann, for_bob) = (job_for(ann), job_for(bob));
    // The claimed job comes back when its lease ends, as it would after a real crash.
    let restart = at(100) + settings.lease;
    assert_eq!(
        due(store, at(100)).await,
        ids(&[(for_ann.as_str(), 0), (for_bob.as_str(), 0)])
    );
    let expected_due = ids(&[(for_ann.as_str(), 0), (for_bob.as_str(), 0), ("job-1", 0)]);
    assert_eq!(due(store, restart).await, expected_due);
    let queued = pending(store).await;
    for (id, earlier) in [(ann, Answer::Accepted), (bob, Answer::Tentative)] {
        let invitee = read(store, id).await;
        assert_eq!(invitee.sequence, 2);
        assert_eq!(
            values(&invitee),
            [Some("sent"), Some("needs-action"), Some("ok")]
        );
        let n = if id == ann { 10 } else { 20 };
        assert_eq!(invitee.status.previous_answer(), Some((earlier, at(n))));
        let expected = invitation(&invitee, job_for(id), &planning, at(100));
        assert!(queued.contains(&expected), "{id}: {queued:#?}");
    }
    let left = read(store, cat).await;
    assert_eq!(left.sequence, 1, "the unsubscribed invitee gets nothing");
    assert_eq!(
        values(&left),
        [Some("sent"), Some("accepted"), Some("unsubscribed")]
    );
    let after = counts(&[
        ("delivery", "sent", 3),
        ("response", "needs-action", 2),
        ("response", "accepted", 1),
        ("reachability", "ok", 2),
        ("reachability", "unsubscribed", 1),
    ]);
    assert_eq!(counters(store, &planning.id).await, after);

    // The same job again (after the "restart"): nothing new is queued; the two are sent.
    let before_mail = mailer.sent().len();
    let report = deliver_due(
        &crashing,
        &source,
        &Outlets::mail(&PlainComposer, &mailer),
        &settings,
        restart,
    )
    .await;
    assert_eq!(report.expect("deliver"), delivered(3, 0));
    let mailed: Vec<String> = mailer.sent()[before_mail..]
        .iter()
        .map(|m| m.outbox_id.clone())
        .collect();
    assert_eq!(mailed, [job_for(ann), job_for(bob)]);
    assert_eq!(due(store, at(86_400)).await, ids(&[]));
    for id in [ann, bob] {
        assert_eq!(read(store, id).await.sequence, 2, "{id} got one update");
    }
    assert_eq!(counters(store, &planning.id).await, after);
}

pub async fn a_long_fan_out_continues_in_later_runs_and_reaches_everyone_once<S: Store>(store: &S) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let guests = five_guests(store, &source, &planning).await;
    // One page of two invitees per run: five invitees take three runs of the job.
    let settings = DeliverySettings {
        fan_out_page: 2,
        fan_out_pages_per_run: 1,
        ..DeliverySettings::default()
    };
    let mailer = RecordingMailer::new();
    let first = deliver_due(
        store,
        &source,
        &Outlets::mail(&PlainComposer, &mailer),
        &settings,
        at(50),
    )
    .await;
    assert_eq!(
        first.expect("deliver"),
        delivered(5, 0),
        "the first invitations"
    );

    let queue = fan_out_job("job-9", &planning, FanOut::Update { reconfirm: false }, 100);
    assert!(matches!(store.commit(&queue).await, Ok(Committed::Applied)));
    let before = mailer.sent().len();
    let mut fanned_out = Vec::new();
    for pass in 0..10 {
        let report = deliver_due(
            store,
            &source,
            &Outlets::mail(&PlainComposer, &mailer),
            &settings,
            at(100),
        )
        .await
        .expect("deliver");
        fanned_out.push(report.fanned_out);
        if report == DeliveryReport::default() {
            break;
        }
        assert!(pass < 9, "the fan-out never finished: {fanned_out:?}");
    }
    assert_eq!(
        fanned_out.iter().filter(|n| **n > 0).count(),
        3,
        "three runs of two, two and one invitees: {fanned_out:?}"
    );
    let mut mailed: Vec<String> = mailer.sent()[before..]
        .iter()
        .map(|m| m.outbox_id.clone())
        .collect();
    mailed.sort();
    let mut expected: Vec<String> = guests.iter().map(|id| format!("job-9-{id}")).collect();
    expected.sort();
    assert_eq!(
        mailed, expected,
        "one update each, named after the original job"
    );
    for id in &guests {
        assert_eq!(read(store, id).await.sequence, 2, "{id} got one update");
    }
    assert_eq!(due(store, at(86_400)).await, ids(&[]));
}

/// Runs delivery passes at `seconds` until one does nothing (at most ten); what they did.
async fn passes<S: Store>(
    store: &S,
    mailer: &RecordingMailer,
    settings: &DeliverySettings,
    seconds: i64,
) -> DeliveryReport {
    let source = SequentialIds::new();
    let mut total = DeliveryReport::default();
    for pass in 0..10 {
        let report = deliver_due(
            store,
            &source,
            &Outlets::mail(&PlainComposer, mailer),
            settings,
            at(seconds),
        )
        .await
        .expect("deliver");
        if report == DeliveryReport::default() {
            return total;
        }
        total.add(report);
        assert!(pass < 9, "delivery never settled: {total:?}");
    }
    total
}

/// Five guests answer yes on the public form, 10 to 14 seconds into the case.
async fn five_guests<S: Store>(store: &S, source: &SequentialIds, event: &Event) -> Vec<InviteeId> {
    let mut guests = Vec::new();
    for n in 0..5 {
        let (email, nonce) = (format!("guest{n}@example.org"), format!("n{n}"));
        let form = Form {
            name: "",
            email: &email,
            answer: Answer::Accepted,
            nonce: &nonce,
            seconds: 10 + n,
        };
        guests.push(submit(store, source, event, form).await);
    }
    guests
}

/// The organizer's change that asks nobody to answer again.
const UPDATE: FanOut = FanOut::Update { reconfirm: false };

/// Queues the fan-out of an organizer's `change`, `seconds` into the case.
fn fan_out_job(id: &str, event: &Event, change: FanOut, seconds: i64) -> Commit {
    let job = OutboxMessage {
        id: id.to_string(),
        to: Mailbox {
            email: OLGA.to_string(),
            name: None,
        },
        notice: Notice::FanOut(change),
        event: event.clone(),
        created_at: at(seconds),
    };
    Commit {
        outbox: vec![job],
        ..Commit::default()
    }
}

pub async fn a_fan_out_beyond_the_daily_invitation_quota_waits_for_the_next_day<S: Store>(
    store: &S,
) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let guests = five_guests(store, &source, &planning).await;
    let with_quota = |per_day: u64| DeliverySettings {
        fan_out_page: 2,
        quotas: rollcall_core::quota::QuotaSettings {
            invitations_per_day: Some(per_day),
            ..rollcall_core::quota::QuotaSettings::unlimited()
        },
        ..DeliverySettings::default()
    };
    // Seconds into the case at which the next two UTC days begin.
    let day_1 = (rollcall_core::quota::next_day(at(0)) - at(0)).num_seconds();
    let day_2 = day_1 + 86_400;
    let mailer = RecordingMailer::new();
    let first = passes(store, &mailer, &with_quota(8), 50).await;
    assert_eq!(first.sent, 5, "the first invitations: {first:?}");

    // The five RSVPs took five of today's eight: the change reaches three invitees today.
    assert!(matches!(
        store
            .commit(&fan_out_job("job-9", &planning, UPDATE, 100))
            .await,
        Ok(Committed::Applied)
    ));
    let today = passes(store, &mailer, &with_quota(8), 100).await;
    assert_eq!((today.fanned_out, today.over_quota), (3, 1), "{today:?}");
    assert_eq!(mailer.sent().len(), 5 + 3, "three updates left today");
    assert_eq!(due(store, at(day_1 - 1)).await, ids(&[]), "the rest waits");
    let rest = format!("job-9.from-{}", guests[2]);
    assert_eq!(
        due(store, at(day_1)).await,
        ids(&[(rest.as_str(), 0)]),
        "the rest of the list is due when the day turns, untried"
    );

    let tomorrow = passes(store, &mailer, &with_quota(8), day_1).await;
    assert_eq!(tomorrow.fanned_out, 2, "{tomorrow:?}");
    let mut mailed: Vec<String> = mailer.sent()[5..]
        .iter()
        .map(|m| m.outbox_id.clone())
        .collect();
    mailed.sort();
    let mut expected: Vec<String> = guests.iter().map(|id| format!("job-9-{id}")).collect();
    expected.sort();
    assert_eq!(mailed, expected, "everyone got the change once");

    // Tomorrow's quota of two is used up now: a new change queues nothing and waits whole.
    assert!(matches!(
        store
            .commit(&fan_out_job("job-10", &planning, UPDATE, day_1 + 100))
            .await,
        Ok(Committed::Applied)
    ));
    let used_up = passes(store, &mailer, &with_quota(2), day_1 + 100).await;
    assert_eq!(
        (used_up.fanned_out, used_up.over_quota, used_up.sent),
        (0, 1, 0),
        "nothing queued, and the job is not done: {used_up:?}"
    );
    assert_eq!(due(store, at(day_2 - 1)).await, ids(&[]));
    assert_eq!(
        due(store, at(day_2)).await,
        ids(&[("job-10", 0)]),
        "the job itself waits for the next day, its attempts untouched"
    );
    let later = passes(store, &mailer, &with_quota(8), day_2).await;
    assert_eq!(later.fanned_out, 5, "{later:?}");
    assert_eq!(
        mailer.sent().len(),
        5 + 5 + 5,
        "the second change reached everyone"
    );
    for id in &guests {
        assert_eq!(
            read(store, id).await.sequence,
            3,
            "{id} got both changes once"
        );
    }
}
