//! Organizer mail that needs the organizer's own word before it acts (DESIGN §6): its sender
//! could not be authenticated, or it came from a delegate (SENT-BY) the organizer has not
//! allowed. Its plan is not committed: the message's outcome says what it would do, and the
//! ORGANIZER gets one mail asking them to confirm through a link. Only confirming (see
//! [`crate::usecase::confirm`]) runs the message again, as
//! [`SenderTrust::Confirmed`](super::SenderTrust::Confirmed).

use super::{IngestSettings, record};
use crate::event::Event;
use crate::imip::{Mailbox, ReadMessage};
use crate::notice::{Notice, OutboxMessage};
use crate::outcome::{EventResult, Outcome};
use crate::ports::{Commit, Store, StoreError};
use crate::quota::{Quota, take};
use chrono::{DateTime, Utc};

/// Why a message waits for its organizer.
#[derive(Debug, Clone)]
pub(super) struct Wait {
    /// In words, as the outcome and the mail say it.
    pub reason: String,
    /// The SENT-BY delegate that sent it, when it was not the organizer.
    pub delegate: Option<String>,
}

/// The commit for a message that waits: its outcome (one `AwaitingConfirmation` per change it
/// would make, the other results as they are) and, when it would change anything, one
/// confirmation mail to the ORGANIZER of its events — never to `From:`, `Sender:` or SENT-BY,
/// which the sender wrote. A message that would change nothing gets no mail, so forged mail
/// cannot turn Rollcall into a source of backscatter for free; nor does one beyond the
/// organizer's daily quota of confirmation mails. `first` is the first event as the message
/// would leave it.
#[allow(clippy::too_many_arguments)]
pub(super) async fn awaiting_confirmation(
    id: &str,
    read: &ReadMessage,
    mut results: Vec<EventResult>,
    wait: &Wait,
    first: Option<Event>,
    settings: &IngestSettings,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Commit, StoreError> {
    let changes: Vec<_> = results
        .iter()
        .filter_map(|r| match r {
            EventResult::AwaitingConfirmation { change, .. } => Some(change.clone()),
            _ => None,
        })
        .collect();
    let mut outbox = Vec::new();
    if let (Some(event), false) = (first, changes.is_empty()) {
        let quota = Quota::ConfirmationMails;
        if take(
            store,
            &settings.quotas,
            quota,
            &event.organizer_email,
            1,
            now,
        )
        .await?
        {
            outbox.push(OutboxMessage {
                id: confirmation_outbox_id(id),
                to: Mailbox {
                    email: event.organizer_email.clone(),
                    name: event.organizer_name.clone(),
                },
                notice: Notice::ConfirmSender {
                    message_id: id.to_string(),
                    reason: wait.reason.clone(),
                    delegate: wait.delegate.clone(),
                    changes,
                    expires_at: now + settings.confirm_expiry,
                },
                event,
                created_at: now,
            });
        } else {
            results.push(EventResult::Ignored {
                reason: quota.refusal(&settings.quotas, "no confirmation mail was sent"),
            });
        }
    }
    Ok(Commit {
        message: Some(record(id, Some(read), Outcome::Processed(results), now)),
        outbox,
        ..Commit::default()
    })
}

/// The outbox id of the confirmation mail for message `id`: one per message, however often
/// its commit is repeated.
pub(crate) fn confirmation_outbox_id(id: &str) -> String {
    format!("{id}-confirm")
}
