//! Mail to `rsvp+<key>@`: an invitee's calendar answering (iTIP REPLY) or proposing another
//! time (COUNTER). The key alone says who is answering; the ATTENDEE line is only recorded.

use super::{ignored, record};
use crate::event::{Event, EventState, Exceptions, normalize_email};
use crate::ical::{Attendee, Method, TimeValue};
use crate::imip::{Dsn, ReadMessage};
use crate::invitee::{Invitee, InviteeId};
use crate::outcome::{EventResult, Outcome};
use crate::ports::{Commit, SignalRecord, Store, StoreError};
use crate::recurrence::{self, OccurrenceState};
use crate::status::{Answer, Channel, Provenance, Signal, SignalKind};
use crate::tracking::{Tracked, track};
use chrono::{DateTime, Utc};

pub(super) async fn plan(
    id: &str,
    read: &ReadMessage,
    invitee_id: Option<&InviteeId>,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Commit, StoreError> {
    let unknown = "reply address does not belong to any invitee";
    let Some(invitee_id) = invitee_id else {
        return Ok(ignored(id, read, unknown, now));
    };
    let Some(mut invitee) = store.invitee(invitee_id).await? else {
        return Ok(ignored(id, read, unknown, now));
    };
    let Some(event) = store.event(&invitee.event_id).await? else {
        return Ok(ignored(id, read, unknown, now));
    };
    if event.state == EventState::Cancelled {
        let reason = format!("event {} is cancelled; the reply changes nothing", event.id);
        return Ok(ignored(id, read, reason, now));
    }
    let expected = invitee.version;
    let mut tracked = Tracked::default();
    let mut results = Vec::new();
    // Expanded once, for the first reply that names an occurrence.
    let mut occurrences: Option<Vec<String>> = None;
    for (n, (method, vevent)) in read.events().enumerate() {
        let base = Signal {
            dedupe_key: format!("reply:{id}:{n}"),
            kind: SignalKind::Listed,
            // When the answer was given, by the client's clock; never later than its arrival,
            // so a skewed clock cannot pin an answer above every later one.
            occurred_at: vevent.dtstamp.map_or(now, |t| t.min(now)),
            received_at: now,
            channel: Channel::CalendarReply,
            provenance: Provenance {
                message_id: read.message_id.clone(),
                producer: read
                    .calendars
                    .iter()
                    .find_map(|c| c.object.producer.clone()),
                sender_auth: None,
                note: None,
                mail: None,
            },
            comment: (!vevent.comments.is_empty()).then(|| vevent.comments.join("\n")),
        };
        let attendee = answering_attendee(&vevent.attendees, &invitee);
        let mut notes = Vec::new();
        if let Some(address) = attendee
            .and_then(|a| a.email.as_deref())
            .filter(|a| normalize_email(a) != invitee.email)
        {
            notes.push(format!(
                "replied as {address}, invited as {}; applied to the invited address",
                invitee.email
            ));
        }
        let (kind, summary) = match method {
            Some(Method::Reply) => {
                let Some(answer) = attendee
                    .and_then(|a| a.partstat.as_deref())
                    .and_then(Answer::parse)
                else {
                    results.push(EventResult::Ignored {
                        reason: "REPLY without an ATTENDEE answer (PARTSTAT)".into(),
                    });
                    continue;
                };
                (SignalKind::Answer(answer), answer.as_str().to_string())
            }
            Some(Method::Counter) => {
                let kind = SignalKind::Counter {
                    proposed_start: vevent.start.as_ref().map(TimeValue::to_contract_string),
                    proposed_end: vevent.end.as_ref().map(TimeValue::to_contract_string),
                    comment: base.comment.clone(),
                };
                (kind, "proposed a new time".to_string())
            }
            other => {
                let method = other.map_or("none", Method::as_str);
                results.push(EventResult::Ignored {
                    reason: format!("METHOD:{method} is not an answer (REPLY or COUNTER)"),
                });
                continue;
            }
        };
        let occurrence_id = vevent
            .recurrence_id
            .as_ref()
            .map(TimeValue::to_contract_string);
        let current = invitee.current_sequence(occurrence_id.as_deref());
        // RFC 5546 §2.1.5: a reply below the SEQUENCE they were last sent answers a version
        // that no longer stands (an accept of the old time after a move). SEQUENCE 0 is what
        // a client that leaves the property out means, and Rollcall's first copy is 1, so 0
        // names no version and counts.
        if vevent.sequence > 0 && vevent.sequence < current {
            notes.push(format!(
                "answered an earlier version (SEQUENCE {}; the current one is {current}); \
                 not counted",
                vevent.sequence
            ));
            tracked.records.push(SignalRecord {
                event_id: invitee.event_id.clone(),
                invitee_id: invitee.id.clone(),
                signal: Signal {
                    kind,
                    provenance: Provenance {
                        note: Some(notes.join("; ")),
                        ..base.provenance.clone()
                    },
                    ..base
                },
                effect: "answered an earlier version".into(),
            });
            results.push(EventResult::Replied {
                event_id: event.id.clone(),
                invitee: invitee.email.clone(),
                answer: format!("{summary} (an earlier version; not counted)"),
            });
            continue;
        }
        let kind = match (&occurrence_id, kind) {
            (None, kind) => kind,
            // "This event only": the answer for that occurrence; the series answer stays.
            (Some(occurrence), SignalKind::Answer(answer))
                if occurrences
                    .get_or_insert_with(|| live_occurrences(&event))
                    .contains(occurrence) =>
            {
                SignalKind::OccurrenceAnswer {
                    occurrence: occurrence.clone(),
                    answer,
                }
            }
            // A proposal for one occurrence, or an answer for a date the series does not have
            // (or no longer has): kept in the history, counted nowhere.
            (Some(occurrence), kind) => {
                let why = if matches!(kind, SignalKind::Counter { .. }) {
                    format!("a proposal for the occurrence of {occurrence}; recorded only")
                } else {
                    format!("{occurrence} is not an occurrence of this event; not counted")
                };
                notes.push(why);
                let signal = Signal {
                    kind,
                    provenance: Provenance {
                        note: Some(notes.join("; ")),
                        ..base.provenance.clone()
                    },
                    ..base
                };
                tracked.records.push(SignalRecord {
                    event_id: invitee.event_id.clone(),
                    invitee_id: invitee.id.clone(),
                    signal,
                    effect: "recorded for one occurrence".into(),
                });
                results.push(EventResult::Replied {
                    event_id: event.id.clone(),
                    invitee: invitee.email.clone(),
                    answer: format!("{summary} (one occurrence; not counted)"),
                });
                continue;
            }
        };
        let summary = match &occurrence_id {
            Some(occurrence) => format!("{summary} (for {occurrence} only)"),
            None => summary,
        };
        let note = (!notes.is_empty()).then(|| notes.join("; "));
        let signal = Signal {
            kind,
            provenance: Provenance {
                note,
                ..base.provenance.clone()
            },
            ..base
        };
        tracked.extend(track(&mut invitee, vec![signal]));
        results.push(EventResult::Replied {
            event_id: event.id.clone(),
            invitee: invitee.email.clone(),
            answer: summary,
        });
    }
    if results.is_empty() {
        results.push(EventResult::Ignored {
            reason: "no calendar event in the reply".into(),
        });
    }
    let message = Some(record(id, Some(read), Outcome::Processed(results), now));
    let commit = if tracked.records.is_empty() {
        Commit::default()
    } else {
        tracked.into_commit(&event, invitee, Some(expected), now)
    };
    Ok(Commit { message, ..commit })
}

/// The RECURRENCE-IDs of the series' occurrences that are not cancelled: the ones an answer
/// for one occurrence may name (a finished occurrence's answer still counts for the record).
fn live_occurrences(event: &Event) -> Vec<String> {
    recurrence::expand(&event.details, Exceptions::of(event))
        .into_iter()
        .filter(|o| o.state != OccurrenceState::Cancelled)
        .map(|o| o.id)
        .collect()
}

/// The ATTENDEE that is answering: the invited address if present, else the only one (Outlook
/// and Gmail reply with exactly one), else the first that carries an answer.
fn answering_attendee<'a>(attendees: &'a [Attendee], invitee: &Invitee) -> Option<&'a Attendee> {
    attendees
        .iter()
        .find(|a| {
            a.email.as_deref().map(normalize_email).as_deref() == Some(invitee.email.as_str())
        })
        .or_else(|| (attendees.len() == 1).then(|| &attendees[0]))
        .or_else(|| attendees.iter().find(|a| a.partstat.is_some()))
}

