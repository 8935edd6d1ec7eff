//! The reference store: the event and outbox ports in memory, with the semantics every
//! adapter (SQLite, DynamoDB) must have. The [`crate::contract`] suite checks them.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use rollcall_core::event::{Event, EventId};
use rollcall_core::notice::OutboxMessage;
use rollcall_core::ports::{
    Committed, DueMessage, EventStore, EventWrite, IngestCommit, MessageRecord, OutboxStore,
    StoreError,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

/// Where an outbox message is in its life: `Pending` until sent or given up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    Pending,
    Sent,
    Failed,
}

/// One outbox message with its delivery bookkeeping, as [`InMemoryStore::outbox_entry`]
/// shows it to tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub message: OutboxMessage,
    pub state: OutboxState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Clone)]
struct State {
    events: HashMap<EventId, Event>,
    /// (organizer_email, uid) → id, fixed when the event is first written.
    keys: HashMap<(String, String), EventId>,
    messages: HashMap<String, MessageRecord>,
    outbox: BTreeMap<String, OutboxEntry>,
}

/// [`EventStore`] and [`OutboxStore`] in memory, behind one [`Mutex`]: the reference adapter.
///
/// The contract, which every adapter honours:
///
/// - **Events** are keyed by id, and uniquely by `(organizer_email, uid)` exactly as given
///   (callers normalize the address). An event's key is fixed by its first write: a later
///   write with the same id replaces the event but does not move it to another key.
/// - **`commit_ingest`** is one atomic step, all or nothing:
///   1. if an outcome for `commit.message.message_id` is already recorded, it returns
///      `Ok(Committed::AlreadyRecorded)` and changes nothing (a redelivery);
///   2. each [`EventWrite`], in order, with `expected_version: None` inserts an event whose id
///      and `(organizer_email, uid)` are both unused; with `Some(v)` it replaces the event
///      with the same id whose stored `version` is `v`. Any write that cannot apply makes the
///      whole commit `Err(StoreError::Conflict)`: no event, no record and no outbox message
///      of that commit is kept, so the same message can be planned and committed again;
///   3. outbox messages are inserted if their id is absent (a present id keeps the first
///      copy), `Pending`, with no attempts, due at their `created_at`;
///   4. the message record is kept and returned by `message_record` as given.
/// - **`due_outbox(now, limit)`** returns `Pending` messages with `next_attempt_at <= now`,
///   ordered by `(next_attempt_at, id)`, at most `limit`, with their attempts so far.
/// - **`mark_sent`** sets `Sent`, the send time, clears the error and counts one attempt;
///   **`mark_retry`** sets the attempt count, the next attempt time and the error (the state
///   is unchanged); **`mark_failed`** sets `Failed`, the error and counts one attempt.
///   Marking an unknown id changes nothing and is not an error.
/// - Timestamps the store keeps itself (`processed_at`, `next_attempt_at`) are kept to the
///   microsecond, as a SQL text column does; events and outbox messages are kept whole.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    state: Mutex<State>,
}

impl InMemoryStore {
    pub fn new() -> InMemoryStore {
        InMemoryStore::default()
    }

    /// The outbox message `id` with its bookkeeping (state, attempts, last error).
    pub fn outbox_entry(&self, id: &str) -> Option<OutboxEntry> {
        self.lock().ok()?.outbox.get(id).cloned()
    }

    /// Every stored event, ordered by id.
    pub fn events(&self) -> Vec<Event> {
        let Ok(state) = self.lock() else {
            return Vec::new();
        };
        let mut events: Vec<Event> = state.events.values().cloned().collect();
        events.sort_by(|a, b| a.id.cmp(&b.id));
        events
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        self.state
            .lock()
            .map_err(|_| StoreError::Unavailable("in-memory store poisoned by a panic".into()))
    }
}

