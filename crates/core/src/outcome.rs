//! What happened to one inbound message, in words a user can act on. Recorded for every
//! message and shown by `rollcall inbox`.

use crate::event::EventId;
use crate::itip::{Action, ItipError};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventResult {
    Created {
        event_id: EventId,
    },
    Updated {
        event_id: EventId,
        from: i64,
        to: i64,
    },
    UpdatedOccurrence {
        event_id: EventId,
        recurrence_id: String,
    },
    Cancelled {
        event_id: EventId,
    },
    CancelledOccurrence {
        event_id: EventId,
        recurrence_id: String,
    },
    /// The VEVENT changed nothing; the text is the [`ItipError`] verdict.
    /// A personal message to this invitee bounced for good: nothing more is sent to them.
    Bounced {
        event_id: EventId,
        invitee: String,
        status: String,
    },
    /// An invitee's calendar answered (REPLY) or proposed another time (COUNTER).
    Replied {
        event_id: EventId,
        invitee: String,
        answer: String,
    },
    Ignored {
        reason: String,
    },
}

impl EventResult {
    pub fn applied(action: &Action, event_id: EventId) -> EventResult {
        match action {
            Action::Create => EventResult::Created { event_id },
            Action::Update { from, to } => EventResult::Updated {
                event_id,
                from: *from,
                to: *to,
            },
            Action::UpdateOccurrence { recurrence_id } => EventResult::UpdatedOccurrence {
                event_id,
                recurrence_id: recurrence_id.clone(),
            },
            Action::Cancel => EventResult::Cancelled { event_id },
            Action::CancelOccurrence { recurrence_id } => EventResult::CancelledOccurrence {
                event_id,
                recurrence_id: recurrence_id.clone(),
            },
        }
    }

    pub fn ignored(error: &ItipError) -> EventResult {
        EventResult::Ignored {
            reason: error.to_string(),
        }
    }
}

impl fmt::Display for EventResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventResult::Created { event_id } => write!(f, "created event {event_id}"),
            EventResult::Updated { event_id, to, .. } => {
                write!(f, "updated {event_id} to sequence {to}")
            }
            EventResult::UpdatedOccurrence {
                event_id,
                recurrence_id,
            } => {
                write!(f, "updated occurrence {recurrence_id} of {event_id}")
            }
            EventResult::Cancelled { event_id } => write!(f, "cancelled {event_id}"),
            EventResult::CancelledOccurrence {
                event_id,
                recurrence_id,
            } => {
                write!(f, "cancelled occurrence {recurrence_id} of {event_id}")
            }
            EventResult::Replied {
                event_id,
                invitee,
                answer,
            } => {
                write!(f, "reply from {invitee} for {event_id}: {answer}")
            }
            EventResult::Bounced {
                event_id,
                invitee,
                status,
            } => {
                write!(
                    f,
                    "bounce for {invitee} ({event_id}): permanent failure {status}; no more mail to this address"
                )
            }
            EventResult::Ignored { reason } => write!(f, "ignored: {reason}"),
        }
    }
}

/// The recorded verdict on one inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The message was read; one result per VEVENT.
    Processed(Vec<EventResult>),
    /// The message could not be used at all.
    Rejected { reason: String },
}

/// A one-word summary for listings and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeStatus {
    Applied,
    Ignored,
    Rejected,
}

impl OutcomeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Applied => "applied",
            OutcomeStatus::Ignored => "ignored",
            OutcomeStatus::Rejected => "rejected",
        }
    }
}

impl Outcome {
    /// The events this message touched (created, changed, answered).
    pub fn event_ids(&self) -> Vec<&EventId> {
        let Outcome::Processed(results) = self else {
            return Vec::new();
        };
        results
            .iter()
            .filter_map(|r| match r {
                EventResult::Created { event_id }
                | EventResult::Updated { event_id, .. }
                | EventResult::UpdatedOccurrence { event_id, .. }
                | EventResult::Cancelled { event_id }
                | EventResult::CancelledOccurrence { event_id, .. }
                | EventResult::Bounced { event_id, .. }
                | EventResult::Replied { event_id, .. } => Some(event_id),
                EventResult::Ignored { .. } => None,
            })
            .collect()
    }

    pub fn rejected(reason: impl Into<String>) -> Outcome {
        Outcome::Rejected {
            reason: reason.into(),
        }
    }

    pub fn status(&self) -> OutcomeStatus {
        match self {
            Outcome::Rejected { .. } => OutcomeStatus::Rejected,
            Outcome::Processed(results)
                if results
                    .iter()
                    .all(|r| matches!(r, EventResult::Ignored { .. })) =>
            {
                OutcomeStatus::Ignored
            }
            Outcome::Processed(_) => OutcomeStatus::Applied,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Rejected { reason } => write!(f, "rejected: {reason}"),
            Outcome::Processed(results) => {
                for (i, result) in results.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{result}")?;
                }
                Ok(())
            }
        }
    }
}
