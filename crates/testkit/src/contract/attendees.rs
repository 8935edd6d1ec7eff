//! The organizer's own guest list: recorded by attendee jobs in small commits (a store may
//! bound a commit's size), each attendee once however often a job runs or a message comes.

use super::crash::LosesFirstMarkSent;
use super::use_cases::{self, organizer_mail};
use super::{OLGA, at, counters, counts, due, ids};
use crate::{PlainComposer, RecordingMailer, SequentialIds};
use rollcall_core::event::EventId;
use rollcall_core::invitee::Invitee;
use rollcall_core::notice::{AttendeeList, Notice};
use rollcall_core::ports::{InviteeStore, Store};
use rollcall_core::status::{Answer, Channel};
use rollcall_core::usecase::deliver::{DeliveryReport, DeliverySettings, Outlets, deliver_due};

const DOMAIN: &str = "rollcall.test";
const GUESTS: usize = 60;

fn guest(n: usize) -> String {
    format!("guest{n:02}@example.org")
}

/// What the organizer's calendar first says guest `n` answered: a quarter each.
fn first_answer(n: usize) -> Option<Answer> {
    [
        Some(Answer::Accepted),
        Some(Answer::Declined),
        Some(Answer::Tentative),
        None,
    ][n % 4]
}

/// An organizer's REQUEST listing `guests` (with their PARTSTAT, if any) and, besides, the
/// addresses that never become invitees: our inbox, another address of ours, the organizer.
fn invitation(sequence: i64, dtstamp: &str, guests: &[(String, Option<Answer>)]) -> Vec<u8> {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Rollcall//testkit contract//EN".to_string(),
        "METHOD:REQUEST".to_string(),
        "BEGIN:VEVENT".to_string(),
        "UID:big-list@example.org".to_string(),
        format!("SEQUENCE:{sequence}"),
        format!("DTSTAMP:{dtstamp}"),
        "DTSTART:20260310T150000Z".to_string(),
        "DTEND:20260310T160000Z".to_string(),
        "SUMMARY:All hands".to_string(),
        format!("ORGANIZER;CN=Olga Organizer:mailto:{OLGA}"),
        format!("ATTENDEE;CN=Olga Organizer;PARTSTAT=ACCEPTED:mailto:{OLGA}"),
        format!("ATTENDEE;CUTYPE=RESOURCE:mailto:invites@{DOMAIN}"),
        format!("ATTENDEE:mailto:someone@{DOMAIN}"),
    ];
    for (n, (email, answer)) in guests.iter().enumerate() {
        // Some calendars repeat the address as the name; that is no name.
        let name = if n % 2 == 0 {
            format!("Guest {n}")
        } else {
            email.clone()
        };
        let partstat = answer.map_or(String::new(), |a| {
            format!(";PARTSTAT={}", a.as_str().to_ascii_uppercase())
        });
        lines.push(format!(
            "ATTENDEE;CN={name}{partstat};RSVP=TRUE:mailto:{email}"
        ));
    }
    // The first guest again, spelled differently: one invitee.
    lines.push(format!("ATTENDEE:mailto:{}", guest(0).to_ascii_uppercase()));
    lines.extend(["END:VEVENT", "END:VCALENDAR"].map(String::from));
    let calendar = lines.join("\r\n");
    organizer_mail(
        "All hands",
        &format!("big-{sequence}@example.org"),
        &calendar,
    )
}

async fn run_ingest<S: Store>(
    store: &S,
    ids: &SequentialIds,
    id: &str,
    raw: &[u8],
    seconds: i64,
) -> String {
    use_cases::run_ingest(store, ids, id, raw, seconds)
        .await
        .to_string()
}

