//! Mail Rollcall owes someone, as data: written to the outbox in the same transaction as the
//! change that caused it, and rendered only when it is sent.

use crate::event::Event;
use crate::imip::Mailbox;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// The acknowledgement for a new event: what Rollcall understood, and the public link.
    EventCreated,
    EventUpdated {
        from_sequence: i64,
    },
    EventCancelled,
    OccurrenceUpdated {
        recurrence_id: String,
    },
    OccurrenceCancelled {
        recurrence_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Derived from what caused it (inbound message id + position), so a repeated commit of the
    /// same cause cannot queue a second copy.
    pub id: String,
    pub to: Mailbox,
    pub notice: Notice,
    /// The event as it was right after the change, so the mail says what happened then.
    pub event: Event,
    pub created_at: DateTime<Utc>,
}
