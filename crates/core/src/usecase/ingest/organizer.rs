//! Mail to `invites@`: the organizer creates, updates or cancels events. Besides the events
//! themselves, a change queues the jobs that record the organizer's own attendees as invitees
//! and the fan-out that carries the change into every Rollcall invitee's calendar.

use super::untrusted::{self, Wait};
use super::{IngestSettings, SenderTrust, ignored, record};
use crate::change::{self, ChangeType};
use crate::event::{Event, EventId, normalize_email};
use crate::ical::{CalendarEvent, TimeValue};
use crate::imip::{Mailbox, ReadMessage};
use crate::itip::{self, Acting, Action, Decision, Sender};
use crate::notice::{AttendeeList, FanOut, ListedAttendee, Notice, OutboxMessage};
use crate::outcome::{EventResult, Outcome, PendingChange};
use crate::ports::{Commit, EventWrite, IdSource, Store, StoreError};
use crate::quota::{self, Quota};
use crate::status::{Answer, Provenance};
use crate::usecase::delegation::Delegation;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

type Key = (String, String);

/// One VEVENT of the message after iTIP has judged it, before the message's verdict (apply,
/// or wait for the organizer) is known.
// One per VEVENT of the message being planned, and gone with the plan: boxing the big
// variant would only add an allocation each.
#[allow(clippy::large_enum_variant)]
enum Planned<'a> {
    Accepted {
        decision: Decision,
        event_id: EventId,
        /// What it does, as a confirmation would show it.
        change: PendingChange,
        key: Key,
        incoming: &'a CalendarEvent,
        producer: Option<&'a str>,
        /// The event was known only from a cancellation: this is its real start.
        placeholder: bool,
        fan_out: Option<FanOut>,
    },
    Ignored(String),
}

