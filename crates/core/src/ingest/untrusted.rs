//! Organizer mail whose sender could not be authenticated (DESIGN §6). Its plan is not
//! committed: the message's outcome says what it would do, and the claimed organizer gets one
//! mail asking them to confirm through a link. Only confirming (see [`crate::confirm`]) runs
//! the message again, as [`SenderTrust::Confirmed`](super::SenderTrust::Confirmed).

use super::{IngestSettings, record};
use crate::event::Event;
use crate::imip::ReadMessage;
use crate::notice::{Notice, OutboxMessage};
use crate::outcome::{EventResult, Outcome};
use crate::ports::Commit;
use chrono::{DateTime, Utc};

/// The commit for an untrusted message: its outcome (one `AwaitingConfirmation` per change it
/// would make, the other results as they are) and, when it would change anything and names a
/// sender, one confirmation mail to that sender. A message that would change nothing gets no
/// mail, so forged mail cannot turn Rollcall into a source of backscatter for free.
/// `first` is the first event as the message would leave it.
pub(super) fn awaiting_confirmation(
    id: &str,
    read: &ReadMessage,
    results: Vec<EventResult>,
    reason: &str,
    first: Option<Event>,
    settings: &IngestSettings,
    now: DateTime<Utc>,
) -> Commit {
    let changes: Vec<_> = results
        .iter()
        .filter_map(|r| match r {
            EventResult::AwaitingConfirmation { change, .. } => Some(change.clone()),
            _ => None,
        })
        .collect();
    let mut commit = Commit {
        message: Some(record(id, Some(read), Outcome::Processed(results), now)),
        ..Commit::default()
    };
    // iTIP accepted the From address as the organizer (or its SENT-BY) for every change, so
    // the question goes to that address: the one the message claims to come from.
    if let (Some(to), Some(event), false) = (read.from.clone(), first, changes.is_empty()) {
        commit.outbox.push(OutboxMessage {
            id: confirmation_outbox_id(id),
            to,
            notice: Notice::ConfirmSender {
                message_id: id.to_string(),
                reason: reason.to_string(),
                changes,
                expires_at: now + settings.confirm_expiry,
            },
            event,
            created_at: now,
        });
    }
    commit
}

/// The outbox id of the confirmation mail for message `id`: one per message, however often
/// its commit is repeated.
pub(crate) fn confirmation_outbox_id(id: &str) -> String {
    format!("{id}-confirm")
}
