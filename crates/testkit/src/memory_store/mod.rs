//! The reference store: the event, invitee and outbox ports in memory, with the semantics every
//! adapter (SQLite, DynamoDB) must have. The [`crate::contract`] suite checks them.

mod access;
mod changes;
mod invitees;
mod outbox;
mod trust;
mod webhooks;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use rollcall_core::event::{Event, EventId};
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::notice::OutboxMessage;
use rollcall_core::ports::{
    Commit, Committed, Credential, EventStore, EventWrite, MessageRecord, OutboxPause,
    SignalRecord, StoreError,
};
use std::collections::{BTreeMap, HashMap, HashSet};
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
    /// When its lifetime began: queued, or re-queued by an operator.
    pub since: DateTime<Utc>,
}

#[derive(Debug, Default, Clone)]
struct State {
    events: HashMap<EventId, Event>,
    /// (organizer_email, uid) → id, fixed when the event is first written.
    keys: HashMap<(String, String), EventId>,
    messages: HashMap<String, MessageRecord>,
    outbox: BTreeMap<String, OutboxEntry>,
    /// Ordered by id, the order `invitees_of` pages in.
    invitees: BTreeMap<InviteeId, Invitee>,
    /// (event_id, email) → id, fixed when the invitee is first written.
    invitee_keys: HashMap<(EventId, String), InviteeId>,
    /// Each invitee's history in the order it was committed.
    signals: HashMap<InviteeId, Vec<SignalRecord>>,
    /// (invitee_id, dedupe_key) of every recorded signal.
    signal_keys: HashSet<(InviteeId, String)>,
    /// (event_id, track, value) → count.
    counters: BTreeMap<(EventId, String, String), i64>,
    /// (event, track, hour, value) → the sum of positive deltas in that hour.
    series: BTreeMap<(EventId, String, DateTime<Utc>, String), i64>,
    credentials: BTreeMap<String, Credential>,
    /// (organizer, delegate, scope key) → the allowance.
    delegations: BTreeMap<(String, String, String), rollcall_core::usecase::delegation::Delegation>,
    /// (quota key, window start) → what was taken.
    quotas: HashMap<(String, DateTime<Utc>), u64>,
    /// Address → its suppression, in address order.
    suppressions: BTreeMap<String, rollcall_core::suppression::Suppression>,
    outbox_pause: Option<OutboxPause>,
    /// Every change record in commit order, each with its place.
    changes: Vec<rollcall_core::change::StoredChange>,
    /// The ids of `changes`.
    change_ids: HashSet<String>,
    /// Webhook endpoints by id.
    endpoints: BTreeMap<String, rollcall_core::webhook::endpoint::Endpoint>,
    /// Every delivery attempt, as recorded.
    attempts: Vec<rollcall_core::webhook::endpoint::DeliveryAttempt>,
}

