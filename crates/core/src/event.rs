//! The event Rollcall tracks for an organizer: one per (organizer, UID).

use crate::ical::{CalendarEvent, TimeValue};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The public, unguessable id in `/e/<event_id>`. URL-safe by construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(String);

impl EventId {
    pub const LEN: usize = 12;
    const ALPHABET: &'static [u8] = b"23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";

    /// Builds an id from random bytes (one per character); callers pass CSPRNG output.
    /// 12 characters from a 57-letter alphabet carry about 70 bits: enough that ids cannot be
    /// enumerated, short enough to read aloud.
    pub fn from_random(bytes: [u8; Self::LEN]) -> EventId {
        let alphabet = Self::ALPHABET;
        EventId(
            bytes
                .iter()
                .map(|b| alphabet[*b as usize % alphabet.len()] as char)
                .collect(),
        )
    }

    /// Accepts only strings that could be an id, so a path segment never reaches the store raw.
    pub fn parse(text: &str) -> Option<EventId> {
        (text.len() == Self::LEN && text.bytes().all(|b| Self::ALPHABET.contains(&b)))
            .then(|| EventId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The empty id, which [`EventId::parse`] never returns, so no stored event has it: what
    /// an outbox job about an address rather than an event carries (a sign-in request).
    pub const NONE: EventId = EventId(String::new());
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// DESIGN §3, the event model: active → updated (n times) → cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventState {
    Active,
    Updated,
    Cancelled,
}

impl EventState {
    pub fn as_str(self) -> &'static str {
        match self {
            EventState::Active => "active",
            EventState::Updated => "updated",
            EventState::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    /// Lower-cased organizer address: half of the (organizer, UID) key.
    pub organizer_email: String,
    pub organizer_name: Option<String>,
    pub uid: String,
    pub sequence: i64,
    pub dtstamp: Option<DateTime<Utc>>,
    pub state: EventState,
    /// The organizer's latest version of the (master) VEVENT.
    pub details: CalendarEvent,
    /// Overrides of single occurrences (VEVENTs with RECURRENCE-ID), latest per occurrence.
    pub overrides: Vec<CalendarEvent>,
    /// Occurrences the organizer cancelled, with the version of the cancellation.
    pub cancelled_occurrences: Vec<CancelledOccurrence>,
    pub producer: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every write; stores refuse a write whose expected version is not current.
    pub version: u64,
    /// Known only from a CANCEL that came before its REQUEST: kept (cancelled) so that the
    /// late REQUEST is recognised as stale; its first real version is announced like a new
    /// event.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub placeholder: bool,
}

impl Event {
    /// The event of a job that is about no event: empty, with an id no stored event has
    /// ([`EventId::NONE`]). The outbox keeps one event per item; a sign-in request must not
    /// read the address's events to fill it in (that is the work it leaves to the sender),
    /// and a dispatch of change records carries what it is about in the records.
    pub fn none(now: DateTime<Utc>) -> Event {
        Event {
            id: EventId::NONE,
            organizer_email: String::new(),
            organizer_name: None,
            uid: String::new(),
            sequence: 0,
            dtstamp: None,
            state: EventState::Active,
            details: CalendarEvent::default(),
            overrides: Vec::new(),
            cancelled_occurrences: Vec::new(),
            producer: None,
            created_at: now,
            updated_at: now,
            version: 0,
            placeholder: false,
        }
    }

    pub fn title(&self) -> &str {
        self.details
            .summary
            .as_deref()
            .unwrap_or("(untitled event)")
    }

    pub fn start(&self) -> Option<&TimeValue> {
        self.details.start.as_ref()
    }
}

/// What the organizer changed in single occurrences of a series since it began: the overrides
/// of moved or edited occurrences and the cancelled ones. Every copy of the whole series
/// Rollcall writes or shows carries them, so none brings a cancelled date back or loses a move.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exceptions<'a> {
    pub overrides: &'a [CalendarEvent],
    pub cancelled: &'a [CancelledOccurrence],
}

impl<'a> Exceptions<'a> {
    pub fn of(event: &'a Event) -> Exceptions<'a> {
        Exceptions {
            overrides: &event.overrides,
            cancelled: &event.cancelled_occurrences,
        }
    }

    /// Whether the occurrence with this RECURRENCE-ID (a contract string) was cancelled.
    pub fn is_cancelled(&self, recurrence_id: &str) -> bool {
        self.cancelled
            .iter()
            .any(|c| c.recurrence_id == recurrence_id)
    }

    /// The organizer's override of the occurrence with this RECURRENCE-ID, unless cancelled.
    pub fn moved(&self, recurrence_id: &str) -> Option<&'a CalendarEvent> {
        if self.is_cancelled(recurrence_id) {
            return None;
        }
        self.overrides.iter().find(|o| {
            o.recurrence_id
                .as_ref()
                .is_some_and(|rid| rid.to_contract_string() == recurrence_id)
        })
    }
}

/// One cancelled occurrence of a recurring event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelledOccurrence {
    /// The RECURRENCE-ID as a contract string (`2026-03-12T15:00:00Z`).
    pub recurrence_id: String,
    pub sequence: i64,
    pub dtstamp: Option<DateTime<Utc>>,
    /// The RECURRENCE-ID as the organizer's calendar wrote it (zone and wall time), so that a
    /// copy written later can name the occurrence the same way. Events stored before it was
    /// kept have only the contract string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<TimeValue>,
}

impl CancelledOccurrence {
    /// The occurrence's time: as the organizer wrote it, else read back from the contract
    /// string (an instant in UTC, a date, or a wall time).
    pub fn time(&self) -> Option<TimeValue> {
        if let Some(at) = &self.at {
            return Some(at.clone());
        }
        let text = self.recurrence_id.as_str();
        if let Some(utc) = text.strip_suffix('Z') {
            let utc = NaiveDateTime::parse_from_str(utc, "%Y-%m-%dT%H:%M:%S").ok()?;
            return Some(TimeValue::Zoned {
                utc: utc.and_utc(),
                local: utc,
                tzid: "UTC".to_string(),
                source_tzid: None,
            });
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(TimeValue::Date(date));
        }
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
            .ok()
            .map(TimeValue::Floating)
    }
}

/// Lower-cases an address for use as a key. Addresses are compared case-insensitively in
/// practice, whatever RFC 5321 says about local parts.
pub fn normalize_email(address: &str) -> String {
    address.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cancelled(recurrence_id: &str) -> CancelledOccurrence {
        CancelledOccurrence {
            recurrence_id: recurrence_id.into(),
            sequence: 1,
            dtstamp: None,
            at: None,
        }
    }

    #[test]
    fn an_occurrence_cancelled_before_its_time_was_kept_reads_back_from_its_contract_string() {
        let utc = cancelled("2027-03-12T15:00:00Z").time().expect("a time");
        assert_eq!(utc.to_contract_string(), "2027-03-12T15:00:00Z");
        assert!(utc.utc().is_some(), "on the timeline");
        let date = cancelled("2027-03-12").time().expect("a date");
        assert!(date.is_date());
        let floating = cancelled("2027-03-12T15:00:00")
            .time()
            .expect("a wall time");
        assert_eq!(floating, TimeValue::Floating(floating.local()));
        assert_eq!(cancelled("nonsense").time(), None);
    }
}
