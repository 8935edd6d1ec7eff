//! `commit`: everything one use-case step changes, as one `TransactWriteItems`.
//!
//! The actions and their conditions:
//!
//! | what                 | action                                   | condition                 |
//! |----------------------|------------------------------------------|---------------------------|
//! | message record       | put `MSG#<id>`                           | `attribute_not_exists`    |
//! | signal               | put `INVITEE#<id>` / `SIGNAL#<key>`      | `attribute_not_exists`    |
//! | new event            | put the event, put its (organizer, UID)  | `attribute_not_exists`    |
//! |                      | put its organizer and domain items       | none                      |
//! | replaced event       | put the event                            | `version = :expected`     |
//! | new invitee          | put it, its id key, its (event, email)   | `attribute_not_exists`    |
//! | replaced invitee     | put the invitee                          | `version = :expected`     |
//! | counter              | update `ADD count :delta`                | none                      |
//! | counter's hour       | update `ADD count :delta` (if positive)  | none                      |
//! | outbox message       | put `OUTBOX#<id>`, if absent (see below) | `attribute_not_exists`    |
//! | suppression          | put `SUPPRESSIONS` / `ADDRESS#<address>` | none (the latest wins)    |
//! | change record        | put `CHANGEID#<id>` (its marker)         | `attribute_not_exists`    |
//! |                      | put `STREAM#<organizer>` / `CHANGE#<seq>`| `attribute_not_exists`    |
//! | stream head          | put `STREAM#<organizer>` / `HEAD`        | `seq = :read` (or absent) |
//!
//! A signal item is both the history entry and the de-duplication marker of its
//! (invitee, key): one item, so a signal costs one of the transaction's 100 actions and a
//! marker can never exist without its history entry. The organizer and domain items of a new
//! event need no condition of their own: they are keyed by the event id, which the event's own
//! `attribute_not_exists` guards.
//!
//! When DynamoDB cancels the transaction, its reasons (one per action, in order) decide:
//! a failed condition on the message record or a signal means the step was already
//! committed: `AlreadyRecorded`, whatever else failed. A failed version or uniqueness
//! condition is a `Conflict` — after a consistent read of the message record and the signals
//! confirms that the step is not a redelivery (DynamoDB need not report every failed
//! condition, and the port wants the redelivery verdict first). `TransactionConflict`
//! (another transaction was writing one of the items) is retried after a short backoff.
//! Anything else is `Unavailable`. Each transaction carries an idempotency token, so the
//! SDK's own retry of a transaction whose response was lost does not apply it twice.
//!
//! **Outbox messages are inserted if absent**, as the port requires (a commit that queues
//! an id already queued keeps the first copy and still applies). DynamoDB cannot express
//! "put unless it exists, and carry on" inside a transaction (a failed condition cancels it,
//! and an `if_not_exists` update would also put a sent message back into the due index), so
//! the ids are read first (consistently) and only the absent ones are put, with
//! `attribute_not_exists`. If another commit queues one of them in between, that condition
//! fails alone; the commit then reads again and retries, so the race costs a retry, never a
//! second copy or a lost commit.
//!
//! Before anything is sent, the commit is folded the way the port reads it: a signal key
//! repeated for one invitee is kept once (the first copy), deltas of one counter are added
//! into one update (a zero sum is no update), the positive deltas of one counter in one hour
//! (by their `at`) into one update of its hour bucket, an outbox id repeated is queued once
//! (the first copy). An event or invitee written twice in one commit cannot be one transaction
//! (DynamoDB refuses two actions on one item): a second insert of the same id or key is a
//! `Conflict`, as in every store; anything else is refused as `Unavailable`. So is a commit of
//! more than [`MAX_TRANSACTION_ITEMS`] items, before anything is sent.
//!
//! **Change records get their places from their organizer's stream head.** The head (the
//! last place handed out) and the id markers are read consistently first; the records whose
//! id is not stored take the next places, and the head moves to the last of them on condition
//! that it still holds what was read. A commit that read the head before another moved it
//! fails that condition alone and reads again ([`MAX_STREAM_MOVES`] times at most), so places
//! grow with commit order and are never handed out twice: a consumer that resumes after the
//! last place it saw misses nothing.

