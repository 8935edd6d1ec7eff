//! What one commit writes, atomically, and the errors a store answers with.

use super::*;

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

/// One invitee written by a commit, with the version it must replace (`None`: must be new,
/// and no other invitee of the event may have the same address).
#[derive(Debug, Clone)]
pub struct InviteeWrite {
    pub invitee: Invitee,
    pub expected_version: Option<u64>,
}

/// A signal as recorded in an invitee's history, with what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalRecord {
    pub event_id: EventId,
    pub invitee_id: InviteeId,
    pub signal: Signal,
    /// What applying it did, in words: `response needs-action → accepted`, `no change ...`.
    pub effect: String,
}

/// A change to one per-event counter (track value), kept in the same transaction as the
/// status change that caused it, so reports never scan invitees. A positive delta is also
/// added to the counter's bucket for the hour of `at` (the time series reports draw).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterDelta {
    pub event_id: EventId,
    pub track: String,
    pub value: String,
    pub delta: i64,
    /// When the change happened (its hour bucket).
    pub at: DateTime<Utc>,
}

/// One hour bucket of one counter: the sum of the positive deltas whose `at` fell in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// The start of the hour (UTC, minutes and seconds zero).
    pub hour: DateTime<Utc>,
    pub value: String,
    pub count: i64,
}

/// The start of the UTC hour `at` falls in: the bucket a counter delta is added to.
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::{DurationRound, TimeDelta};
    at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)
}

/// Everything one use-case step changes, committed atomically or not at all. It is a
/// redelivery, and nothing changes, if its message outcome or any of its signals
/// (by invitee and de-duplication key) is already recorded; that verdict is reached before
/// any version check, so a redelivery is `AlreadyRecorded`, never `Conflict`. A commit writes
/// each event and each invitee at most once (DynamoDB refuses two actions on one item in a
/// transaction); a signal (invitee, key) or outbox id repeated within one commit is kept once,
/// first copy. An invitee's (event, email) and an event's (organizer, UID) are fixed by their
/// first write. Adapters may bound a commit's size (DynamoDB: 100 items) and answer
/// `Unavailable` beyond it.
#[derive(Debug, Clone, Default)]
pub struct Commit {
    pub message: Option<MessageRecord>,
    pub events: Vec<EventWrite>,
    pub invitees: Vec<InviteeWrite>,
    pub signals: Vec<SignalRecord>,
    pub counters: Vec<CounterDelta>,
    pub outbox: Vec<OutboxMessage>,
    /// Addresses to mail no more, written (replacing one for the same address) with the
    /// signal that calls for it (see [`crate::suppression`]).
    pub suppressions: Vec<Suppression>,
    /// The organizers' streams' records of what this commit changes, appended in this order
    /// after everything committed before (see [`crate::change`]); a record whose id is
    /// already stored is kept once.
    pub changes: Vec<ChangeRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    Applied,
    /// Already recorded: a redelivery. Nothing was changed.
    AlreadyRecorded,
}
