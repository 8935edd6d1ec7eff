//! The ingest use case: one stored inbound message in, its outcome recorded and its effects
//! committed atomically. Running it twice for the same message changes nothing the second
//! time, which is what makes "a crash between steps repeats the step" safe.

mod organizer;
mod reply;
mod untrusted;

use crate::event::normalize_email;
use crate::imip::{ReadError, ReadMessage, read_dsn, read_message};
use crate::limits::Limits;
use crate::outcome::Outcome;
use crate::ports::{Commit, Committed, IdSource, MessageRecord, Store, StoreError};
use crate::tokens::TokenKey;
use chrono::{DateTime, Duration, Utc};

/// Which of our addresses a message was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// `invites@<domain>`: organizers creating, updating and cancelling events.
    Organizer,
    /// `rsvp+<key>@<domain>`: an invitee's calendar replying. The key is a secret.
    Reply { key: String },
}

impl Recipient {
    /// Classifies an envelope recipient; `None` if it is not one of Rollcall's addresses.
    pub fn classify(address: &str, domain: &str) -> Option<Recipient> {
        let address = normalize_email(address);
        let (local, host) = address.rsplit_once('@')?;
        if !host.eq_ignore_ascii_case(domain) {
            return None;
        }
        if local == "invites" {
            return Some(Recipient::Organizer);
        }
        let key = local.strip_prefix("rsvp+")?;
        let valid = !key.is_empty()
            && key.len() <= 64
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid.then(|| Recipient::Reply {
            key: key.to_string(),
        })
    }
}

#[derive(Debug)]
pub struct InboundMessage<'a> {
    /// Our own id for the stored message (the queue's), not the Message-ID header.
    pub id: &'a str,
    pub raw: &'a [u8],
    pub recipient: Recipient,
    /// What the receiving side established about who sent it (DESIGN §6).
    pub trust: SenderTrust,
}

/// Whether organizer mail may create or change events. Decided by the adapter that received
/// the message (SES verdicts, the trusted-network rule, DMARC), never by the message itself.
/// Replies do not need it: their reply key is the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderTrust {
    /// Authenticated; the words say how (`dmarc=pass`, `trusted network 127.0.0.1`).
    Trusted(String),
    /// Not authenticated; the words say why (`dmarc=fail`, `spam verdict FAIL`).
    Untrusted(String),
    /// The claimed organizer confirmed it through the link Rollcall mailed them.
    Confirmed,
}

impl SenderTrust {
    pub fn is_trusted(&self) -> bool {
        !matches!(self, SenderTrust::Untrusted(_))
    }

    /// The words recorded in each signal's provenance.
    pub fn describe(&self) -> String {
        match self {
            SenderTrust::Trusted(how) => how.clone(),
            SenderTrust::Untrusted(why) => format!("unauthenticated: {why}"),
            SenderTrust::Confirmed => "confirmed by the organizer's link".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct IngestSettings {
    pub limits: Limits,
    /// Mail domain: `invites@<domain>` is never recorded as an invitee.
    pub domain: String,
    /// Verifies the reply keys of `rsvp+<key>@` addresses.
    pub tokens: TokenKey,
    /// How long the claimed organizer of an unauthenticated message has to confirm it
    /// (from when it was processed).
    pub confirm_expiry: Duration,
}

/// Seven days: long enough for someone back from a week away.
pub const DEFAULT_CONFIRM_EXPIRY_DAYS: i64 = 7;

impl IngestSettings {
    /// With the default confirmation expiry.
    pub fn new(limits: Limits, domain: impl Into<String>, tokens: TokenKey) -> IngestSettings {
        IngestSettings {
            limits,
            domain: domain.into(),
            tokens,
            confirm_expiry: Duration::days(DEFAULT_CONFIRM_EXPIRY_DAYS),
        }
    }
}

/// How many times to re-plan after a concurrent write to the same event or invitee.
const CONFLICT_RETRIES: usize = 5;

/// Processes one message and returns its recorded outcome. `Err` only for store failures,
/// which the caller retries later; every verdict on the message itself is an `Ok(outcome)`.
pub async fn ingest(
    message: &InboundMessage<'_>,
    settings: &IngestSettings,
    store: &dyn Store,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    if let Some(record) = store.message_record(message.id).await? {
        return Ok(record.outcome);
    }
    // Our personal messages are sent from the invitee's reply address, so their bounces come
    // back there: a delivery report is read as one before anything else.
    let dsn = match &message.recipient {
        Recipient::Reply { .. } => read_dsn(message.raw),
        Recipient::Organizer => None,
    };
    let read = read_message(message.raw, &settings.limits);
    for _ in 0..CONFLICT_RETRIES {
        let mut commit = match (&read, &message.recipient, &dsn) {
            (_, Recipient::Reply { key }, Some(dsn)) => {
                reply::plan_bounce(message.id, dsn, key, settings, store, now).await?
            }
            (Err(error), _, _) => rejected(message.id, error, now),
            (Ok(read), Recipient::Reply { key }, None) => {
                reply::plan(message.id, read, key, settings, store, now).await?
            }
            (Ok(read), Recipient::Organizer, _) => {
                organizer::plan(message.id, read, &message.trust, settings, store, ids, now).await?
            }
        };
        // Every signal says how its sender was authenticated.
        let sender_auth = message.trust.describe();
        for record in &mut commit.signals {
            record
                .signal
                .provenance
                .sender_auth
                .get_or_insert_with(|| sender_auth.clone());
        }
        let outcome = commit.message.as_ref().map(|m| m.outcome.clone());
        match store.commit(&commit).await {
            Ok(Committed::Applied) => {
                return Ok(outcome.unwrap_or_else(|| Outcome::rejected("nothing recorded")));
            }
            Ok(Committed::AlreadyRecorded) => {
                let record = store.message_record(message.id).await?;
                return Ok(record
                    .map(|r| r.outcome)
                    .or(outcome)
                    .unwrap_or_else(|| Outcome::rejected("nothing recorded")));
            }
            Err(StoreError::Conflict) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(StoreError::Conflict)
}

fn record(
    id: &str,
    read: Option<&ReadMessage>,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> MessageRecord {
    MessageRecord {
        message_id: id.to_string(),
        from: read.and_then(|r| r.from.clone()),
        subject: read.and_then(|r| r.subject.clone()),
        outcome,
        processed_at: now,
    }
}

fn rejected(id: &str, error: &ReadError, now: DateTime<Utc>) -> Commit {
    let reason = match error {
        ReadError::UnsupportedTnef => {
            "unsupported TNEF (winmail.dat) invitation without an iCalendar part".to_string()
        }
        other => other.to_string(),
    };
    Commit {
        message: Some(record(id, None, Outcome::rejected(reason), now)),
        ..Commit::default()
    }
}

/// A message that changes nothing, with its reason.
fn ignored(id: &str, read: &ReadMessage, reason: impl Into<String>, now: DateTime<Utc>) -> Commit {
    let outcome = Outcome::Processed(vec![crate::outcome::EventResult::Ignored {
        reason: reason.into(),
    }]);
    Commit {
        message: Some(record(id, Some(read), outcome, now)),
        ..Commit::default()
    }
}