/// A bounce of one of this invitee's messages: a permanent failure makes the address
/// unreachable (nothing more is sent to it); delays and success reports change nothing.
pub(super) async fn plan_bounce(
    id: &str,
    dsn: &Dsn,
    invitee_id: Option<&InviteeId>,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Commit, StoreError> {
    let no_change = |reason: String| Commit {
        message: Some(record(
            id,
            None,
            Outcome::Processed(vec![EventResult::Ignored { reason }]),
            now,
        )),
        ..Commit::default()
    };
    let invitee = match invitee_id {
        Some(invitee_id) => store.invitee(invitee_id).await?,
        None => None,
    };
    let Some(mut invitee) = invitee else {
        return Ok(no_change(
            "delivery report for an address that belongs to no invitee".into(),
        ));
    };
    let (status, diagnostic) = match dsn {
        Dsn::PermanentFailure {
            status, diagnostic, ..
        } => (status.clone(), diagnostic.clone()),
        Dsn::Transient { status } => {
            return Ok(no_change(format!(
                "delivery delayed ({status}); the sending server keeps trying"
            )));
        }
        Dsn::Success => return Ok(no_change("delivery report: delivered".into())),
    };
    let expected = invitee.version;
    let mut signal = Signal::now(
        format!("bounce:{id}"),
        SignalKind::Bounced,
        Channel::Provider,
        now,
    );
    signal.provenance.note = Some(match &diagnostic {
        Some(diagnostic) => format!("permanent failure {status}: {diagnostic}"),
        None => format!("permanent failure {status}"),
    });
    let tracked = track(&mut invitee, vec![signal]);
    let result = EventResult::Bounced {
        event_id: invitee.event_id.clone(),
        invitee: invitee.email.clone(),
        status,
    };
    let commit = tracked
        .into_commit_reading_event(store, invitee, expected, now)
        .await?;
    Ok(Commit {
        message: Some(record(id, None, Outcome::Processed(vec![result]), now)),
        ..commit
    })
}
