//! iTIP (RFC 5546) for the organizer's inbox, as a pure function: given the stored event (if
//! any) and one incoming VEVENT, what should happen. No I/O, no clock, no randomness: the use
//! case in `ingest` supplies those and applies the result.

use crate::event::{CancelledOccurrence, Event, EventId, EventState, normalize_email};
use crate::ical::{CalendarEvent, Method, TimeValue};
use crate::usecase::delegation::{self, Delegation};
use chrono::{DateTime, Utc};
use thiserror::Error;

/// What an accepted VEVENT does to the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    Update {
        from: i64,
        to: i64,
    },
    UpdateOccurrence {
        recurrence_id: String,
    },
    Cancel,
    CancelOccurrence {
        recurrence_id: String,
    },
    /// A CANCEL for an event Rollcall does not know (yet): it is remembered as a cancelled
    /// placeholder, so that its REQUEST arriving late with the same or an older SEQUENCE is
    /// recognised as stale instead of bringing the event back (RFC 5546 §2.1.5 ordering).
    RememberCancel,
}

/// Who sent an accepted VEVENT, as far as the calendar data and the organizer's allowances
/// say. Whether the sender was *authenticated* is the receiving adapter's verdict
/// ([`crate::usecase::ingest::SenderTrust`]), judged beside this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acting {
    /// The From address is the ORGANIZER's own.
    Organizer,
    /// The From address is the ORGANIZER's SENT-BY; `allowed` when the organizer has allowed
    /// this delegate for this event (or for all of theirs). An unallowed delegate's message
    /// waits for the organizer's confirmation like an unauthenticated one.
    Delegate { address: String, allowed: bool },
}

/// What an accepted VEVENT does, and on whose word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    pub acting: Acting,
}

/// Why a VEVENT changes nothing. These are verdicts on the input, recorded and acknowledged,
/// never retried.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ItipError {
    #[error("calendar event has no UID")]
    MissingUid,
    #[error("calendar event has no ORGANIZER with a mail address")]
    MissingOrganizer,
    #[error("sender {sender} is not the organizer {organizer} (nor its SENT-BY)")]
    SenderIsNotOrganizer { sender: String, organizer: String },
    #[error("the message has no From address to check against the organizer")]
    NoSender,
    #[error("RRULE has both COUNT and UNTIL, which RFC 5545 §3.3.10 forbids")]
    RruleCountAndUntil,
    #[error("DTEND {end} is before DTSTART {start}")]
    EndBeforeStart { start: String, end: String },
    #[error("METHOD:{0} is not something an organizer sends to this address")]
    UnsupportedMethod(String),
    #[error("stale sequence {incoming} < {current}")]
    StaleSequence { incoming: i64, current: i64 },
    #[error("already have sequence {sequence} with the same or a newer DTSTAMP")]
    Duplicate { sequence: i64 },
    #[error(
        "the event was cancelled at sequence {current} before Rollcall saw it; only a higher SEQUENCE brings it back (got {incoming})"
    )]
    CancelledAt { incoming: i64, current: i64 },
    #[error("cancellation for an event Rollcall does not know")]
    CancelForUnknownEvent,
    #[error("occurrence update for an event Rollcall does not know")]
    OccurrenceForUnknownEvent,
    #[error("event {0} is already cancelled")]
    AlreadyCancelled(EventId),
    #[error(
        "METHOD:ADD (extra occurrences) is not supported yet; the organizer's next REQUEST with the whole series will apply"
    )]
    AddUnsupported,
}

/// Who the message says it is from, and what the organizers concerned have allowed.
#[derive(Debug, Clone, Copy)]
pub struct Sender<'a> {
    /// The From address; `None` when the message had no usable From (which acts for nobody).
    pub email: Option<&'a str>,
    /// The delegations the organizer of the VEVENT has allowed (the caller reads them from
    /// the store; none is fine when the sender is the organizer).
    pub delegations: &'a [Delegation],
}

