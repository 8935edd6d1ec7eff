//! The ports the use cases drive. Shaped by what DynamoDB can do atomically (conditional
//! writes, bounded transactions, key lookups), so every adapter can honour them exactly.

use crate::event::{Event, EventId};
use crate::imip::Mailbox;
use crate::notice::OutboxMessage;
use crate::outcome::Outcome;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// An expected version did not match: someone else wrote first. Re-read and retry.
    #[error("concurrent update; retry")]
    Conflict,
    /// The store could not be reached or failed; the caller retries later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// One event written by an ingest, with the version it must replace (`None`: must be new).
#[derive(Debug, Clone)]
pub struct EventWrite {
    pub event: Event,
    pub expected_version: Option<u64>,
}

/// The record of one inbound message, as `rollcall inbox` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    pub message_id: String,
    pub from: Option<Mailbox>,
    pub subject: Option<String>,
    pub outcome: Outcome,
    pub processed_at: DateTime<Utc>,
}

/// Everything one processed inbound message changes, committed atomically or not at all.
#[derive(Debug, Clone)]
pub struct IngestCommit {
    pub message: MessageRecord,
    pub writes: Vec<EventWrite>,
    pub outbox: Vec<OutboxMessage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    Applied,
    /// This message's outcome was already recorded: a redelivery. Nothing was changed.
    AlreadyRecorded,
}

#[async_trait]
pub trait EventStore: Send + Sync {
    async fn event(&self, id: &EventId) -> Result<Option<Event>, StoreError>;
    async fn event_by_uid(
        &self,
        organizer_email: &str,
        uid: &str,
    ) -> Result<Option<Event>, StoreError>;
    /// Records the message's outcome, writes the events (each only if its expected version
    /// still holds) and queues the outbox messages, in one transaction.
    async fn commit_ingest(&self, commit: &IngestCommit) -> Result<Committed, StoreError>;
    async fn message_record(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError>;
}

/// An outbox message that is due, with its delivery attempts so far.
#[derive(Debug, Clone)]
pub struct DueMessage {
    pub message: OutboxMessage,
    pub attempts: u32,
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError>;
    async fn mark_sent(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn mark_retry(
        &self,
        id: &str,
        attempts: u32,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError>;
    async fn mark_failed(&self, id: &str, error: &str) -> Result<(), StoreError>;
}

/// Fresh identifiers. Adapters use a CSPRNG; tests may use a sequence.
pub trait IdSource: Send + Sync {
    fn event_id(&self) -> EventId;
}

/// A message ready to hand to a transport.
#[derive(Debug, Clone)]
pub struct ComposedMail {
    pub outbox_id: String,
    pub from: String,
    pub to: String,
    pub message_id: String,
    pub raw: Vec<u8>,
}

#[derive(Debug, Error)]
pub enum SendError {
    /// Worth trying again later (connection refused, 4xx, throttling).
    #[error("temporary send failure: {0}")]
    Transient(String),
    /// Will never succeed for this message (5xx on the recipient, rejected content).
    #[error("permanent send failure: {0}")]
    Permanent(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError>;
}

/// Turns an outbox message into MIME. Implemented by `rollcall-mail`.
pub trait Composer: Send + Sync {
    fn compose(&self, message: &OutboxMessage) -> Result<ComposedMail, String>;
}
