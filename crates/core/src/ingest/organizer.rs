//! Mail to `invites@`: the organizer creates, updates or cancels events. Besides the events
//! themselves, a change queues the jobs that record the organizer's own attendees as invitees
//! and the fan-out that carries the change into every Rollcall invitee's calendar.

use super::{IngestSettings, SenderTrust, record, untrusted};
use crate::event::{Event, normalize_email};
use crate::ical::{CalendarEvent, TimeValue};
use crate::imip::{Mailbox, ReadMessage};
use crate::itip::{self, Action, Sender};
use crate::notice::{AttendeeList, FanOut, ListedAttendee, Notice, OutboxMessage};
use crate::outcome::{EventResult, Outcome, PendingChange};
use crate::ports::{Commit, EventWrite, IdSource, Store, StoreError};
use crate::status::{Answer, Provenance};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

type Key = (String, String);

pub(super) async fn plan(
    id: &str,
    read: &ReadMessage,
    trust: &SenderTrust,
    settings: &IngestSettings,
    store: &dyn Store,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<Commit, StoreError> {
    let sender = Sender {
        email: read.from.as_ref().map(|m| m.email.as_str()),
    };
    // Events touched by this message, by (organizer, UID): the version read from the store and
    // the state so far, so a master and its overrides in one message build on each other.
    let mut touched: HashMap<Key, (Option<u64>, Option<Event>)> = HashMap::new();
    let mut order: Vec<Key> = Vec::new();
    let mut results = Vec::new();
    let mut notices: Vec<(Notice, Key)> = Vec::new();
    let mut attendees: Vec<(Key, &CalendarEvent, Option<&str>)> = Vec::new();
    // Untrusted mail: what it would change, and the first event as it would become.
    let mut pending: Option<Event> = None;
    for calendar in &read.calendars {
        let method = calendar.method();
        let producer = calendar.object.producer.as_deref();
        // Series before their overrides: some clients put an exception ahead of its master,
        // and an override of a not-yet-known event would otherwise be refused.
        let mut ordered: Vec<_> = calendar.object.events.iter().collect();
        ordered.sort_by_key(|e| e.recurrence_id.is_some());
        for incoming in ordered {
            let key = (
                incoming
                    .organizer
                    .as_ref()
                    .and_then(|o| o.email.as_deref())
                    .map(normalize_email)
                    .unwrap_or_default(),
                incoming.uid.clone().unwrap_or_default(),
            );
            if !touched.contains_key(&key) {
                let stored = if key.0.is_empty() || key.1.is_empty() {
                    None
                } else {
                    store.event_by_uid(&key.0, &key.1).await?
                };
                touched.insert(key.clone(), (stored.as_ref().map(|e| e.version), stored));
                order.push(key.clone());
            }
            // Whether the event is stored (not just created by an earlier part of this message).
            let stored = touched
                .get(&key)
                .is_some_and(|(version, _)| version.is_some());
            let Some((_, current)) = touched.get_mut(&key) else {
                continue;
            };
            match itip::decide(current.as_ref(), method, incoming, sender) {
                Ok(action) => {
                    let before = current.take();
                    let existing = before.as_ref().filter(|_| stored).map(|b| b.id.clone());
                    let fan_out = fan_out_for(&action, before.as_ref(), incoming);
                    let next =
                        itip::apply(before, &action, incoming, producer, || ids.event_id(), now);
                    if let SenderTrust::Untrusted(reason) = trust {
                        let change = pending_change(&action, existing, &next, incoming);
                        results.push(EventResult::AwaitingConfirmation {
                            reason: reason.clone(),
                            change,
                        });
                        pending.get_or_insert_with(|| next.clone());
                    } else {
                        results.push(EventResult::applied(&action, next.id.clone()));
                    }
                    notices.push((notice_for(&action), key.clone()));
                    if let Some(fan_out) = fan_out {
                        notices.push((Notice::FanOut(fan_out), key.clone()));
                    }
                    if matches!(action, Action::Create | Action::Update { .. }) {
                        attendees.push((key.clone(), incoming, producer));
                    }
                    *current = Some(next);
                }
                Err(error) => results.push(EventResult::ignored(&error)),
            }
        }
    }
    if let SenderTrust::Untrusted(reason) = trust {
        // Nothing of the plan is committed: only its outcome, and the question to the
        // claimed organizer (DESIGN §6).
        return Ok(untrusted::awaiting_confirmation(
            id, read, results, reason, pending, settings, now,
        ));
    }
    let mut commit = Commit {
        message: Some(record(id, Some(read), Outcome::Processed(results), now)),
        ..Commit::default()
    };
    for key in &order {
        if let Some((expected_version, Some(event))) = touched.get(key)
            && Some(event.version) != *expected_version
        {
            commit.events.push(EventWrite {
                event: event.clone(),
                expected_version: *expected_version,
            });
        }
    }
    for (n, (notice, key)) in notices.into_iter().enumerate() {
        let Some((_, Some(event))) = touched.get(&key) else {
            continue;
        };
        commit.outbox.push(OutboxMessage {
            id: format!("{id}-{n}"),
            to: Mailbox {
                email: event.organizer_email.clone(),
                name: event.organizer_name.clone(),
            },
            notice,
            event: event.clone(),
            created_at: now,
        });
    }
    for (key, incoming, producer) in attendees {
        let Some((_, Some(event))) = touched.get(&key) else {
            continue;
        };
        organizer_list(
            &mut commit,
            id,
            event,
            incoming,
            producer,
            read,
            trust,
            settings,
            now,
        );
    }
    Ok(commit)
}

/// The organizer's own attendees become invitees joined via `organizer-list`, with the PARTSTAT
/// the organizer's calendar reports for them. Rollcall sends them nothing: their calendars
/// already hold the organizer's invitation.
///
/// Not in this commit, though: every new invitee costs several store items, and a long guest
/// list would make the commit too big for a bounded store (DynamoDB: 100 items). The list goes
/// into the outbox as attendee jobs of at most [`AttendeeList::MAX`] attendees each, which the
/// sender works off one attendee per commit (`deliver::deliver_due`).
#[allow(clippy::too_many_arguments)]
fn organizer_list(
    commit: &mut Commit,
    message_id: &str,
    event: &Event,
    incoming: &CalendarEvent,
    producer: Option<&str>,
    read: &ReadMessage,
    trust: &SenderTrust,
    settings: &IngestSettings,
    now: DateTime<Utc>,
) {
    let inbox = format!("invites@{}", settings.domain);
    let ours = format!("@{}", settings.domain);
    // Earlier jobs of this message for the same event (an event can come twice in one
    // message): the first mention of an address wins, as one signal key can only count once.
    let earlier: Vec<&AttendeeList> = commit
        .outbox
        .iter()
        .filter_map(|m| match &m.notice {
            Notice::RecordAttendees(list) if m.event.id == event.id => Some(list),
            _ => None,
        })
        .collect();
    let mut seen: HashSet<String> = earlier
        .iter()
        .flat_map(|list| list.attendees.iter().map(|a| a.email.clone()))
        .collect();
    let mut listed = Vec::new();
    for attendee in &incoming.attendees {
        let Some(email) = attendee.email.as_deref().map(normalize_email) else {
            continue;
        };
        if email == inbox || email == event.organizer_email || email.ends_with(&ours) {
            continue;
        }
        if !seen.insert(email.clone()) {
            continue;
        }
        listed.push(ListedAttendee {
            name: attendee
                .name
                .clone()
                .filter(|n| normalize_email(n) != email),
            answer: attendee
                .partstat
                .as_deref()
                .and_then(Answer::parse)
                .unwrap_or(Answer::NeedsAction),
            email,
        });
    }
    let provenance = Provenance {
        message_id: read.message_id.clone(),
        producer: producer.map(str::to_string),
        sender_auth: Some(trust.describe()),
        note: Some("PARTSTAT as the organizer's calendar reports it".to_string()),
    };
    // The job needs only the event's id; its copy leaves the guest lists out, so that a long
    // list is not repeated in every one of its jobs.
    let mut about = event.clone();
    about.details.attendees.clear();
    for occurrence in &mut about.overrides {
        occurrence.attendees.clear();
    }
    let first = commit
        .outbox
        .iter()
        .filter(|m| matches!(m.notice, Notice::RecordAttendees(_)))
        .count();
    for (n, chunk) in listed.chunks(AttendeeList::MAX).enumerate() {
        commit.outbox.push(OutboxMessage {
            id: format!("{message_id}-attendees-{}", first + n),
            to: Mailbox {
                email: event.organizer_email.clone(),
                name: event.organizer_name.clone(),
            },
            notice: Notice::RecordAttendees(AttendeeList {
                inbound_id: message_id.to_string(),
                listed_at: incoming.dtstamp.map_or(now, |t| t.min(now)),
                provenance: provenance.clone(),
                domain: settings.domain.clone(),
                attendees: chunk.to_vec(),
            }),
            event: about.clone(),
            created_at: now,
        });
    }
}

/// What an untrusted message's VEVENT would do, with the title and time it would have. An
/// occurrence change shows the occurrence's own time.
fn pending_change(
    action: &Action,
    existing: Option<crate::event::EventId>,
    next: &Event,
    incoming: &CalendarEvent,
) -> PendingChange {
    let details = if incoming.recurrence_id.is_some() && incoming.start.is_some() {
        incoming
    } else {
        &next.details
    };
    let when = crate::present::when_text(details.start.as_ref(), details.end.as_ref());
    PendingChange::new(action, existing, next.title(), when)
}

/// What every invitee's calendar must be told about this change, if anything.
fn fan_out_for(
    action: &Action,
    before: Option<&Event>,
    incoming: &CalendarEvent,
) -> Option<FanOut> {
    let occurrence = || incoming.recurrence_id.clone();
    match action {
        Action::Create => None,
        Action::Update { .. } => {
            let reconfirm = before.is_some_and(|b| time_changed(&b.details, incoming));
            Some(FanOut::Update { reconfirm })
        }
        Action::Cancel => Some(FanOut::Cancel),
        Action::CancelOccurrence { .. } => {
            occurrence().map(|recurrence_id| FanOut::CancelOccurrence { recurrence_id })
        }
        Action::UpdateOccurrence { .. } => {
            occurrence().map(|recurrence_id| FanOut::UpdateOccurrence { recurrence_id })
        }
    }
}

/// A new time, date or recurrence asks invitees to confirm again; new text or a new place
/// keeps their answer.
fn time_changed(before: &CalendarEvent, after: &CalendarEvent) -> bool {
    let instant = |t: &Option<TimeValue>| t.as_ref().map(TimeValue::to_contract_string);
    instant(&before.start) != instant(&after.start)
        || instant(&before.end) != instant(&after.end)
        || before.rrule != after.rrule
        || before.rdates != after.rdates
        || before.exdates != after.exdates
}

fn notice_for(action: &Action) -> Notice {
    match action {
        Action::Create => Notice::EventCreated { sign_in: None },
        Action::Update { from, .. } => Notice::EventUpdated {
            from_sequence: *from,
        },
        Action::UpdateOccurrence { recurrence_id } => Notice::OccurrenceUpdated {
            recurrence_id: recurrence_id.clone(),
        },
        Action::Cancel => Notice::EventCancelled,
        Action::CancelOccurrence { recurrence_id } => Notice::OccurrenceCancelled {
            recurrence_id: recurrence_id.clone(),
        },
    }
}
