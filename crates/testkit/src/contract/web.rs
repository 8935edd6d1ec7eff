//! Cases that drive what invitees do on the web (`rsvp`, `unsubscribe`) and the fan-out of
//! an organizer's change (`deliver_due`) through the store, end to end.

use super::crash::LosesFirstMarkSent;
use super::{OLGA, at, counters, counts, due, event, ids, insert};
use crate::{PlainComposer, RecordingMailer, SequentialIds};
use chrono::{DateTime, Utc};
use rollcall_core::deliver::{DeliveryReport, DeliverySettings, deliver_due};
use rollcall_core::event::Event;
use rollcall_core::imip::Mailbox;
use rollcall_core::invitee::{Invitee, InviteeId, personal_uid};
use rollcall_core::notice::{FanOut, InvitationKind, Notice, OutboxMessage};
use rollcall_core::ports::{Commit, Committed, InviteeStore, OutboxStore, Store};
use rollcall_core::rsvp::{RsvpError, RsvpRequest, RsvpSettings, Rsvped, rsvp, unsubscribe};
use rollcall_core::status::{Answer, Channel};

const DOMAIN: &str = "rollcall.test";

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

/// One submit of the public page's form, `seconds` into the case.
struct Form<'a> {
    name: &'a str,
    email: &'a str,
    answer: Answer,
    nonce: &'a str,
    seconds: i64,
}

async fn submit<S: Store>(
    store: &S,
    ids: &SequentialIds,
    event: &Event,
    form: Form<'_>,
) -> InviteeId {
    match try_submit(store, ids, event, form).await {
        Ok(Rsvped::Invited(id) | Rsvped::AlreadyInvited(id)) => id,
        Err(error) => panic!("the RSVP is not taken: {error}"),
    }
}

async fn try_submit<S: Store>(
    store: &S,
    ids: &SequentialIds,
    event: &Event,
    form: Form<'_>,
) -> Result<Rsvped, RsvpError> {
    let request = RsvpRequest {
        event_id: &event.id,
        name: form.name,
        email: form.email,
        answer: form.answer,
        nonce: form.nonce,
    };
    let settings = RsvpSettings::new(DOMAIN);
    rsvp(&request, &settings, store, ids, at(form.seconds)).await
}

async fn read<S: InviteeStore>(store: &S, id: &InviteeId) -> Invitee {
    let invitee = store.invitee(id).await.expect("read invitee");
    invitee.expect("the invitee exists")
}

fn values(invitee: &Invitee) -> [Option<&'static str>; 3] {
    ["delivery", "response", "reachability"].map(|track| invitee.status.value(track))
}

/// Every pending outbox message due by the end of the day.
async fn pending<S: OutboxStore>(store: &S) -> Vec<OutboxMessage> {
    let due = store.due_outbox(at(86_400), 100).await.expect("due_outbox");
    due.into_iter().map(|d| d.message).collect()
}

fn invitation(
    invitee: &Invitee,
    id: String,
    event: &Event,
    created_at: DateTime<Utc>,
) -> OutboxMessage {
    OutboxMessage {
        id,
        to: Mailbox {
            email: invitee.email.clone(),
            name: invitee.name.clone(),
        },
        notice: Notice::Invitation {
            invitee: Box::new(invitee.clone()),
            method: InvitationKind::Request,
            recurrence_id: None,
            sequence: invitee.sequence,
            cause: rollcall_core::notice::InvitationCause::Organizer,
        },
        event: event.clone(),
        created_at,
    }
}

pub async fn a_web_rsvp_creates_an_invitee_with_its_invitation_and_counters<S: Store>(store: &S) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let form = Form {
        name: " Ann  Example ",
        email: " Ann@Example.org ",
        answer: Answer::Accepted,
        nonce: "n1",
        seconds: 10,
    };
    let id = submit(store, &source, &planning, form).await;
    assert_eq!(id, SequentialIds::nth_invitee(0));

    let ann = read(store, &id).await;
    let by_email = store
        .invitee_by_email(&planning.id, "ann@example.org")
        .await;
    assert_eq!(by_email.expect("read by email"), Some(ann.clone()));
    assert_eq!(
        (ann.email.as_str(), ann.name.as_deref(), ann.joined_via),
        ("ann@example.org", Some("Ann Example"), Channel::Web)
    );
    assert_eq!((ann.sequence, ann.version), (1, 1));
    assert_eq!(ann.uid, personal_uid(&id, DOMAIN));
    assert_eq!(values(&ann), [Some("queued"), Some("accepted"), Some("ok")]);

    // The personal invitation is queued in the same commit, at SEQUENCE 1.
    let expected = invitation(&ann, format!("inv-{id}-1"), &planning, at(10));
    assert_eq!(pending(store).await, vec![expected]);
    assert_eq!(
        counters(store, &planning.id).await,
        counts(&[
            ("delivery", "queued", 1),
            ("response", "accepted", 1),
            ("reachability", "ok", 1),
        ])
    );

    let history = store.signals_of(&id).await.expect("history");
    let keys: Vec<&str> = history
        .iter()
        .map(|r| r.signal.dedupe_key.as_str())
        .collect();
    assert_eq!(keys, ["listed", "web:n1", &format!("queued:inv-{id}-1")]);
    assert!(
        history
            .iter()
            .all(|r| r.invitee_id == id && r.event_id == planning.id)
    );
    assert!(
        history[1].effect.contains("accepted"),
        "{}",
        history[1].effect
    );
}