use super::cancellation::{Role, Verdict, classify, codes};
use super::items::{self, Item};
use super::keys::{self, Key};
use super::{DynamoStore, backoff, build_error, sdk_error};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use rollcall_core::change::ChangeRecord;
use rollcall_core::notice::OutboxMessage;
use rollcall_core::ports::{Commit, Committed, CounterDelta, SignalRecord, StoreError, hour_of};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};

/// DynamoDB's limit on the actions of one `TransactWriteItems`.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// Transactions sent for one commit at most (retries after a concurrent outbox insert or a
/// `TransactionConflict`), besides those after a moved stream head.
const MAX_ATTEMPTS: u32 = 6;

/// Retries after another commit moved a stream head this commit read: as many as there
/// may be commits for one organizer in flight at once (a burst of answers to one event).
const MAX_STREAM_MOVES: u32 = 64;

struct Action {
    role: Role,
    write: TransactWriteItem,
}

/// A commit folded as the port reads it, ready to become actions.
struct Plan<'a> {
    commit: &'a Commit,
    /// The first record of each (invitee, key).
    signals: Vec<&'a SignalRecord>,
    /// Each counter once, with the sum of its deltas; zero sums left out.
    counters: Vec<(&'a CounterDelta, i64)>,
    /// Each hour bucket of a counter once (the delta naming its counter, the hour), with the
    /// sum of its positive deltas.
    series: Vec<(&'a CounterDelta, DateTime<Utc>, i64)>,
    /// The first message of each id.
    outbox: Vec<&'a OutboxMessage>,
    /// The first change record of each id.
    changes: Vec<&'a ChangeRecord>,
}

/// The change records to append, as read just before the transaction: those whose id is
/// not stored, and the head of each of their organizers' streams.
#[derive(Default)]
struct Stream<'a> {
    records: Vec<&'a ChangeRecord>,
    /// Each organizer once, in the order of their first record, with the head as read.
    heads: Vec<(&'a str, Option<u64>)>,
}

/// An item the commit would write twice.
enum Twice {
    /// By a second insert: the id or key is taken, a conflict in every store.
    Insert,
    /// Otherwise: no transaction can say it.
    Write(String),
}

impl<'a> Plan<'a> {
    fn new(commit: &'a Commit) -> Plan<'a> {
        let mut seen = HashSet::new();
        let signals = commit
            .signals
            .iter()
            .filter(|r| seen.insert((&r.invitee_id, &r.signal.dedupe_key)))
            .collect();
        let mut counters: Vec<(&CounterDelta, i64)> = Vec::new();
        let mut index: HashMap<_, usize> = HashMap::new();
        for delta in &commit.counters {
            let key = (&delta.event_id, &delta.track, &delta.value);
            match index.get(&key) {
                Some(&i) => counters[i].1 += delta.delta,
                None => {
                    index.insert(key, counters.len());
                    counters.push((delta, delta.delta));
                }
            }
        }
        counters.retain(|(_, sum)| *sum != 0);
        let mut series: Vec<(&CounterDelta, DateTime<Utc>, i64)> = Vec::new();
        let mut index: HashMap<_, usize> = HashMap::new();
        for delta in commit.counters.iter().filter(|d| d.delta > 0) {
            let hour = hour_of(delta.at);
            let key = (&delta.event_id, &delta.track, hour, &delta.value);
            match index.get(&key) {
                Some(&i) => series[i].2 += delta.delta,
                None => {
                    index.insert(key, series.len());
                    series.push((delta, hour, delta.delta));
                }
            }
        }
        let mut ids = HashSet::new();
        let outbox = commit.outbox.iter().filter(|m| ids.insert(&m.id)).collect();
        let mut ids = HashSet::new();
        let changes = commit
            .changes
            .iter()
            .filter(|c| ids.insert(&c.id))
            .collect();
        Plan {
            commit,
            signals,
            counters,
            series,
            outbox,
            changes,
        }
    }

    /// How many actions the commit needs at most (every outbox message counted).
    fn size(&self) -> usize {
        let inserts = |none: bool, new: usize| if none { new } else { 1 };
        usize::from(self.commit.message.is_some())
            + (self.commit.events.iter())
                .map(|w| inserts(w.expected_version.is_none(), 4))
                .sum::<usize>()
            + (self.commit.invitees.iter())
                .map(|w| inserts(w.expected_version.is_none(), 3))
                .sum::<usize>()
            + self.signals.len()
            + self.counters.len()
            + self.series.len()
            + self.outbox.len()
            + self.suppressions().len()
            + 2 * self.changes.len()
            + self.organizers().len()
    }

    /// The organizers the change records are for, each once, in the order of their first.
    fn organizers(&self) -> Vec<&'a str> {
        let mut seen = HashSet::new();
        (self.changes.iter())
            .map(|c| c.organizer.as_str())
            .filter(|o| seen.insert(*o))
            .collect()
    }

    /// The suppressions, one per address (the last one given wins, as in every store).
    fn suppressions(&self) -> Vec<&'a rollcall_core::suppression::Suppression> {
        let mut by_address: HashMap<&str, &rollcall_core::suppression::Suppression> =
            HashMap::new();
        for suppression in &self.commit.suppressions {
            by_address.insert(&suppression.address, suppression);
        }
        by_address.into_values().collect()
    }

    /// The items whose existence makes the commit a redelivery.
    fn recorded_keys(&self) -> Vec<Key> {
        let message = self
            .commit
            .message
            .iter()
            .map(|m| keys::message(&m.message_id));
        let signals =
            (self.signals.iter()).map(|r| keys::signal(&r.invitee_id, &r.signal.dedupe_key));
        message.chain(signals).collect()
    }

    fn outbox_keys(&self) -> Vec<Key> {
        self.outbox.iter().map(|m| keys::outbox(&m.id)).collect()
    }

    /// The transaction: the redelivery markers first, then events, invitees, counters, their
    /// hour buckets, the outbox messages in `queue` and the change records in `stream`.
    /// `stamp` orders this commit's signals after earlier commits' at the same received time.
    fn actions(
        &self,
        table: &str,
        queue: &[&OutboxMessage],
        stream: &Stream<'_>,
        stamp: i64,
    ) -> Result<Result<Vec<Action>, Twice>, StoreError> {
        let mut actions = Actions {
            table,
            list: Vec::new(),
            written: HashSet::new(),
        };
        if let Some(message) = &self.commit.message {
            actions.put_new(Role::Recorded, items::message(message)?)?;
        }
        for (position, record) in self.signals.iter().enumerate() {
            let item = items::signal(record, stamp, position)?;
            actions.put_new(Role::Recorded, item)?;
        }
        for write in &self.commit.events {
            let event = &write.event;
            let done = match write.expected_version {
                None => {
                    actions.put_new(Role::Versioned, items::event(event)?)?
                        && actions.put_new(Role::Versioned, items::organizer_uid(event))?
                        && actions.put_index(items::organizer_event(event))?
                        && actions.put_index(items::domain_event(event))?
                }
                Some(expected) => actions.put_version(items::event(event)?, expected)?,
            };
            if !done {
                return Ok(Err(actions.twice(
                    write.expected_version,
                    "event",
                    event.id.as_str(),
                )));
            }
        }
        for write in &self.commit.invitees {
            let invitee = &write.invitee;
            let done = match write.expected_version {
                None => {
                    actions.put_new(Role::Versioned, items::invitee(invitee)?)?
                        && actions.put_new(Role::Versioned, items::invitee_lookup(invitee))?
                        && actions.put_new(Role::Versioned, items::invitee_email(invitee))?
                }
                Some(expected) => actions.put_version(items::invitee(invitee)?, expected)?,
            };
            if !done {
                let id = invitee.id.as_str();
                return Ok(Err(actions.twice(write.expected_version, "invitee", id)));
            }
        }
        for (delta, sum) in &self.counters {
            let (event, track, value) = (&delta.event_id, &delta.track, &delta.value);
            let update = items::counter_add(event, track, value, *sum);
            actions.add(&keys::counter(event, track, value), update)?;
        }
        for (delta, hour, sum) in &self.series {
            let (event, track, value) = (&delta.event_id, &delta.track, &delta.value);
            let update = items::series_add(event, track, *hour, value, *sum);
            actions.add(&keys::series(event, track, *hour, value), update)?;
        }
        for message in queue {
            actions.put_new(Role::Outbox, items::outbox(message)?)?;
        }
        for suppression in self.suppressions() {
            actions.put_index(super::trust::suppression_item(suppression)?)?;
        }
        for (organizer, head) in &stream.heads {
            let mut seq = head.unwrap_or(0);
            for record in stream.records.iter().filter(|r| r.organizer == *organizer) {
                seq += 1;
                actions.put_new(Role::Stream, items::change_marker(&record.id))?;
                actions.put_new(Role::Stream, items::change(record, seq)?)?;
            }
            actions.put_head(organizer, *head, seq)?;
        }
        Ok(Ok(actions.list))
    }
}

