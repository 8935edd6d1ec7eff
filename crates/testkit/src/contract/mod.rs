//! The store contract as executable cases. Each case is an ordinary async function that
//! takes a fresh, empty store and panics when the store breaks the contract that
//! [`InMemoryStore`](crate::InMemoryStore) documents. Adapters run them all with
//! [`store_contract_tests!`](crate::store_contract_tests).

mod access;
mod attendees;
mod changes;
mod crash;
mod delegation;
mod events;
mod fan_out;
mod history;
mod invitee_fixtures;
mod invitees;
mod outage;
mod outbox;
mod quotas;
mod reports;
mod suppressions;
mod trust;
mod use_cases;
mod web;
mod webhooks;

pub use access::*;
pub use attendees::*;
pub use changes::*;
pub use delegation::*;
pub use events::*;
pub use fan_out::*;
pub use history::*;
pub use invitees::*;
pub use outage::*;
pub use outbox::*;
pub use quotas::*;
pub use reports::*;
pub use suppressions::*;
pub use trust::*;
pub use use_cases::*;
pub use web::*;
pub use webhooks::*;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rollcall_core::event::{Event, EventId, EventState};
use rollcall_core::ical::{CalendarEvent, Organizer, TimeValue};
use rollcall_core::imip::Mailbox;
use rollcall_core::notice::{Notice, OutboxMessage};
use rollcall_core::outcome::Outcome;
use rollcall_core::ports::{Commit, EventWrite, InviteeStore, MessageRecord, OutboxStore};

use crate::SequentialIds;

/// The organizer most cases use.
pub(crate) const OLGA: &str = "olga@example.org";

/// `2026-03-05T16:00:00Z` plus `seconds`: the cases' clock.
pub(crate) fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 5, 16, 0, 0)
        .single()
        .expect("a valid time")
        + Duration::seconds(seconds)
}

/// A fresh event (version 1) with id `SequentialIds::nth(n)`.
pub(crate) fn event(n: u64, organizer: &str, uid: &str) -> Event {
    let details = CalendarEvent {
        uid: Some(uid.to_string()),
        sequence: 0,
        dtstamp: Some(at(-3600)),
        recurrence_id: None,
        this_and_future: false,
        summary: Some(format!("Planning {n}")),
        description: Some("Agenda: everything".to_string()),
        location: None,
        url: None,
        status: Some("CONFIRMED".to_string()),
        start: Some(TimeValue::Date(
            NaiveDate::from_ymd_opt(2026, 3, 10).expect("a valid date"),
        )),
        end: None,
        duration: None,
        rrule: None,
        rdates: vec![],
        exdates: vec![],
        organizer: Some(Organizer {
            email: Some(organizer.to_string()),
            name: Some("Olga Organizer".to_string()),
            sent_by: None,
        }),
        attendees: vec![],
        comments: vec![],
        timezones: vec![],
        transparent: false,
        meeting_url: None,
    };
    Event {
        id: SequentialIds::nth(n),
        organizer_email: organizer.to_string(),
        organizer_name: Some("Olga Organizer".to_string()),
        uid: uid.to_string(),
        sequence: 0,
        dtstamp: details.dtstamp,
        state: EventState::Active,
        details,
        overrides: vec![],
        cancelled_occurrences: vec![],
        producer: Some("-//Rollcall//contract//EN".to_string()),
        created_at: at(0),
        updated_at: at(0),
        version: 1,
        placeholder: false,
    }
}

/// `event` as the next version would be: new sequence, title and state, version + 1.
pub(crate) fn updated(event: &Event) -> Event {
    let mut next = event.clone();
    next.sequence += 1;
    next.details.sequence = next.sequence;
    next.details.summary = Some(format!("{} (moved)", event.title()));
    next.state = EventState::Updated;
    next.updated_at = event.updated_at + Duration::seconds(30);
    next.version += 1;
    next
}

pub(crate) fn insert(event: &Event) -> EventWrite {
    EventWrite {
        event: event.clone(),
        expected_version: None,
    }
}

pub(crate) fn replace(event: &Event, expected_version: u64) -> EventWrite {
    EventWrite {
        event: event.clone(),
        expected_version: Some(expected_version),
    }
}