/// DESIGN §2.4: the public form is no credential — anyone can type anyone's address. A web
/// RSVP for an address already on the list changes nothing about that invitee (not the name,
/// not the answer) and mails the address its own link instead, at most once an hour.
pub async fn a_web_rsvp_for_a_known_address_changes_nothing_and_mails_its_link<S: Store>(
    store: &S,
) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let first = Form {
        name: "Ann",
        email: "ann@example.org",
        answer: Answer::Accepted,
        nonce: "n1",
        seconds: 10,
    };
    let outcome = try_submit(store, &source, &planning, first).await;
    let id = SequentialIds::nth_invitee(0);
    assert_eq!(outcome.expect("taken"), Rsvped::Invited(id.clone()));
    let ann = read(store, &id).await;
    let invited = pending(store).await;
    let history = store.signals_of(&id).await.expect("history");
    let answered = counts(&[
        ("delivery", "queued", 1),
        ("response", "accepted", 1),
        ("reachability", "ok", 1),
    ]);

    // Someone else types Ann's address, another name and another answer.
    let second = Form {
        name: "Mallory",
        email: "ANN@Example.ORG",
        answer: Answer::Declined,
        nonce: "n2",
        seconds: 20,
    };
    let outcome = try_submit(store, &source, &planning, second).await;
    assert_eq!(outcome.expect("taken"), Rsvped::AlreadyInvited(id.clone()));
    assert_eq!(read(store, &id).await, ann, "the invitee is untouched");
    assert_eq!(store.signals_of(&id).await.expect("history"), history);
    assert_eq!(counters(store, &planning.id).await, answered);
    let everyone = store.invitees_of(&planning.id, None, 100).await;
    assert_eq!(everyone.expect("invitees_of"), vec![ann.clone()]);
    assert_eq!(source.invitees_issued(), 1);
    // Ann's own mailbox gets her link; nobody else gets anything.
    let link = OutboxMessage {
        id: format!("link-{id}-{}", at(20).format("%Y%m%d%H")),
        to: Mailbox {
            email: "ann@example.org".into(),
            name: Some("Ann".into()),
        },
        notice: Notice::OwnLink {
            invitee: Box::new(ann.clone()),
        },
        event: planning.clone(),
        created_at: at(20),
    };
    let mut expected = invited.clone();
    expected.push(link);
    assert_eq!(pending(store).await, expected);

    // Again within the hour: still nothing changes, and no second mail.
    let again = Form {
        name: "",
        email: "ann@example.org",
        answer: Answer::Tentative,
        nonce: "n3",
        seconds: 30,
    };
    let outcome = try_submit(store, &source, &planning, again).await;
    assert_eq!(outcome.expect("taken"), Rsvped::AlreadyInvited(id.clone()));
    assert_eq!(pending(store).await, expected);
    assert_eq!(read(store, &id).await, ann);

    // The same form submitted twice by Ann herself is applied once (and is then the known
    // address case: nothing more).
    let twice = Form {
        name: "Ann",
        email: "ann@example.org",
        answer: Answer::Accepted,
        nonce: "n1",
        seconds: 40,
    };
    assert_eq!(submit(store, &source, &planning, twice).await, id);
    assert_eq!(store.signals_of(&id).await.expect("history"), history);
    assert_eq!(counters(store, &planning.id).await, answered);
}