/// The actions of one transaction, and the items they write.
struct Actions<'a> {
    table: &'a str,
    list: Vec<Action>,
    written: HashSet<(String, String)>,
}

impl Actions<'_> {
    /// Puts `item` if no item with its key exists; `false` if this transaction already
    /// writes that item.
    fn put_new(&mut self, role: Role, item: Item) -> Result<bool, StoreError> {
        let names = HashMap::from([("#pk".to_string(), keys::PK.to_string())]);
        self.put(role, item, Some("attribute_not_exists(#pk)"), names, None)
    }

    /// Moves `organizer`'s stream head to `seq` if it still holds `read` (`None`: absent).
    fn put_head(&mut self, organizer: &str, read: Option<u64>, seq: u64) -> Result<(), StoreError> {
        let item = items::stream_head(organizer, seq);
        let (condition, names, values) = match read {
            None => (
                "attribute_not_exists(#pk)",
                HashMap::from([("#pk".to_string(), keys::PK.to_string())]),
                None,
            ),
            Some(read) => (
                "#seq = :read",
                HashMap::from([("#seq".to_string(), items::SEQ.to_string())]),
                Some(HashMap::from([(
                    ":read".to_string(),
                    AttributeValue::N(read.to_string()),
                )])),
            ),
        };
        self.put(Role::Stream, item, Some(condition), names, values)?;
        Ok(())
    }

    /// Puts an index item whatever is there (another action's condition guards it); `false`
    /// if this transaction already writes that item.
    fn put_index(&mut self, item: Item) -> Result<bool, StoreError> {
        self.put(Role::Versioned, item, None, HashMap::new(), None)
    }

    /// Adds to a counter or an hour bucket (`update`, unconditional). Each is updated once:
    /// the plan merged its deltas.
    fn add(&mut self, key: &Key, update: items::Update) -> Result<(), StoreError> {
        let write = Update::builder()
            .table_name(self.table)
            .set_key(Some(items::key(key)))
            .update_expression(update.expression)
            .set_expression_attribute_names(Some(update.names))
            .set_expression_attribute_values(Some(update.values))
            .build()
            .map_err(build_error)?;
        self.list.push(Action {
            role: Role::Counter,
            write: TransactWriteItem::builder().update(write).build(),
        });
        Ok(())
    }

    /// Replaces the item with `item`'s key if its `version` is `expected`; `false` if this
    /// transaction already writes that item.
    fn put_version(&mut self, item: Item, expected: u64) -> Result<bool, StoreError> {
        let names = HashMap::from([("#version".to_string(), items::VERSION.to_string())]);
        let values = HashMap::from([(
            ":expected".to_string(),
            AttributeValue::N(expected.to_string()),
        )]);
        let condition = "#version = :expected";
        self.put(Role::Versioned, item, Some(condition), names, Some(values))
    }

    fn put(
        &mut self,
        role: Role,
        item: Item,
        condition: Option<&str>,
        names: HashMap<String, String>,
        values: Option<Item>,
    ) -> Result<bool, StoreError> {
        let key = items::read_key(&item)?;
        if !self.written.insert((key.pk, key.sk)) {
            return Ok(false);
        }
        let put = Put::builder()
            .table_name(self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_string))
            .set_expression_attribute_names((!names.is_empty()).then_some(names))
            .set_expression_attribute_values(values)
            .build()
            .map_err(build_error)?;
        self.list.push(Action {
            role,
            write: TransactWriteItem::builder().put(put).build(),
        });
        Ok(true)
    }

    fn twice(&self, expected_version: Option<u64>, what: &str, id: &str) -> Twice {
        match expected_version {
            None => Twice::Insert,
            Some(_) => Twice::Write(format!(
                "the commit writes {what} {id} twice; one DynamoDB transaction cannot"
            )),
        }
    }
}

