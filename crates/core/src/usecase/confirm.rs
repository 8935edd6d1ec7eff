//! Confirming an organizer message that needed the organizer's own word (DESIGN §6): its
//! sender could not be authenticated, or it was a delegate (SENT-BY) the organizer had not
//! allowed. Its ingest recorded what it would do and mailed the ORGANIZER a link; the button
//! behind that link (a POST) runs the stored message through [`ingest`] again, as
//! [`SenderTrust::Confirmed`], under the id `<message id>.confirmed`. That id makes confirming
//! idempotent: a second confirmation finds the first one's outcome and changes nothing. For a
//! delegate's message the organizer may also allow the delegate, for this event or for all of
//! theirs, so that its next messages need no question; or refuse, which closes the link.

use crate::outcome::{Outcome, OutcomeStatus};
use crate::ports::{Commit, IdSource, MessageRecord, RawMailSource, Store, StoreError};
use crate::usecase::delegation::{Delegation, DelegationScope};
use crate::usecase::ingest::{InboundMessage, IngestSettings, Recipient, SenderTrust, ingest};
use chrono::{DateTime, Utc};
use thiserror::Error;

/// The id under which a confirmed message's outcome is recorded.
pub fn confirmed_id(message_id: &str) -> String {
    format!("{message_id}.confirmed")
}

/// The id under which the organizer's refusal of a message is recorded.
pub fn refused_id(message_id: &str) -> String {
    format!("{message_id}.refused")
}

/// Where the confirmation of one message stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// No message with this id has been processed.
    Unknown,
    /// The message's outcome is not waiting for a confirmation (it was trusted, rejected, or
    /// changed nothing).
    NotAwaiting { record: MessageRecord },
    /// Waiting, until `expires_at`; the record's outcome says what confirming would do, and
    /// `delegate` who sent it when it was the organizer's delegate.
    Awaiting {
        record: MessageRecord,
        expires_at: DateTime<Utc>,
        delegate: Option<String>,
    },
    /// Too late: the organizer must send the invitation again.
    Expired {
        record: MessageRecord,
        expired_at: DateTime<Utc>,
    },
    /// Already confirmed; `outcome` is what applying it did.
    Confirmed {
        record: MessageRecord,
        outcome: Outcome,
    },
    /// The organizer refused it: it will never apply.
    Refused { record: MessageRecord },
}

/// What the organizer answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Apply this message once.
    Confirm,
    /// Apply it, and let its delegate send for this event from now on.
    AllowForEvent,
    /// Apply it, and let its delegate send for all of the organizer's events.
    AllowAlways,
    /// Never apply it.
    Refuse,
}

impl Choice {
    pub fn parse(text: &str) -> Option<Choice> {
        match text.trim() {
            "" | "confirm" => Some(Choice::Confirm),
            "allow-event" => Some(Choice::AllowForEvent),
            "allow-always" => Some(Choice::AllowAlways),
            "refuse" => Some(Choice::Refuse),
            _ => None,
        }
    }
}

#[derive(Debug, Error)]
pub enum ConfirmError {
    #[error("no such message")]
    Unknown,
    #[error("the message is not waiting for a confirmation")]
    NotAwaiting,
    #[error("the confirmation link expired at {0}")]
    Expired(DateTime<Utc>),
    #[error("the organizer refused this message")]
    Refused,
    /// Allowing a delegate was asked for a message no delegate sent.
    #[error("this message was not sent by a delegate")]
    NoDelegate,
    /// The organizer holds as many allowances as one may.
    #[error(
        "you have allowed {} delegates already; revoke some first",
        crate::usecase::delegation::MAX_PER_ORGANIZER
    )]
    TooManyDelegates,
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
    if store
        .message_record(&refused_id(message_id))
        .await?
        .is_some()
    {
        return Ok(Confirmation::Refused { record });
    }
    let expires_at = record.processed_at + settings.confirm_expiry;
    if now >= expires_at {
        return Ok(Confirmation::Expired {
            record,
            expired_at: expires_at,
        });
    }
    let delegate = record.outcome.pending_delegate().map(str::to_string);
    Ok(Confirmation::Awaiting {
        record,
        expires_at,
        delegate,
    })
}

/// Answers for `message_id`: applies the stored message as if its sender had been
/// authenticated (first recording the delegate's allowance when asked to), and returns what
/// that did; or records the refusal. Answering again returns the same outcome. `Err` for an
/// unknown, not-waiting, expired or refused message (nothing changes), or a store failure
/// (the caller may try again).
pub async fn confirm_sender(
    message_id: &str,
    choice: Choice,
    settings: &IngestSettings,
    store: &dyn Store,
    raw_mail: &dyn RawMailSource,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<Outcome, ConfirmError> {
    let (record, delegate) = match confirmation(message_id, settings, store, now).await? {
        Confirmation::Unknown => return Err(ConfirmError::Unknown),
        Confirmation::NotAwaiting { .. } => return Err(ConfirmError::NotAwaiting),
        Confirmation::Expired { expired_at, .. } => return Err(ConfirmError::Expired(expired_at)),
        Confirmation::Refused { .. } => return Err(ConfirmError::Refused),
        Confirmation::Confirmed { outcome, .. } => return Ok(outcome),
        Confirmation::Awaiting {
            record, delegate, ..
        } => (record, delegate),
    };
    if choice == Choice::Refuse {
        return refuse(&record, store, now).await;
    }
    if matches!(choice, Choice::AllowForEvent | Choice::AllowAlways) {
        let delegate = delegate.ok_or(ConfirmError::NoDelegate)?;
        if let Some(change) = record.outcome.pending_changes().first() {
            let held = store.delegations_of(&change.organizer).await?.len();
            if held >= crate::usecase::delegation::MAX_PER_ORGANIZER {
                return Err(ConfirmError::TooManyDelegates);
            }
        }
        for change in record.outcome.pending_changes() {
            let scope = match choice {
                Choice::AllowAlways => DelegationScope::AllEvents,
                _ => DelegationScope::Event {
                    uid: change.uid.clone(),
                },
            };
            let delegation = Delegation::new(&change.organizer, &delegate, scope, now);
            store.put_delegation(&delegation).await?;
        }
    }
    let raw = raw_mail
        .raw_message(message_id)
        .await?
        .ok_or_else(|| ConfirmError::RawMissing(message_id.to_string()))?;
    let id = confirmed_id(message_id);
    // The recipient is the organizer inbox: only organizer mail ever waits.
    let message = InboundMessage {
        id: &id,
        raw: &raw,
        recipient: Recipient::Organizer,
        trust: SenderTrust::Confirmed,
    };
    Ok(ingest(&message, settings, store, ids, now).await?)
}

/// Records the organizer's "no" for the message, once.
async fn refuse(
    record: &MessageRecord,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Outcome, ConfirmError> {
    let outcome = Outcome::rejected("refused by the organizer");
    let commit = Commit {
        message: Some(MessageRecord {
            message_id: refused_id(&record.message_id),
            from: record.from.clone(),
            subject: record.subject.clone(),
            outcome: outcome.clone(),
            processed_at: now,
        }),
        ..Commit::default()
    };
    store.commit(&commit).await?;
    Ok(outcome)
}
