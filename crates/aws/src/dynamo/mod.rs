//! The DynamoDB store: [`DynamoStore`] implements the core's event, invitee, outbox, credential
//! and report ports (so it is a `rollcall_core::ports::Store`) on one table, and passes the
//! same contract suite as the SQLite and in-memory stores.
//!
//! # The table
//!
//! Mirror this in the SAM template ([`create_table`] makes the same table for tests):
//!
//! - key schema: `PK` (string, HASH), `SK` (string, RANGE);
//! - one global secondary index `GSI1`: `GSI1PK` (string, HASH), `GSI1SK` (string, RANGE),
//!   projection `KEYS_ONLY`. It is sparse: only pending outbox messages carry its keys;
//! - billing mode `PAY_PER_REQUEST`; no streams needed. No item carries a TTL attribute yet.
//!
//! Every key format is in [`keys`] (with the full table of item kinds) and every item mapping
//! in [`items`].
//!
//! # Consistency
//!
//! Reads of the table are strongly consistent. `GSI1` is eventually consistent, so
//! `due_outbox` only uses it to find candidates and reads them again from the table: a message
//! just marked sent is never handed out again (one just queued may wait for the next pass).
//!
//! # Commits
//!
//! A commit is one `TransactWriteItems` (see `commit.rs` for the conditions and how a
//! cancelled transaction becomes `AlreadyRecorded`, `Conflict` or `Unavailable`); at most
//! [`MAX_TRANSACTION_ITEMS`] items, which a commit needs as follows: a message record 1; an
//! event 4 when new (the event, its (organizer, UID) key, and the items listing it under its
//! organizer and its organizer's domain), 1 when replaced; an invitee 3 when new (the invitee,
//! its id key and its (event, email) key), 1 when replaced; a signal 1; a counter 1 (deltas of
//! one counter merged), and 1 more for each hour in which it has positive deltas (its hour
//! bucket; positive deltas of one counter in one hour merged); an outbox message 1; a change
//! record 2 (the record and its id marker), and 1 for the stream head of each organizer the
//! records are for.
//!
//! # Credentials
//!
//! A credential and the item listing it under its organizer are put, and deleted, in one
//! transaction (`access.rs`); taking one deletes both on condition that they still exist, so of
//! callers racing for one credential exactly one gets it.

mod access;
mod cancellation;
mod changes;
mod commit;
#[cfg(feature = "emulator")]
pub mod emulator;
mod events;
mod invitees;
pub mod items;
pub mod keys;
mod outbox;
mod table;
mod trust;
mod webhooks;

pub use commit::MAX_TRANSACTION_ITEMS;
pub use table::create_table;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use items::Item;
use keys::Key;
use rollcall_core::ports::StoreError;
use std::collections::HashMap;
use std::time::Duration;

/// The event, invitee, outbox, credential and report ports on one DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// A store on `table` (which must exist, shaped as the module documents).
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    /// A store on `table` with the SDK configured from the environment (region, credentials:
    /// on Lambda, the function's role).
    pub async fn from_env(table: impl Into<String>) -> DynamoStore {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        DynamoStore::new(Client::new(&config), table)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// One item, read consistently.
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(items::key(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        Ok(output.item)
    }

    /// The items with these keys that exist, read consistently (only their keys, with
    /// `keys_only`), in no particular order.
    async fn get_many(&self, wanted: &[Key], keys_only: bool) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        for chunk in wanted.chunks(100) {
            let mut request = KeysAndAttributes::builder()
                .set_keys(Some(chunk.iter().map(items::key).collect()))
                .consistent_read(true);
            if keys_only {
                request = request
                    .projection_expression("#pk, #sk")
                    .expression_attribute_names("#pk", keys::PK)
                    .expression_attribute_names("#sk", keys::SK);
            }
            let request = request.build().map_err(build_error)?;
            let mut pending = HashMap::from([(self.table.clone(), request)]);
            for attempt in 0u32.. {
                let output = self
                    .client
                    .batch_get_item()
                    .set_request_items(Some(pending))
                    .send()
                    .await
                    .map_err(|e| sdk_error("BatchGetItem", e))?;
                if let Some(mut responses) = output.responses {
                    found.extend(responses.remove(&self.table).unwrap_or_default());
                }
                match output.unprocessed_keys {
                    Some(unprocessed) if !unprocessed.is_empty() => {
                        if attempt >= 8 {
                            return Err(StoreError::Unavailable(
                                "DynamoDB BatchGetItem: keys still unprocessed after 8 retries"
                                    .to_string(),
                            ));
                        }
                        tokio::time::sleep(backoff(attempt)).await;
                        pending = unprocessed;
                    }
                    _ => break,
                }
            }
        }
        Ok(found)
    }

    /// Every item of partition `pk` whose sort key is between `from` and `to` (inclusive),
    /// in sort key order, read consistently; at most `limit` if given.
    async fn query_range(
        &self,
        pk: &str,
        from: &str,
        to: &str,
        limit: Option<usize>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .expression_attribute_names("#pk", keys::PK)
                .expression_attribute_names("#sk", keys::SK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.to_string()))
                .expression_attribute_values(":from", AttributeValue::S(from.to_string()))
                .expression_attribute_values(":to", AttributeValue::S(to.to_string()))
                .set_exclusive_start_key(start.take());
            if let Some(limit) = limit {
                let left = limit.saturating_sub(found.len()).min(1000);
                query = query.limit(i32::try_from(left).unwrap_or(1000));
            }
            let output = query.send().await.map_err(|e| sdk_error("Query", e))?;
            found.extend(output.items.unwrap_or_default());
            let full = limit.is_some_and(|limit| found.len() >= limit);
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() && !full => start = Some(key),
                _ => break,
            }
        }
        Ok(found)
    }

    /// Every item of partition `pk` whose sort key starts with `prefix` (which ends in `#`).
    async fn query_prefix(&self, pk: &str, prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.query_range(pk, prefix, &keys::prefix_end(prefix), None)
            .await
    }
}

/// An SDK error as the port's `Unavailable`: the SDK's types stay in this crate.
fn sdk_error<E, R>(operation: &str, error: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StoreError::Unavailable(format!(
        "DynamoDB {operation}: {}",
        DisplayErrorContext(&error)
    ))
}

fn build_error(error: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(format!("DynamoDB request not built: {error}"))
}

/// Exponential backoff with a little jitter: 25 ms, 50 ms, ... up to 1.6 s.
fn backoff(attempt: u32) -> Duration {
    let base = 25u64 << attempt.min(6);
    let jitter = u64::from(chrono::Utc::now().timestamp_subsec_nanos()) % (base / 2 + 1);
    Duration::from_millis(base + jitter)
}