/// Rollcall's own addresses (its domain, any local part) and address literals never become
/// invitees: a personal invitation to `invites@` would come back in as organizer mail.
pub async fn a_web_rsvp_refuses_rollcalls_own_addresses_and_address_literals<S: Store>(store: &S) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    for (email, refused) in [
        ("invites@rollcall.test", "own"),
        ("rsvp+abc@Rollcall.Test", "own"),
        ("postmaster@rollcall.test", "own"),
        ("a@mail.rollcall.test", "own"),
        ("a@[127.0.0.1]", "invalid"),
        ("a@localhost", "invalid"),
    ] {
        let form = Form {
            name: "",
            email,
            answer: Answer::Accepted,
            nonce: "n",
            seconds: 10,
        };
        let outcome = try_submit(store, &source, &planning, form).await;
        let matches = match refused {
            "own" => matches!(outcome, Err(RsvpError::OwnAddress)),
            _ => matches!(outcome, Err(RsvpError::InvalidEmail)),
        };
        assert!(matches, "{email}: {outcome:?}");
    }
    let everyone = store.invitees_of(&planning.id, None, 100).await;
    assert_eq!(everyone.expect("invitees_of"), vec![]);
    assert_eq!(pending(store).await, vec![]);
}

pub async fn unsubscribing_makes_an_invitee_unreachable_once<S: Store>(store: &S) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let form = Form {
        name: "Ann",
        email: "ann@example.org",
        answer: Answer::Accepted,
        nonce: "n1",
        seconds: 10,
    };
    let id = submit(store, &source, &planning, form).await;

    let left = unsubscribe(&id, store, at(40)).await.expect("unsubscribe");
    assert_eq!(
        values(&left),
        [Some("queued"), Some("accepted"), Some("unsubscribed")]
    );
    assert!(!left.reachable());
    assert_eq!(read(store, &id).await, left);
    let unsubscribed = counts(&[
        ("delivery", "queued", 1),
        ("response", "accepted", 1),
        ("reachability", "unsubscribed", 1),
    ]);
    assert_eq!(counters(store, &planning.id).await, unsubscribed);

    // A second click (or a mail client's one-click POST after the button) changes nothing.
    let again = unsubscribe(&id, store, at(50)).await.expect("unsubscribe");
    assert_eq!(again, left);
    assert_eq!(read(store, &id).await, left);
    assert_eq!(counters(store, &planning.id).await, unsubscribed);
    let history = store.signals_of(&id).await.expect("history");
    let unsubscribes = history
        .iter()
        .filter(|r| r.signal.dedupe_key == "unsubscribe");
    assert_eq!(unsubscribes.count(), 1);
}

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
    let report = deliver_due(store, &source, &PlainComposer, &mailer, &settings, at(50)).await;
    assert_eq!(
        report.expect("deliver"),
        delivered(3, 0),
        "the first invitations"
    );
    unsubscribe(cat, store, at(60)).await.expect("unsubscribe");
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
    let job = OutboxMessage {
        id: "job-1".to_string(),
        to: Mailbox {
            email: OLGA.to_string(),
            name: None,
        },
        notice: Notice::FanOut(FanOut::Update { reconfirm: true }),
        event: planning.clone(),
        created_at: at(100),
    };
    let queue = Commit {
        outbox: vec![job],
        ..Commit::default()
    };
    assert!(matches!(store.commit(&queue).await, Ok(Committed::Applied)));
    let crashing = LosesFirstMarkSent::new(store, "job-1");
    let report = deliver_due(
        &crashing,
        &source,
        &PlainComposer,
        &mailer,
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
        &PlainComposer,
        &mailer,
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
        guests.push(submit(store, &source, &planning, form).await);
    }
    // One page of two invitees per run: five invitees take three runs of the job.
    let settings = DeliverySettings {
        fan_out_page: 2,
        fan_out_pages_per_run: 1,
        ..DeliverySettings::default()
    };
    let mailer = RecordingMailer::new();
    let first = deliver_due(store, &source, &PlainComposer, &mailer, &settings, at(50)).await;
    assert_eq!(
        first.expect("deliver"),
        delivered(5, 0),
        "the first invitations"
    );

    let job = OutboxMessage {
        id: "job-9".to_string(),
        to: Mailbox {
            email: OLGA.to_string(),
            name: None,
        },
        notice: Notice::FanOut(FanOut::Update { reconfirm: false }),
        event: planning.clone(),
        created_at: at(100),
    };
    let queue = Commit {
        outbox: vec![job],
        ..Commit::default()
    };
    assert!(matches!(store.commit(&queue).await, Ok(Committed::Applied)));
    let before = mailer.sent().len();
    let mut fanned_out = Vec::new();
    for pass in 0..10 {
        let report = deliver_due(store, &source, &PlainComposer, &mailer, &settings, at(100));
        let report = report.await.expect("deliver");
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
            &PlainComposer,
            mailer,
            settings,
            at(seconds),
        );
        let report = report.await.expect("deliver");
        if report == DeliveryReport::default() {
            return total;
        }
        total.add(report);
        assert!(pass < 9, "delivery never settled: {total:?}");
    }
    total
}