/// Whether the message must wait for the organizer's word, and why: its sender was not
/// authenticated, or it was sent by a delegate (SENT-BY) the organizer has not allowed. A
/// message any of whose changes must wait, waits as a whole.
fn waiting(trust: &SenderTrust, planned: &[Planned<'_>]) -> Option<Wait> {
    let delegate = planned.iter().find_map(|p| match p {
        Planned::Accepted {
            decision:
                Decision {
                    acting: Acting::Delegate { address, allowed },
                    ..
                },
            ..
        } => Some((address.clone(), *allowed)),
        _ => None,
    });
    let unallowed = planned.iter().any(|p| {
        matches!(
            p,
            Planned::Accepted {
                decision: Decision {
                    acting: Acting::Delegate { allowed: false, .. },
                    ..
                },
                ..
            }
        )
    });
    let delegate_address = delegate.map(|(address, _)| address);
    match trust {
        SenderTrust::Confirmed => None,
        // Never planned (ingest drops such mail unread); were it, it would not act.
        SenderTrust::Untrusted(why) | SenderTrust::Dropped(why) => Some(Wait {
            reason: format!("sender not authenticated: {why}"),
            delegate: delegate_address,
        }),
        SenderTrust::Trusted(_) if unallowed => {
            let delegate = delegate_address.unwrap_or_default();
            Some(Wait {
                reason: format!(
                    "sent by {delegate} on the organizer's behalf (SENT-BY), a delegate the organizer has not allowed"
                ),
                delegate: Some(delegate),
            })
        }
        SenderTrust::Trusted(_) => None,
    }
}

pub(super) async fn plan(
    id: &str,
    read: &ReadMessage,
    trust: &SenderTrust,
    settings: &IngestSettings,
    store: &dyn Store,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<Commit, StoreError> {
    let from = read.from.as_ref().map(|m| normalize_email(&m.email));
    // Rollcall's own mail (an invitation that came back, a notice forwarded in) speaks for no
    // organizer: nothing it says may create or change an event.
    if let Some(from) = from.as_deref().filter(|f| settings.is_own_address(f)) {
        let reason = format!("mail from Rollcall's own address {from} is never an organizer's");
        return Ok(ignored(id, read, reason, now));
    }
    // Events touched by this message, by (organizer, UID): the version read from the store and
    // the state so far, so a master and its overrides in one message build on each other.
    let mut touched: HashMap<Key, (Option<u64>, Option<Event>)> = HashMap::new();
    let mut order: Vec<Key> = Vec::new();
    let mut planned: Vec<Planned<'_>> = Vec::new();
    // One message acts for one organizer: the first VEVENT's. A confirmation (and the
    // question a delegate's message raises) then has exactly one person to ask.
    let mut message_organizer: Option<String> = None;
    let mut delegations: Option<Vec<Delegation>> = None;
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
            if !key.0.is_empty() {
                if settings.is_own_address(&key.0) {
                    planned.push(Planned::Ignored(format!(
                        "the ORGANIZER {} is one of Rollcall's own addresses",
                        key.0
                    )));
                    continue;
                }
                match &message_organizer {
                    None => message_organizer = Some(key.0.clone()),
                    Some(first) if *first != key.0 => {
                        planned.push(Planned::Ignored(format!(
                            "one message acts for one organizer: this VEVENT names {}, an earlier one {first}",
                            key.0
                        )));
                        continue;
                    }
                    Some(_) => {}
                }
                // A sender other than the organizer can only be its delegate: read what the
                // organizer has allowed, once per message.
                if delegations.is_none() && from.as_deref() != Some(key.0.as_str()) {
                    delegations = Some(store.delegations_of(&key.0).await?);
                }
            }
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
            let sender = Sender {
                email: from.as_deref(),
                delegations: delegations.as_deref().unwrap_or_default(),
            };
            match itip::decide(current.as_ref(), method, incoming, sender) {
                Ok(decision) => {
                    let before = current.take();
                    let existing = before.as_ref().filter(|_| stored).map(|b| b.id.clone());
                    let placeholder = before.as_ref().is_some_and(|b| b.placeholder);
                    let fan_out = fan_out_for(&decision.action, before.as_ref(), incoming);
                    let action = decision.action.clone();
                    let next =
                        itip::apply(before, &action, incoming, producer, || ids.event_id(), now);
                    let change = pending_change(&action, existing, &next, incoming);
                    planned.push(Planned::Accepted {
                        decision,
                        event_id: next.id.clone(),
                        change,
                        key: key.clone(),
                        incoming,
                        producer,
                        placeholder,
                        fan_out,
                    });
                    *current = Some(next);
                }
                Err(error) => planned.push(Planned::Ignored(error.to_string())),
            }
        }
    }
    let wait = waiting(trust, &planned);
    if let Some(wait) = wait {
        // Nothing of the plan is committed: only its outcome, and the question to the
        // organizer (DESIGN §6).
        let organizer = planned.iter().find_map(|p| match p {
            Planned::Accepted { key, .. } => touched.get(key).and_then(|(_, e)| e.clone()),
            Planned::Ignored(_) => None,
        });
        let results = planned
            .into_iter()
            .map(|p| match p {
                // A cancellation of an unknown event is only remembered for a sender whose
                // word counts; it is not worth a question to the organizer.
                Planned::Accepted {
                    decision:
                        Decision {
                            action: Action::RememberCancel,
                            ..
                        },
                    ..
                } => EventResult::Ignored {
                    reason: "cancellation for an event Rollcall does not know; not remembered, as the sender's word does not count yet".to_string(),
                },
                Planned::Accepted { change, .. } => EventResult::AwaitingConfirmation {
                    reason: wait.reason.clone(),
                    delegate: wait.delegate.clone(),
                    change,
                },
                Planned::Ignored(reason) => EventResult::Ignored { reason },
            })
            .collect();
        return untrusted::awaiting_confirmation(
            id, read, results, &wait, organizer, settings, store, now,
        )
        .await;
    }
    // Every new event counts against its organizer's daily quota; one over it is not created
    // (nor anything else this message says about it).
    let mut over_quota: HashSet<Key> = HashSet::new();
    for entry in &planned {
        if let Planned::Accepted { decision, key, .. } = entry
            && decision.action == Action::Create
            && !quota::take(
                store,
                &settings.quotas,
                Quota::EventsCreated,
                &key.0,
                1,
                now,
            )
            .await?
        {
            over_quota.insert(key.clone());
        }
    }
    let mut results = Vec::new();
    let mut notices: Vec<(Notice, Key)> = Vec::new();
    let mut changes: Vec<(ChangeType, Option<String>, Key)> = Vec::new();
    let mut attendees: Vec<(Key, &CalendarEvent, Option<&str>)> = Vec::new();
    for entry in planned {
        match entry {
            Planned::Ignored(reason) => results.push(EventResult::Ignored { reason }),
            Planned::Accepted { key, .. } if over_quota.contains(&key) => {
                let refusal =
                    Quota::EventsCreated.refusal(&settings.quotas, "the event was not created");
                results.push(EventResult::Ignored { reason: refusal });
            }
            Planned::Accepted {
                decision,
                event_id,
                key,
                incoming,
                producer,
                placeholder,
                fan_out,
                ..
            } => {
                let action = &decision.action;
                results.push(EventResult::applied(action, event_id));
                if let Some(notice) = notice_for(action, placeholder) {
                    notices.push((notice, key.clone()));
                }
                if let Some((kind, occurrence)) = change_for(action, placeholder) {
                    changes.push((kind, occurrence, key.clone()));
                }
                if let Some(fan_out) = fan_out {
                    notices.push((Notice::FanOut(fan_out), key.clone()));
                }
                if matches!(action, Action::Create | Action::Update { .. }) {
                    attendees.push((key, incoming, producer));
                }
            }
        }
    }
    let mut commit = Commit {
        message: Some(record(id, Some(read), Outcome::Processed(results), now)),
        ..Commit::default()
    };
    for key in order.iter().filter(|k| !over_quota.contains(*k)) {
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
    for (kind, occurrence, key) in changes {
        if let Some((_, Some(event))) = touched.get(&key) {
            let occurrence = occurrence.as_deref();
            let record = change::event_changed(kind, event, occurrence, id, now);
            commit.changes.push(record);
        }
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
        mail: None,
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
    let key = (next.organizer_email.as_str(), next.uid.as_str());
    PendingChange::new(action, existing, key, next.title(), when)
}

/// What every invitee's calendar must be told about this change, if anything.
fn fan_out_for(
    action: &Action,
    before: Option<&Event>,
    incoming: &CalendarEvent,
) -> Option<FanOut> {
    let occurrence = || incoming.recurrence_id.clone();
    // A placeholder has no invitees to tell.
    if before.is_some_and(|b| b.placeholder) {
        return None;
    }
    match action {
        Action::Create | Action::RememberCancel => None,
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

/// What the organizer is told about the change; nothing for a remembered cancellation (it
/// concerns an event they were never told about).
/// What the organizer's stream says of `action`, like [`notice_for`]: a cancellation that
/// only arrived before its event is nothing yet.
fn change_for(action: &Action, placeholder: bool) -> Option<(ChangeType, Option<String>)> {
    Some(match action {
        Action::Create => (ChangeType::EventCreated, None),
        Action::Update { .. } if placeholder => (ChangeType::EventCreated, None),
        Action::RememberCancel => return None,
        Action::Update { .. } => (ChangeType::EventUpdated, None),
        Action::UpdateOccurrence { recurrence_id } => {
            (ChangeType::OccurrenceUpdated, Some(recurrence_id.clone()))
        }
        Action::Cancel => (ChangeType::EventCancelled, None),
        Action::CancelOccurrence { recurrence_id } => {
            (ChangeType::OccurrenceCancelled, Some(recurrence_id.clone()))
        }
    })
}

fn notice_for(action: &Action, placeholder: bool) -> Option<Notice> {
    Some(match action {
        Action::Create => Notice::EventCreated { sign_in: None },
        // The first real version of an event known only from its cancellation.
        Action::Update { .. } if placeholder => Notice::EventCreated { sign_in: None },
        Action::RememberCancel => return None,
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
    })
}