/// A number that orders this process's commits (microseconds of the wall clock, made strictly
/// increasing). Commits from different processes at the same microsecond of received time
/// are ordered by their clocks: concurrent commits have no order of their own.
pub(super) fn next_stamp() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(i64::MIN);
    let now = Utc::now().timestamp_micros();
    let step = |last: i64| now.max(last.saturating_add(1));
    match LAST.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| Some(step(last))) {
        Ok(last) | Err(last) => step(last),
    }
}

/// The idempotency token of one transaction: if the SDK sends it again (its response was
/// lost), DynamoDB answers as it did the first time instead of applying it again, so a commit
/// that applied is not reported as `AlreadyRecorded`. Distinct for every transaction sent
/// (commit, attempt), as DynamoDB requires of tokens whose requests differ.
fn request_token(table: &str, plan: &Plan<'_>, stamp: i64, attempt: u32) -> String {
    let mut hash = Sha256::new();
    hash.update(table.as_bytes());
    hash.update(std::process::id().to_be_bytes());
    hash.update(stamp.to_be_bytes());
    hash.update(attempt.to_be_bytes());
    for key in plan.recorded_keys() {
        hash.update(key.pk.as_bytes());
        hash.update([0]);
    }
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl DynamoStore {
    /// Whether any of `wanted` exists (read consistently).
    async fn any_exists(&self, wanted: &[Key]) -> Result<bool, StoreError> {
        Ok(!wanted.is_empty() && !self.get_many(wanted, true).await?.is_empty())
    }

    /// The answer to a commit refused for a version or a unique key: a redelivery if its
    /// message or a signal is recorded, else a conflict.
    async fn refused(&self, plan: &Plan<'_>) -> Result<Committed, StoreError> {
        if self.any_exists(&plan.recorded_keys()).await? {
            Ok(Committed::AlreadyRecorded)
        } else {
            Err(StoreError::Conflict)
        }
    }

    /// The plan's change records whose ids are not stored yet, and their streams' heads.
    async fn unstreamed<'a>(&self, plan: &Plan<'a>) -> Result<Stream<'a>, StoreError> {
        if plan.changes.is_empty() {
            return Ok(Stream::default());
        }
        let markers: Vec<Key> = plan
            .changes
            .iter()
            .map(|c| keys::change_id(&c.id))
            .collect();
        let stored: HashSet<Key> = (self.get_many(&markers, true).await?.iter())
            .map(items::read_key)
            .collect::<Result<_, _>>()?;
        let records: Vec<&ChangeRecord> = (plan.changes.iter())
            .filter(|c| !stored.contains(&keys::change_id(&c.id)))
            .copied()
            .collect();
        let mut heads = Vec::new();
        for organizer in plan.organizers() {
            if records.iter().any(|r| r.organizer == organizer) {
                let head = self.get(&keys::stream_head(organizer)).await?;
                heads.push((organizer, head.as_ref().map(items::read_seq).transpose()?));
            }
        }
        Ok(Stream { records, heads })
    }

    /// The plan's outbox messages whose ids are not queued yet.
    async fn unqueued<'a>(&self, plan: &Plan<'a>) -> Result<Vec<&'a OutboxMessage>, StoreError> {
        if plan.outbox.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.get_many(&plan.outbox_keys(), true).await?;
        let queued: HashSet<Key> = found
            .iter()
            .map(items::read_key)
            .collect::<Result<_, _>>()?;
        Ok((plan.outbox.iter())
            .filter(|m| !queued.contains(&keys::outbox(&m.id)))
            .copied()
            .collect())
    }
}

