//! The event Rollcall tracks for an organizer: one per (organizer, UID).

use crate::ical::{CalendarEvent, TimeValue};
use chrono::{DateTime, Utc};
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

/// One cancelled occurrence of a recurring event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelledOccurrence {
    /// The RECURRENCE-ID as a contract string (`2026-03-12T15:00:00Z`).
    pub recurrence_id: String,
    pub sequence: i64,
    pub dtstamp: Option<DateTime<Utc>>,
}

/// Lower-cases an address for use as a key. Addresses are compared case-insensitively in
/// practice, whatever RFC 5321 says about local parts.
pub fn normalize_email(address: &str) -> String {
    address.trim().to_ascii_lowercase()
}