impl<'a> Sender<'a> {
    /// A sender with no delegations on record.
    pub fn from(email: Option<&'a str>) -> Sender<'a> {
        Sender {
            email,
            delegations: &[],
        }
    }
}

/// Decides what `incoming` (under `method`) does, given the event stored for its
/// (organizer, UID), if any, and on whose word.
pub fn decide(
    existing: Option<&Event>,
    method: Option<&Method>,
    incoming: &CalendarEvent,
    sender: Sender<'_>,
) -> Result<Decision, ItipError> {
    let acting = acting(method, incoming, sender)?;
    let action = decide_action(existing, method, incoming)?;
    Ok(Decision { action, acting })
}

/// Checks the method, UID and ORGANIZER, and says who is acting: the organizer, or its
/// SENT-BY delegate (RFC 5546 §3.2 / RFC 6047 §3: only they send REQUEST and CANCEL).
fn acting(
    method: Option<&Method>,
    incoming: &CalendarEvent,
    sender: Sender<'_>,
) -> Result<Acting, ItipError> {
    // A calendar without METHOD (a plain exported .ics) is read like PUBLISH. The method is
    // judged first: a REPLY comes from an attendee, and "not the organizer" would mislead.
    let method = method.cloned().unwrap_or(Method::Publish);
    match method {
        Method::Request | Method::Publish | Method::Cancel => {}
        Method::Add => return Err(ItipError::AddUnsupported),
        other => return Err(ItipError::UnsupportedMethod(other.as_str().to_string())),
    }
    incoming
        .uid
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or(ItipError::MissingUid)?;
    let organizer = incoming
        .organizer
        .as_ref()
        .ok_or(ItipError::MissingOrganizer)?;
    let organizer_email = organizer
        .email
        .as_deref()
        .ok_or(ItipError::MissingOrganizer)?;
    let sender_email = normalize_email(sender.email.ok_or(ItipError::NoSender)?);
    if normalize_email(organizer_email) == sender_email {
        return Ok(Acting::Organizer);
    }
    let delegate = organizer
        .sent_by
        .as_deref()
        .map(normalize_email)
        .filter(|d| *d == sender_email)
        .ok_or_else(|| ItipError::SenderIsNotOrganizer {
            sender: sender_email.clone(),
            organizer: organizer_email.to_string(),
        })?;
    let uid = incoming.uid.as_deref().unwrap_or_default();
    let allowed = delegation::allowed(sender.delegations, organizer_email, &delegate, uid);
    Ok(Acting::Delegate {
        address: delegate,
        allowed,
    })
}

/// What the VEVENT does to the stored event, by iTIP ordering.
fn decide_action(
    existing: Option<&Event>,
    method: Option<&Method>,
    incoming: &CalendarEvent,
) -> Result<Action, ItipError> {
    let method = method.cloned().unwrap_or(Method::Publish);
    if method != Method::Cancel {
        check_well_formed(incoming)?;
    }
    let occurrence = incoming
        .recurrence_id
        .as_ref()
        .map(|r| r.to_contract_string());
    let Some(event) = existing else {
        return match (method, occurrence) {
            (Method::Cancel, None) => Ok(Action::RememberCancel),
            (Method::Cancel, Some(_)) => Err(ItipError::CancelForUnknownEvent),
            (_, Some(_)) => Err(ItipError::OccurrenceForUnknownEvent),
            (_, None) => Ok(Action::Create),
        };
    };
    let cancelled = event.state == EventState::Cancelled;
    match (method, occurrence) {
        // A REQUEST with a higher SEQUENCE after CANCEL re-instates the event (RFC 5546 §2.1.5
        // leaves this to the organizer's client; Outlook and Google do send it).
        (Method::Request | Method::Publish, None) => {
            // An event known only from its cancellation: any REQUEST at the cancelled
            // SEQUENCE or below may be the very invitation the CANCEL withdrew, arriving
            // late, whatever its DTSTAMP says; only a new SEQUENCE is a new version. (A known
            // event cancelled at the same SEQUENCE is ordered by DTSTAMP as usual.)
            if event.placeholder && incoming.sequence <= event.sequence {
                return Err(ItipError::CancelledAt {
                    incoming: incoming.sequence,
                    current: event.sequence,
                });
            }
            check_newer(event.sequence, event.dtstamp, incoming)?;
            Ok(Action::Update {
                from: event.sequence,
                to: incoming.sequence,
            })
        }
        (_, Some(_)) | (Method::Cancel, None) if cancelled => {
            Err(ItipError::AlreadyCancelled(event.id.clone()))
        }
        (Method::Cancel, None) => {
            check_not_older(event.sequence, event.dtstamp, incoming)?;
            Ok(Action::Cancel)
        }
        (other, None) => Err(ItipError::UnsupportedMethod(other.as_str().to_string())),
        (method, Some(recurrence_id)) => {
            // An occurrence is ordered against its own last version (override or cancellation),
            // or against the series when it has none.
            let version = occurrence_version(event, &recurrence_id);
            if method == Method::Cancel {
                let (sequence, dtstamp) = version.unwrap_or((event.sequence, event.dtstamp));
                check_not_older(sequence, dtstamp, incoming)?;
                Ok(Action::CancelOccurrence { recurrence_id })
            } else {
                if let Some((sequence, dtstamp)) = version {
                    check_newer(sequence, dtstamp, incoming)?;
                }
                Ok(Action::UpdateOccurrence { recurrence_id })
            }
        }
    }
}

/// Refuses what RFC 5545 says no calendar may hold, before it reaches a page or an invitee's
/// calendar: an RRULE with both COUNT and UNTIL (§3.3.10), an end before the start (§3.6.1).
fn check_well_formed(incoming: &CalendarEvent) -> Result<(), ItipError> {
    if let Some(rrule) = &incoming.rrule {
        let has = |name: &str| {
            rrule.split(';').any(|part| {
                part.split_once('=')
                    .is_some_and(|(key, _)| key.trim().eq_ignore_ascii_case(name))
            })
        };
        if has("COUNT") && has("UNTIL") {
            return Err(ItipError::RruleCountAndUntil);
        }
    }
    if let (Some(start), Some(end)) = (&incoming.start, &incoming.end)
        && ends_before_start(start, end)
    {
        return Err(ItipError::EndBeforeStart {
            start: start.to_contract_string(),
            end: end.to_contract_string(),
        });
    }
    Ok(())
}

/// Compares on the timeline when both times are on it, else by their clock times (floating
/// and all-day values, or a zone nobody defines, mean the same clock wherever they are).
fn ends_before_start(start: &TimeValue, end: &TimeValue) -> bool {
    match (start.utc(), end.utc()) {
        (Some(start), Some(end)) => end < start,
        _ => end.local() < start.local(),
    }
}

/// The SEQUENCE and DTSTAMP of the latest version of one occurrence Rollcall holds.
fn occurrence_version(event: &Event, recurrence_id: &str) -> Option<(i64, Option<DateTime<Utc>>)> {
    let cancelled = event
        .cancelled_occurrences
        .iter()
        .find(|c| c.recurrence_id == recurrence_id)
        .map(|c| (c.sequence, c.dtstamp));
    let overridden = event
        .overrides
        .iter()
        .find(|o| rid_of(o).as_deref() == Some(recurrence_id))
        .map(|o| (o.sequence, o.dtstamp));
    cancelled
        .into_iter()
        .chain(overridden)
        .max_by_key(|(sequence, dtstamp)| (*sequence, *dtstamp))
}

fn rid_of(event: &CalendarEvent) -> Option<String> {
    event.recurrence_id.as_ref().map(|r| r.to_contract_string())
}

/// RFC 5546 §2.1.5: a higher SEQUENCE wins; at the same SEQUENCE, a later DTSTAMP wins.
fn check_newer(
    sequence: i64,
    dtstamp: Option<DateTime<Utc>>,
    incoming: &CalendarEvent,
) -> Result<(), ItipError> {
    if incoming.sequence < sequence {
        return Err(ItipError::StaleSequence {
            incoming: incoming.sequence,
            current: sequence,
        });
    }
    if incoming.sequence == sequence && !is_later(incoming.dtstamp, dtstamp) {
        return Err(ItipError::Duplicate { sequence });
    }
    Ok(())
}

/// A CANCEL carries the SEQUENCE of the version it cancels (or a higher one); at the same
/// SEQUENCE it must not be older than that version.
fn check_not_older(
    sequence: i64,
    dtstamp: Option<DateTime<Utc>>,
    incoming: &CalendarEvent,
) -> Result<(), ItipError> {
    if incoming.sequence < sequence {
        return Err(ItipError::StaleSequence {
            incoming: incoming.sequence,
            current: sequence,
        });
    }
    if incoming.sequence == sequence
        && let (Some(incoming), Some(current)) = (incoming.dtstamp, dtstamp)
        && incoming < current
    {
        return Err(ItipError::Duplicate { sequence });
    }
    Ok(())
}

fn is_later(incoming: Option<DateTime<Utc>>, current: Option<DateTime<Utc>>) -> bool {
    match (incoming, current) {
        (Some(incoming), Some(current)) => incoming > current,
        // Without DTSTAMPs to compare, a resend at the same SEQUENCE is a duplicate.
        _ => false,
    }
}

/// What the new event looks like after `action`. `existing` is `None` only for `Create`.
pub fn apply(
    existing: Option<Event>,
    action: &Action,
    incoming: &CalendarEvent,
    producer: Option<&str>,
    new_id: impl FnOnce() -> EventId,
    now: DateTime<Utc>,
) -> Event {
    let organizer = incoming.organizer.as_ref();
    match (existing, action) {
        (Some(mut event), Action::Update { to, .. }) => {
            // The first real version of an event known only from its cancellation is its
            // start, not an update.
            event.state = if event.placeholder {
                EventState::Active
            } else {
                EventState::Updated
            };
            event.placeholder = false;
            event.sequence = *to;
            event.dtstamp = incoming.dtstamp;
            event.details = incoming.clone();
            event.organizer_name = organizer
                .and_then(|o| o.name.clone())
                .or(event.organizer_name);
            event.producer = producer.map(str::to_string).or(event.producer);
            touch(event, now)
        }
        (Some(mut event), Action::UpdateOccurrence { recurrence_id }) => {
            // A newer version of a cancelled occurrence brings it back.
            event
                .cancelled_occurrences
                .retain(|c| &c.recurrence_id != recurrence_id);
            event
                .overrides
                .retain(|o| rid_of(o).as_deref() != Some(recurrence_id));
            event.overrides.push(incoming.clone());
            event.state = EventState::Updated;
            touch(event, now)
        }
        (Some(mut event), Action::Cancel) => {
            event.state = EventState::Cancelled;
            event.sequence = event.sequence.max(incoming.sequence);
            // Kept so that a delayed REQUEST at the same SEQUENCE is recognised as older.
            event.dtstamp = event.dtstamp.max(incoming.dtstamp);
            touch(event, now)
        }
        (Some(mut event), Action::CancelOccurrence { recurrence_id }) => {
            event
                .overrides
                .retain(|o| rid_of(o).as_deref() != Some(recurrence_id));
            event
                .cancelled_occurrences
                .retain(|c| &c.recurrence_id != recurrence_id);
            event.cancelled_occurrences.push(CancelledOccurrence {
                recurrence_id: recurrence_id.clone(),
                sequence: incoming.sequence,
                dtstamp: incoming.dtstamp,
                at: incoming.recurrence_id.clone(),
            });
            event.state = EventState::Updated;
            touch(event, now)
        }
        (_, Action::RememberCancel) => Event {
            state: EventState::Cancelled,
            placeholder: true,
            ..new_event(incoming, producer, new_id, now)
        },
        (_, _) => new_event(incoming, producer, new_id, now),
    }
}

fn new_event(
    incoming: &CalendarEvent,
    producer: Option<&str>,
    new_id: impl FnOnce() -> EventId,
    now: DateTime<Utc>,
) -> Event {
    let organizer = incoming.organizer.as_ref();
    Event {
        id: new_id(),
        organizer_email: organizer
            .and_then(|o| o.email.as_deref())
            .map(normalize_email)
            .unwrap_or_default(),
        organizer_name: organizer.and_then(|o| o.name.clone()),
        uid: incoming.uid.clone().unwrap_or_default(),
        sequence: incoming.sequence,
        dtstamp: incoming.dtstamp,
        state: EventState::Active,
        details: incoming.clone(),
        overrides: Vec::new(),
        cancelled_occurrences: Vec::new(),
        producer: producer.map(str::to_string),
        created_at: now,
        updated_at: now,
        version: 1,
        placeholder: false,
    }
}

fn touch(mut event: Event, now: DateTime<Utc>) -> Event {
    event.updated_at = now;
    event.version += 1;
    event
}