fn fan_out_job(id: &str, event: &Event, seconds: i64) -> Commit {
    let job = OutboxMessage {
        id: id.to_string(),
        to: Mailbox {
            email: OLGA.to_string(),
            name: None,
        },
        notice: Notice::FanOut(FanOut::Update { reconfirm: false }),
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
        guests.push(submit(store, &source, &planning, form).await);
    }
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
        store.commit(&fan_out_job("job-9", &planning, 100)).await,
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
            .commit(&fan_out_job("job-10", &planning, day_1 + 100))
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

pub async fn a_past_event_takes_no_more_answers_or_guests_but_still_lets_people_leave<S: Store>(
    store: &S,
) {
    // The case's event is all day on 10 March 2026: over everywhere at 11 March, 12:00 UTC.
    let planning = open_event(store).await;
    let over = (rollcall_core::schedule::over_at(&planning.details, &[]).expect("an end") - at(0))
        .num_seconds();
    let source = SequentialIds::new();
    let answer = |email: &'static str, nonce: &'static str, seconds: i64| Form {
        name: "",
        email,
        answer: Answer::Accepted,
        nonce,
        seconds,
    };
    let ann = submit(
        store,
        &source,
        &planning,
        answer("ann@example.org", "n1", over - 1),
    )
    .await;

    let late = try_submit(
        store,
        &source,
        &planning,
        answer("bob@example.org", "n2", over),
    )
    .await;
    assert!(matches!(late, Err(RsvpError::Over)), "{late:?}");
    assert!(
        store
            .invitee_by_email(&planning.id, "bob@example.org")
            .await
            .expect("read")
            .is_none(),
        "nobody new on the list"
    );
    let changed =
        rollcall_core::rsvp::change_answer(&ann, Answer::Declined, "n3", store, at(over)).await;
    assert!(matches!(changed, Err(RsvpError::Over)), "{changed:?}");
    assert_eq!(
        read(store, &ann).await.status.value("response"),
        Some("accepted")
    );
    let lines = rollcall_core::report::listing::read_pasted("cy@example.org").expect("short");
    let added = rollcall_core::invite::add_invitees(
        &planning.id,
        lines,
        &RsvpSettings::new(DOMAIN),
        store,
        &source,
        at(over),
    )
    .await;
    assert!(matches!(added, Err(RsvpError::Over)), "{added:?}");

    // Leaving is always possible.
    unsubscribe(&ann, store, at(over))
        .await
        .expect("unsubscribe");
    assert_eq!(
        read(store, &ann).await.status.value("reachability"),
        Some("unsubscribed")
    );
}

pub async fn a_changed_answer_updates_the_invitees_calendar_copy_once<S: Store>(store: &S) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let form = Form {
        name: "Ann",
        email: "ann@example.org",
        answer: Answer::Accepted,
        nonce: "n1",
        seconds: 10,
    };
    let ann = submit(store, &source, &planning, form).await;
    let change = |answer, nonce: &'static str, seconds| {
        rollcall_core::rsvp::change_answer(&ann, answer, nonce, store, at(seconds))
    };
    change(Answer::Declined, "n2", 20).await.expect("changed");
    change(Answer::Declined, "n2", 21)
        .await
        .expect("the same form twice");
    change(Answer::Declined, "n3", 22)
        .await
        .expect("the same answer again");

    use rollcall_core::notice::InvitationCause;
    type Seen = (String, i64, Option<String>, InvitationCause);
    let invitations: Vec<Seen> = store
        .due_outbox(at(30), 100)
        .await
        .expect("due")
        .into_iter()
        .filter_map(|due| match due.message.notice {
            Notice::Invitation {
                invitee,
                method: InvitationKind::Request,
                sequence,
                cause,
                ..
            } => Some((
                due.message.id,
                sequence,
                invitee.status.value("response").map(str::to_string),
                cause,
            )),
            _ => None,
        })
        .collect();
    let answer = |s: &str| Some(s.to_string());
    assert_eq!(
        invitations,
        [
            (
                format!("inv-{ann}-1"),
                1,
                answer("accepted"),
                InvitationCause::Organizer
            ),
            (
                format!("inv-{ann}-2"),
                2,
                answer("declined"),
                InvitationCause::AnswerChanged
            ),
        ],
        "the first invitation, then one update with the new answer"
    );
    let ann_now = read(store, &ann).await;
    assert_eq!(ann_now.sequence, 2);
    assert_eq!(ann_now.status.value("delivery"), Some("queued"));

    // Someone who unsubscribed gets no mail for their answer.
    unsubscribe(&ann, store, at(40)).await.expect("unsubscribe");
    change(Answer::Accepted, "n4", 41).await.expect("changed");
    assert_eq!(read(store, &ann).await.sequence, 2, "no update queued");
}
