//! Confirming an organizer message whose sender could not be authenticated (DESIGN §6). Its
//! ingest recorded what it would do and mailed the claimed organizer a link; following that
//! link (a POST) runs the stored message through [`ingest`] again, as
//! [`SenderTrust::Confirmed`], under the id `<message id>.confirmed`. That id makes confirming
//! idempotent: a second confirmation finds the first one's outcome and changes nothing.

use crate::ingest::{InboundMessage, IngestSettings, Recipient, SenderTrust, ingest};
use crate::outcome::{Outcome, OutcomeStatus};
use crate::ports::{IdSource, MessageRecord, RawMailSource, Store, StoreError};
use chrono::{DateTime, Utc};
use thiserror::Error;

/// The id under which a confirmed message's outcome is recorded.
pub fn confirmed_id(message_id: &str) -> String {
    format!("{message_id}.confirmed")
}

/// Where the confirmation of one message stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// No message with this id has been processed.
    Unknown,
    /// The message's outcome is not waiting for a confirmation (it was trusted, rejected, or
    /// changed nothing).
    NotAwaiting { record: MessageRecord },
    /// Waiting, until `expires_at`; the record's outcome says what confirming would do.
    Awaiting {
        record: MessageRecord,
        expires_at: DateTime<Utc>,
    },
    /// Too late: the claimed organizer must send the invitation again.
    Expired {
        record: MessageRecord,
        expired_at: DateTime<Utc>,
    },
    /// Already confirmed; `outcome` is what applying it did.
    Confirmed {
        record: MessageRecord,
        outcome: Outcome,
    },
}

#[derive(Debug, Error)]
pub enum ConfirmError {
    #[error("no such message")]
    Unknown,
    #[error("the message is not waiting for a confirmation")]
    NotAwaiting,
    #[error("the confirmation link expired at {0}")]
    Expired(DateTime<Utc>),
    /// The outcome says it waits, but the raw mail is gone (deleted by an operator).
    #[error("the stored message {0} is missing")]
    RawMissing(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads where the confirmation of `message_id` stands; changes nothing (the page a link
/// scanner may open calls this).
pub async fn confirmation(
    message_id: &str,
    settings: &IngestSettings,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Confirmation, StoreError> {
    let Some(record) = store.message_record(message_id).await? else {
        return Ok(Confirmation::Unknown);
    };
    if record.outcome.status() != OutcomeStatus::Pending {
        return Ok(Confirmation::NotAwaiting { record });
    }
    if let Some(confirmed) = store.message_record(&confirmed_id(message_id)).await? {
        return Ok(Confirmation::Confirmed {
            record,
            outcome: confirmed.outcome,
        });
    }
    let expires_at = record.processed_at + settings.confirm_expiry;
    if now >= expires_at {
        return Ok(Confirmation::Expired {
            record,
            expired_at: expires_at,
        });
    }
    Ok(Confirmation::Awaiting { record, expires_at })
}

/// Confirms `message_id`: applies the stored message as if its sender had been
/// authenticated, and returns what that did. Confirming again returns the same outcome.
/// `Err` for an unknown, not-waiting or expired message (nothing changes), or a store failure
/// (the caller may try again).
pub async fn confirm_sender(
    message_id: &str,
    settings: &IngestSettings,
    store: &dyn Store,
    raw_mail: &dyn RawMailSource,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<Outcome, ConfirmError> {
    match confirmation(message_id, settings, store, now).await? {
        Confirmation::Unknown => Err(ConfirmError::Unknown),
        Confirmation::NotAwaiting { .. } => Err(ConfirmError::NotAwaiting),
        Confirmation::Expired { expired_at, .. } => Err(ConfirmError::Expired(expired_at)),
        Confirmation::Confirmed { outcome, .. } => Ok(outcome),
        Confirmation::Awaiting { .. } => {
            let raw = raw_mail
                .raw_message(message_id)
                .await?
                .ok_or_else(|| ConfirmError::RawMissing(message_id.to_string()))?;
            let id = confirmed_id(message_id);
            let message = InboundMessage {
                id: &id,
                raw: &raw,
                recipient: Recipient::Organizer,
                trust: SenderTrust::Confirmed,
            };
            Ok(ingest(&message, settings, store, ids, now).await?)
        }
    }
}