fn micros(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

impl State {
    /// Applies one write to this (scratch) state, or says it conflicts.
    fn write(&mut self, write: &EventWrite) -> Result<(), StoreError> {
        let event = &write.event;
        match write.expected_version {
            None => {
                let key = (event.organizer_email.clone(), event.uid.clone());
                if self.events.contains_key(&event.id) || self.keys.contains_key(&key) {
                    return Err(StoreError::Conflict);
                }
                self.keys.insert(key, event.id.clone());
            }
            Some(expected) => match self.events.get(&event.id) {
                Some(stored) if stored.version == expected => {}
                _ => return Err(StoreError::Conflict),
            },
        }
        self.events.insert(event.id.clone(), event.clone());
        Ok(())
    }
}

#[async_trait]
impl EventStore for InMemoryStore {
    async fn event(&self, id: &EventId) -> Result<Option<Event>, StoreError> {
        Ok(self.lock()?.events.get(id).cloned())
    }

    async fn event_by_uid(
        &self,
        organizer_email: &str,
        uid: &str,
    ) -> Result<Option<Event>, StoreError> {
        let state = self.lock()?;
        let key = (organizer_email.to_string(), uid.to_string());
        Ok(state
            .keys
            .get(&key)
            .and_then(|id| state.events.get(id))
            .cloned())
    }

    async fn commit_ingest(&self, commit: &IngestCommit) -> Result<Committed, StoreError> {
        let mut state = self.lock()?;
        if state.messages.contains_key(&commit.message.message_id) {
            return Ok(Committed::AlreadyRecorded);
        }
        // Work on a copy and swap it in only if every write applied: all or nothing.
        let mut next = state.clone();
        for write in &commit.writes {
            next.write(write)?;
        }
        for message in &commit.outbox {
            next.outbox
                .entry(message.id.clone())
                .or_insert_with(|| OutboxEntry {
                    message: message.clone(),
                    state: OutboxState::Pending,
                    attempts: 0,
                    next_attempt_at: micros(message.created_at),
                    last_error: None,
                    sent_at: None,
                });
        }
        let mut record = commit.message.clone();
        record.processed_at = micros(record.processed_at);
        next.messages.insert(record.message_id.clone(), record);
        *state = next;
        Ok(Committed::Applied)
    }

    async fn message_record(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        Ok(self.lock()?.messages.get(message_id).cloned())
    }
}

#[async_trait]
impl OutboxStore for InMemoryStore {
    async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError> {
        let now = micros(now);
        let state = self.lock()?;
        let mut due: Vec<&OutboxEntry> = state
            .outbox
            .values()
            .filter(|e| e.state == OutboxState::Pending && e.next_attempt_at <= now)
            .collect();
        due.sort_by(|a, b| {
            (a.next_attempt_at, &a.message.id).cmp(&(b.next_attempt_at, &b.message.id))
        });
        Ok(due
            .into_iter()
            .take(limit)
            .map(|e| DueMessage {
                message: e.message.clone(),
                attempts: e.attempts,
            })
            .collect())
    }

    async fn mark_sent(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        if let Some(entry) = self.lock()?.outbox.get_mut(id) {
            entry.state = OutboxState::Sent;
            entry.sent_at = Some(micros(at));
            entry.attempts = entry.attempts.saturating_add(1);
            entry.last_error = None;
        }
        Ok(())
    }

    async fn mark_retry(
        &self,
        id: &str,
        attempts: u32,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        if let Some(entry) = self.lock()?.outbox.get_mut(id) {
            entry.attempts = attempts;
            entry.next_attempt_at = micros(next_at);
            entry.last_error = Some(error.to_string());
        }
        Ok(())
    }

    async fn mark_failed(&self, id: &str, error: &str) -> Result<(), StoreError> {
        if let Some(entry) = self.lock()?.outbox.get_mut(id) {
            entry.state = OutboxState::Failed;
            entry.attempts = entry.attempts.saturating_add(1);
            entry.last_error = Some(error.to_string());
        }
        Ok(())
    }
}