pub(crate) fn record(message_id: &str, outcome: Outcome) -> MessageRecord {
    MessageRecord {
        message_id: message_id.to_string(),
        from: Some(Mailbox {
            email: OLGA.to_string(),
            name: None,
        }),
        subject: Some("Planning".to_string()),
        outcome,
        processed_at: at(0),
    }
}

/// A commit recording message `message_id` that writes `events` and queues `outbox`.
pub(crate) fn commit(
    message_id: &str,
    events: Vec<EventWrite>,
    outbox: Vec<OutboxMessage>,
) -> Commit {
    let outcome = Outcome::rejected(format!("test commit {message_id}"));
    Commit {
        message: Some(record(message_id, outcome)),
        events,
        outbox,
        ..Commit::default()
    }
}

/// The message id a commit made by [`commit`] records.
pub(crate) fn message_id(commit: &Commit) -> &str {
    commit
        .message
        .as_ref()
        .map_or("(no message)", |m| m.message_id.as_str())
}

/// An outbox message about `event`, due at `created_at`.
pub(crate) fn notice(id: &str, event: &Event, created_at: DateTime<Utc>) -> OutboxMessage {
    OutboxMessage {
        id: id.to_string(),
        to: Mailbox {
            email: event.organizer_email.clone(),
            name: event.organizer_name.clone(),
        },
        notice: Notice::EventCreated { sign_in: None },
        event: event.clone(),
        created_at,
    }
}

/// `(id, attempts)` of what is due at `now`.
pub(crate) async fn due<S: OutboxStore>(store: &S, now: DateTime<Utc>) -> Vec<(String, u32)> {
    store
        .due_outbox(now, 100)
        .await
        .expect("due_outbox")
        .into_iter()
        .map(|d| (d.message.id, d.attempts))
        .collect()
}

/// `[(id, attempts)]` as owned strings, for comparing with [`due`].
pub(crate) fn ids(expected: &[(&str, u32)]) -> Vec<(String, u32)> {
    expected
        .iter()
        .map(|(id, n)| (id.to_string(), *n))
        .collect()
}

/// The event's non-zero counters of the three status tracks, sorted: stores return them in
/// no particular order. (The report counters beside them have their own cases.)
pub(crate) async fn counters<S: InviteeStore>(
    store: &S,
    event: &EventId,
) -> Vec<(String, String, i64)> {
    let mut counters = store.counters(event).await.expect("counters");
    counters
        .retain(|(track, _, _)| ["delivery", "response", "reachability"].contains(&track.as_str()));
    counters.sort();
    counters
}

/// `[(track, value, count)]` as owned strings, sorted, for comparing with [`counters`].
pub(crate) fn counts(expected: &[(&str, &str, i64)]) -> Vec<(String, String, i64)> {
    let mut counts: Vec<_> = expected
        .iter()
        .map(|(track, value, n)| (track.to_string(), value.to_string(), *n))
        .collect();
    counts.sort();
    counts
}

/// Stores event `n` of `organizer` (uid `uid-<n>`) and returns it.
pub(crate) async fn open_event_of<S: rollcall_core::ports::Store>(
    store: &S,
    n: u64,
    organizer: &str,
) -> Event {
    let event = event(n, organizer, &format!("uid-{n}"));
    let commit = Commit {
        events: vec![insert(&event)],
        ..Commit::default()
    };
    assert!(matches!(
        store.commit(&commit).await,
        Ok(rollcall_core::ports::Committed::Applied)
    ));
    event
}

/// Works off everything due at `at(seconds)` with `mailer`: one delivery pass, its report.
pub(crate) async fn deliver<S: rollcall_core::ports::Store>(
    store: &S,
    mailer: &crate::RecordingMailer,
    seconds: i64,
) -> rollcall_core::usecase::deliver::DeliveryReport {
    rollcall_core::usecase::deliver::deliver_due(
        store,
        &crate::SequentialIds::new(),
        &rollcall_core::usecase::deliver::Outlets::mail(&crate::PlainComposer, mailer),
        &rollcall_core::usecase::deliver::DeliverySettings::default(),
        at(seconds),
    )
    .await
    .expect("delivery reaches the store")
}
