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
    /// A CANCEL for an event Rollcall did not know: kept as a cancelled placeholder so that its
    /// REQUEST, arriving late, does not bring it back.
    CancelRemembered {
        event_id: EventId,
    },
    /// The message needs the organizer's word (DESIGN §6): its sender could not be
    /// authenticated, or it came from a delegate the organizer has not allowed. Nothing was
    /// applied; the organizer was mailed a confirmation link, and confirming would make this
    /// change.
    AwaitingConfirmation {
        /// Why, in words: `sender not authenticated: dmarc=fail`, `sent by … (SENT-BY), a
        /// delegate the organizer has not allowed`.
        reason: String,
        /// The SENT-BY delegate that sent it, when it was not the organizer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delegate: Option<String>,
        change: PendingChange,
    },
}

/// A change an unauthenticated message asks for, as the confirmation mail and page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingChange {
    /// What confirming would do, in words: `create a new event`, `update the event to
    /// sequence 2`, `cancel the event`, `cancel the occurrence 20270305T120000`.
    pub would: String,
    /// The existing event it would change; `None` when it would create one.
    pub event_id: Option<EventId>,
    /// The event's title and time as they would be after the change (untrusted text).
    pub title: String,
    pub when: String,
    /// The event's organizer (normalized) and UID, which an allowance names.
    #[serde(default)]
    pub organizer: String,
    #[serde(default)]
    pub uid: String,
}

impl PendingChange {
    pub fn new(
        action: &Action,
        existing: Option<EventId>,
        (organizer, uid): (&str, &str),
        title: &str,
        when: String,
    ) -> Self {
        let would = match action {
            Action::Create => "create a new event".to_string(),
            Action::Update { to, .. } => format!("update the event to sequence {to}"),
            Action::UpdateOccurrence { recurrence_id } => {
                format!("update the occurrence {recurrence_id}")
            }
            Action::Cancel => "cancel the event".to_string(),
            Action::CancelOccurrence { recurrence_id } => {
                format!("cancel the occurrence {recurrence_id}")
            }
            Action::RememberCancel => "remember the cancellation of an unknown event".to_string(),
        };
        PendingChange {
            would,
            event_id: existing,
            title: title.to_string(),
            when,
            organizer: organizer.to_string(),
            uid: uid.to_string(),
        }
    }
}

impl fmt::Display for PendingChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} \"{}\" ({})", self.would, self.title, self.when)?;
        if let Some(id) = &self.event_id {
            write!(f, " [{id}]")?;
        }
        Ok(())
    }
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
            Action::RememberCancel => EventResult::CancelRemembered { event_id },
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
            EventResult::CancelRemembered { event_id } => write!(
                f,
                "cancellation of an event Rollcall did not know yet: remembered as {event_id}, so a late invitation at the same or an older sequence will not bring it back"
            ),
            EventResult::AwaitingConfirmation { reason, change, .. } => write!(
                f,
                "awaiting the organizer's confirmation ({reason}): would {change}"
            ),
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
    /// Nothing applied yet: the claimed organizer must confirm first.
    Pending,
}

impl OutcomeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Applied => "applied",
            OutcomeStatus::Ignored => "ignored",
            OutcomeStatus::Rejected => "rejected",
            OutcomeStatus::Pending => "pending",
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
                | EventResult::CancelRemembered { event_id }
                | EventResult::CancelledOccurrence { event_id, .. }
                | EventResult::Bounced { event_id, .. }
                | EventResult::Replied { event_id, .. } => Some(event_id),
                EventResult::Ignored { .. } | EventResult::AwaitingConfirmation { .. } => None,
            })
            .collect()
    }

    /// The delegate whose message waits for the organizer's confirmation, if it was one.
    pub fn pending_delegate(&self) -> Option<&str> {
        let Outcome::Processed(results) = self else {
            return None;
        };
        results.iter().find_map(|r| match r {
            EventResult::AwaitingConfirmation { delegate, .. } => delegate.as_deref(),
            _ => None,
        })
    }

    /// The changes waiting for the organizer's confirmation, if this message's are.
    pub fn pending_changes(&self) -> Vec<&PendingChange> {
        let Outcome::Processed(results) = self else {
            return Vec::new();
        };
        results
            .iter()
            .filter_map(|r| match r {
                EventResult::AwaitingConfirmation { change, .. } => Some(change),
                _ => None,
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
                    .any(|r| matches!(r, EventResult::AwaitingConfirmation { .. })) =>
            {
                OutcomeStatus::Pending
            }
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