/// [`EventStore`], [`InviteeStore`](rollcall_core::ports::InviteeStore) and
/// [`OutboxStore`](rollcall_core::ports::OutboxStore) in memory, behind one [`Mutex`]: the
/// reference adapter.
///
/// The contract, which every adapter honours:
///
/// - **Events** are keyed by id, and uniquely by `(organizer_email, uid)` exactly as given
///   (callers normalize the address). An event's key is fixed by its first write: a later
///   write with the same id replaces the event but does not move it to another key.
/// - **Invitees** are keyed by id, and uniquely by `(event_id, email)` exactly as given
///   (callers normalize the address); the key is fixed by the first write, as for events.
///   `invitee_by_email` finds an invitee by that key. `invitees_of(event, after, limit)`
///   returns the event's invitees with `id > after` (all if `None`), in id order (byte order
///   of the id text), at most `limit`.
/// - **`commit`** is one atomic step, all or nothing. In this order:
///   1. if `commit.message` is `Some` and an outcome for its `message_id` is already recorded,
///      or if any signal's `(invitee_id, signal.dedupe_key)` is already recorded (for that
///      invitee: the same key for another invitee is a different fact), it is a redelivery:
///      it returns `Ok(Committed::AlreadyRecorded)` and changes nothing. This is decided
///      before any expected version is checked, so a redelivery is never reported as a
///      conflict;
///   2. each [`EventWrite`], in order, with `expected_version: None` inserts an event whose id
///      and `(organizer_email, uid)` are both unused; with `Some(v)` it replaces the event
///      with the same id whose stored `version` is `v`;
///   3. each [`InviteeWrite`](rollcall_core::ports::InviteeWrite), in order, likewise: `None`
///      inserts an invitee whose id and `(event_id, email)` are both unused, `Some(v)` replaces
///      the invitee with the same id whose stored `version` is `v`. Any event or invitee write
///      that cannot apply makes the whole commit `Err(StoreError::Conflict)`: nothing of that
///      commit is kept (no event, invitee, signal, counter, outbox message or record), so the
///      same step can be planned and committed again;
///   4. signals are appended to their invitee's history (a key repeated within one commit is
///      kept once, the first copy);
///   5. each [`CounterDelta`](rollcall_core::ports::CounterDelta) adds its `delta` to the
///      count of `(event_id, track, value)`, starting from 0; several deltas for the same
///      counter in one commit all add up;
///   6. outbox messages are inserted if their id is absent (a present id keeps the first
///      copy), `Pending`, with no attempts, due at their `created_at`;
///   7. the message record, if any, is kept and returned by `message_record` as given;
///   8. change records whose id is not yet stored (nor earlier in the commit) are appended
///      to their organizer's stream after everything committed before, with a `seq` greater
///      than any that stream has (their `at` to the microsecond).
/// - **`changes_of(organizer, query)`** returns the organizer's records with `seq > after`
///   that the query wants (types, event), in `seq` order, at most `limit`.
/// - **Webhook endpoints** are kept whole by id (times to the microsecond); `endpoints_of`
///   lists an organizer's oldest first (by `created_at`, then id); deleting one deletes its
///   delivery log; `attempts_of` lists an endpoint's attempts newest first (by `at`; the same
///   microsecond in the reverse of their recording).
/// - **`signals_of(invitee)`** returns the invitee's signal records oldest first by
///   `signal.received_at` (to the microsecond); records received at the same time come in
///   the order they were committed (commit order, then position in the commit).
/// - **`counters(event)`** returns `(track, value, count)` for the event's counters whose
///   count is not zero, in no particular order.
/// - **`due_outbox(now, limit)`** returns `Pending` messages with `next_attempt_at <= now`,
///   ordered by `(next_attempt_at, id)`, at most `limit`, with their attempts so far and when
///   their lifetime began (`since`: their `created_at`, or when they were last re-queued).
/// - **`mark_sent`** sets `Sent`, the send time, clears the error and counts one attempt;
///   **`mark_retry`** sets the attempt count, the next attempt time and the error (the state
///   is unchanged); **`mark_failed`** sets `Failed`, the error and counts one attempt.
///   Marking an unknown id changes nothing and is not an error.
/// - **The pause** is one record or none: `pause_outbox` replaces it whole, `outbox_pause`
///   returns it as given (times to the microsecond), `resume_outbox` removes it.
///   `claim_outbox_probe(now, until)` moves its `next_probe_at` to `until` and answers `true`
///   only if one is recorded with `next_probe_at <= now`; of two racing claims, one wins.
/// - **`failed_outbox(after, limit)`** lists the ids of `Failed` messages with `id > after`, in
///   id order, at most `limit`; **`requeue_failed(id, now)`** turns a `Failed` message back
///   into a `Pending` one due at `now`, with no attempts and `since = now`, keeping its last
///   error, and answers `true`; any other message (or none) is left alone with `false`.
/// - Timestamps the store keeps or orders by itself (`processed_at`, `next_attempt_at`, a
///   signal's `received_at` for ordering) are kept to the microsecond, as a SQL text column
///   does; events, invitees, signal records and outbox messages are kept whole.
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
    /// Whether committing `commit` would repeat something already recorded.
    fn already_recorded(&self, commit: &Commit) -> bool {
        let message = commit
            .message
            .as_ref()
            .is_some_and(|m| self.messages.contains_key(&m.message_id));
        message
            || commit.signals.iter().any(|s| {
                self.signal_keys
                    .contains(&(s.invitee_id.clone(), s.signal.dedupe_key.clone()))
            })
    }

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

    fn queue(&mut self, message: &OutboxMessage) {
        self.outbox
            .entry(message.id.clone())
            .or_insert_with(|| OutboxEntry {
                message: message.clone(),
                state: OutboxState::Pending,
                attempts: 0,
                next_attempt_at: micros(message.created_at),
                last_error: None,
                sent_at: None,
                since: micros(message.created_at),
            });
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

    async fn commit(&self, commit: &Commit) -> Result<Committed, StoreError> {
        let mut state = self.lock()?;
        if state.already_recorded(commit) {
            return Ok(Committed::AlreadyRecorded);
        }
        // Work on a copy and swap it in only if every write applied: all or nothing.
        let mut next = state.clone();
        for write in &commit.events {
            next.write(write)?;
        }
        for write in &commit.invitees {
            next.write_invitee(write)?;
        }
        for record in &commit.signals {
            next.record_signal(record);
        }
        for delta in &commit.counters {
            next.count(delta);
        }
        for message in &commit.outbox {
            next.queue(message);
        }
        for record in &commit.changes {
            next.append_change(record);
        }
        for suppression in &commit.suppressions {
            let stored = rollcall_core::suppression::Suppression {
                since: micros(suppression.since),
                ..suppression.clone()
            };
            next.suppressions.insert(stored.address.clone(), stored);
        }
        if let Some(message) = &commit.message {
            let mut record = message.clone();
            record.processed_at = micros(record.processed_at);
            next.messages.insert(record.message_id.clone(), record);
        }
        *state = next;
        Ok(Committed::Applied)
    }

    async fn message_record(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        Ok(self.lock()?.messages.get(message_id).cloned())
    }
}