pub(super) async fn commit(store: &DynamoStore, commit: &Commit) -> Result<Committed, StoreError> {
    let plan = Plan::new(commit);
    let size = plan.size();
    if size > MAX_TRANSACTION_ITEMS {
        return Err(StoreError::Unavailable(format!(
            "the commit needs {size} DynamoDB items; one transaction holds at most \
             {MAX_TRANSACTION_ITEMS}"
        )));
    }
    let stamp = next_stamp();
    let (mut attempt, mut moved) = (0, 0);
    while attempt < MAX_ATTEMPTS && moved <= MAX_STREAM_MOVES {
        let queue = store.unqueued(&plan).await?;
        let stream = store.unstreamed(&plan).await?;
        let actions = match plan.actions(&store.table, &queue, &stream, stamp)? {
            Ok(actions) => actions,
            Err(Twice::Insert) => return store.refused(&plan).await,
            Err(Twice::Write(why)) => return Err(StoreError::Unavailable(why)),
        };
        if actions.is_empty() {
            return Ok(Committed::Applied);
        }
        let roles: Vec<Role> = actions.iter().map(|a| a.role).collect();
        let writes = actions.into_iter().map(|a| a.write).collect();
        let sent = store
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .client_request_token(request_token(&store.table, &plan, stamp, attempt + moved))
            .send()
            .await;
        let error = match sent {
            Ok(_) => return Ok(Committed::Applied),
            Err(error) => error,
        };
        let verdict = match error.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                classify(&roles, &codes(cancelled.cancellation_reasons()))
            }
            _ => return Err(sdk_error("TransactWriteItems", error)),
        };
        match verdict {
            Verdict::AlreadyRecorded => return Ok(Committed::AlreadyRecorded),
            Verdict::Conflict => return store.refused(&plan).await,
            Verdict::Unavailable(why) => return Err(StoreError::Unavailable(why)),
            Verdict::StreamMoved => {
                moved += 1;
                // Jittered, so commits that met at one head do not meet again at once.
                tokio::time::sleep(backoff(moved.min(3))).await;
                continue;
            }
            Verdict::OutboxTaken => {}
            Verdict::Busy => tokio::time::sleep(backoff(attempt)).await,
        }
        attempt += 1;
    }
    // Other writers kept getting in the way: as for a version conflict, re-read and retry.
    store.refused(&plan).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_increase() {
        let stamps: Vec<i64> = (0..1000).map(|_| next_stamp()).collect();
        assert!(stamps.windows(2).all(|w| w[0] < w[1]));
    }
}