async fn pass<S: Store>(store: &S, ids: &SequentialIds, seconds: i64) -> DeliveryReport {
    let settings = DeliverySettings {
        jitter: rollcall_core::usecase::deliver::Jitter::NONE,
        ..DeliverySettings::default()
    };
    let mailer = RecordingMailer::new();
    let outlets = Outlets::mail(&PlainComposer, &mailer);
    deliver_due(store, ids, &outlets, &settings, at(seconds))
        .await
        .expect("delivery reaches the store")
}

fn report(sent: usize, retrying: usize, listed: usize) -> DeliveryReport {
    DeliveryReport {
        sent,
        retrying,
        failed: 0,
        fanned_out: 0,
        listed,
        ..DeliveryReport::default()
    }
}

/// Every invitee of the event, by address.
async fn everyone<S: InviteeStore>(store: &S, event: &EventId) -> Vec<Invitee> {
    let mut all = store
        .invitees_of(event, None, 1000)
        .await
        .expect("invitees_of");
    all.sort_by(|a, b| a.email.cmp(&b.email));
    all
}

fn answers(invitees: &[Invitee]) -> Vec<(String, Option<&str>)> {
    invitees
        .iter()
        .map(|i| (i.email.clone(), i.status.value("response")))
        .collect()
}

pub async fn an_organizer_list_is_recorded_by_attendee_jobs_once<S: Store>(store: &S) {
    let source = SequentialIds::new();
    let event_id = SequentialIds::nth(0);
    let first: Vec<(String, Option<Answer>)> =
        (0..GUESTS).map(|n| (guest(n), first_answer(n))).collect();
    let raw = invitation(0, "20260301T100000Z", &first);
    let created = run_ingest(store, &source, "big-1", &raw, 0).await;
    assert_eq!(created, format!("created event {event_id}"));

    // The ingest commit holds the event and its jobs, not the invitees: 50 + 10 attendees.
    assert!(everyone(store, &event_id).await.is_empty());
    assert_eq!(source.invitees_issued(), 0);
    let queued = store.due_outbox(at(0), 100).await.expect("due_outbox");
    let jobs: Vec<(&str, usize)> = queued
        .iter()
        .filter_map(|d| match &d.message.notice {
            Notice::RecordAttendees(list) => Some((d.message.id.as_str(), list.attendees.len())),
            _ => None,
        })
        .collect();
    assert_eq!(
        jobs,
        [
            ("big-1-attendees-0", AttendeeList::MAX),
            ("big-1-attendees-1", 10)
        ]
    );

    // A crash half-way through the first job (its 20th commit) and a lost "done" mark for it
    // later: the job runs three times, and every attendee is recorded exactly once.
    let crashing = LosesFirstMarkSent::new(store, "big-1-attendees-0").failing_commit(20);
    assert_eq!(
        pass(&crashing, &source, 0).await,
        report(2, 1, 19 + 10),
        "the note and the second job are done; the first job waits for its retry"
    );
    assert_eq!(due(store, at(5)).await, ids(&[("big-1-attendees-0", 1)]));
    assert_eq!(pass(&crashing, &source, 5).await, report(1, 0, 31));
    assert!(crashing.lost(), "the job is still due, as after a crash");
    // Due again once the lease of the sender that "crashed" has run out.
    let lease = DeliverySettings::default().lease.num_seconds();
    assert_eq!(
        pass(&crashing, &source, 5 + lease - 1).await,
        report(0, 0, 0)
    );
    assert_eq!(pass(&crashing, &source, 5 + lease).await, report(1, 0, 0));
    assert_eq!(due(store, at(86_400)).await, ids(&[]));

    let listed = everyone(store, &event_id).await;
    assert_eq!(listed.len(), GUESTS);
    assert_eq!(
        source.invitees_issued(),
        GUESTS as u64 + 1,
        "one id per guest, and the one drawn for the commit lost in the crash"
    );
    let expected: Vec<(String, Option<&str>)> = (0..GUESTS)
        .map(|n| {
            let answer = first_answer(n).unwrap_or(Answer::NeedsAction);
            (guest(n), Some(answer.as_str()))
        })
        .collect();
    assert_eq!(answers(&listed), expected);
    for invitee in &listed {
        assert_eq!(
            (
                invitee.joined_via,
                invitee.sequence,
                invitee.event_id.clone()
            ),
            (Channel::OrganizerList, 0, event_id.clone()),
            "{}",
            invitee.email
        );
        assert_eq!(invitee.uid, format!("{}@{DOMAIN}", invitee.id));
        let history = store.signals_of(&invitee.id).await.expect("history");
        let keys: Vec<&str> = history
            .iter()
            .map(|r| r.signal.dedupe_key.as_str())
            .collect();
        assert_eq!(keys, ["listed", "organizer:big-1"], "{}", invitee.email);
        assert!(
            history
                .iter()
                .all(|r| r.signal.channel == Channel::OrganizerList)
        );
    }
    let names: Vec<Option<&str>> = listed.iter().take(3).map(|i| i.name.as_deref()).collect();
    assert_eq!(names, [Some("Guest 0"), None, Some("Guest 2")]);
    for nobody in [
        OLGA.to_string(),
        format!("invites@{DOMAIN}"),
        format!("someone@{DOMAIN}"),
    ] {
        let found = store.invitee_by_email(&event_id, &nobody).await;
        assert_eq!(found.expect("read invitee"), None, "{nobody}");
    }
    let quarter = (GUESTS / 4) as i64;
    let first_counts = counts(&[
        ("delivery", "listed", GUESTS as i64),
        ("response", "accepted", quarter),
        ("response", "declined", quarter),
        ("response", "tentative", quarter),
        ("response", "needs-action", quarter),
        ("reachability", "ok", GUESTS as i64),
    ]);
    assert_eq!(counters(store, &event_id).await, first_counts);

    // The same message again: answered from its record, nothing queued, nothing recorded.
    assert_eq!(
        run_ingest(store, &source, "big-1", &raw, 100).await,
        created
    );
    assert_eq!(due(store, at(86_400)).await, ids(&[]));
    assert_eq!(pass(store, &source, 100).await, report(0, 0, 0));
    assert_eq!(everyone(store, &event_id).await, listed);
    assert_eq!(counters(store, &event_id).await, first_counts);

    // The organizer's update: those who had not answered now accepted, and one more guest.
    // Existing invitees change their answer; only the new guest draws an id.
    let mut second = first.clone();
    for (_, answer) in &mut second {
        answer.get_or_insert(Answer::Accepted);
    }
    second.push((guest(GUESTS), Some(Answer::Declined)));
    let moved = invitation(1, "20260302T100000Z", &second);
    let updated = run_ingest(store, &source, "big-2", &moved, 200).await;
    assert_eq!(updated, format!("updated {event_id} to sequence 1"));
    // The organizer's note, the fan-out (to no one: organizer-listed invitees get nothing from
    // Rollcall) and the two jobs; every listed guest gets the message's answer signal.
    assert_eq!(pass(store, &source, 200).await, report(4, 0, GUESTS + 1));
    assert_eq!(source.invitees_issued(), GUESTS as u64 + 2);
    let relisted = everyone(store, &event_id).await;
    let mut expected: Vec<(String, Option<&str>)> = (0..GUESTS)
        .map(|n| {
            let answer = first_answer(n).unwrap_or(Answer::Accepted);
            (guest(n), Some(answer.as_str()))
        })
        .collect();
    expected.push((guest(GUESTS), Some("declined")));
    assert_eq!(answers(&relisted), expected);
    assert!(
        relisted.iter().all(|i| i.sequence == 0),
        "no invitation sent"
    );
    assert_eq!(
        counters(store, &event_id).await,
        counts(&[
            ("delivery", "listed", GUESTS as i64 + 1),
            ("response", "accepted", 2 * quarter),
            ("response", "declined", quarter + 1),
            ("response", "tentative", quarter),
            ("reachability", "ok", GUESTS as i64 + 1),
        ])
    );
}
