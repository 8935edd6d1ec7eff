//! The dashboard's ports: credentials by the hash of their secret (each with an item listing
//! it under its organizer, written and deleted in one transaction with it), events by
//! organizer and by domain (through the items a commit writes beside a new event), and the
//! hour buckets of counters.

use super::items::{self, Item};
use super::keys::{self, Key};
use super::{DynamoStore, backoff, build_error, sdk_error};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use chrono::{DateTime, Utc};
use rollcall_core::event::{Event, EventId};
use rollcall_core::ports::{
    Credential, CredentialKind, CredentialStore, ReportStore, SeriesPoint, StoreError,
};
use rollcall_core::tracking::email_domain;
use std::collections::HashMap;

/// Transactions sent for one credential write at most (retries after `TransactionConflict`).
const MAX_ATTEMPTS: u32 = 6;

/// The condition every action of a credential transaction carries.
enum Condition {
    /// `attribute_not_exists`: a put of a new item.
    Absent,
    /// `attribute_exists`: a delete of an item that must still be there.
    Present,
}

impl Condition {
    fn expression(&self) -> &'static str {
        match self {
            Condition::Absent => "attribute_not_exists(#pk)",
            Condition::Present => "attribute_exists(#pk)",
        }
    }
}

fn pk_name() -> HashMap<String, String> {
    HashMap::from([("#pk".to_string(), keys::PK.to_string())])
}

fn put(table: &str, item: Item, condition: Condition) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(condition.expression())
        .set_expression_attribute_names(Some(pk_name()))
        .build()
        .map_err(build_error)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn delete(table: &str, key: &Key, condition: Condition) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(items::key(key)))
        .condition_expression(condition.expression())
        .set_expression_attribute_names(Some(pk_name()))
        .build()
        .map_err(build_error)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

impl DynamoStore {
    /// Sends `writes` as one transaction; `false` if a condition failed (nothing was written).
    /// Retried while another transaction is writing one of the items.
    pub(super) async fn transact(
        &self,
        writes: Vec<TransactWriteItem>,
    ) -> Result<bool, StoreError> {
        for attempt in 0..MAX_ATTEMPTS {
            let sent = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes.clone()))
                .send()
                .await;
            let error = match sent {
                Ok(_) => return Ok(true),
                Err(error) => error,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                error.as_service_error()
            else {
                return Err(sdk_error("TransactWriteItems", error));
            };
            let codes: Vec<&str> = (cancelled.cancellation_reasons().iter())
                .filter_map(|r| r.code())
                .filter(|c| *c != "None")
                .collect();
            if codes.contains(&"ConditionalCheckFailed") {
                return Ok(false);
            }
            if codes.is_empty() || codes.iter().any(|c| *c != "TransactionConflict") {
                return Err(StoreError::Unavailable(format!(
                    "DynamoDB cancelled the transaction: {codes:?}"
                )));
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
        Err(StoreError::Unavailable(format!(
            "DynamoDB TransactWriteItems: still conflicting after {MAX_ATTEMPTS} attempts"
        )))
    }

    /// The events the items of one organizer or domain partition point at.
    async fn events_listed_in(&self, partition: &str) -> Result<Vec<Event>, StoreError> {
        let listed = self.query_prefix(partition, keys::EVENT_PREFIX).await?;
        let wanted = (listed.iter())
            .map(|item| Ok(keys::event(&items::read_event_id(item)?)))
            .collect::<Result<Vec<Key>, StoreError>>()?;
        // The listing items are written in one transaction with their event, so all exist.
        (self.get_many(&wanted, false).await?.iter())
            .map(items::read_event)
            .collect()
    }
}

#[async_trait]
impl CredentialStore for DynamoStore {
    async fn put_credential(&self, credential: &Credential) -> Result<(), StoreError> {
        let writes = vec![
            put(
                &self.table,
                items::credential(credential),
                Condition::Absent,
            )?,
            put(
                &self.table,
                items::organizer_credential(credential),
                Condition::Absent,
            )?,
        ];
        if self.transact(writes).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn credential(&self, hash: &str) -> Result<Option<Credential>, StoreError> {
        match self.get(&keys::credential(hash)).await? {
            Some(item) => Ok(Some(items::read_credential(&item)?)),
            None => Ok(None),
        }
    }

    async fn take_credential(&self, hash: &str) -> Result<Option<Credential>, StoreError> {
        let Some(credential) = self.credential(hash).await? else {
            return Ok(None);
        };
        // Both deletes are conditional on the items still being there: of takers racing, the
        // first transaction wins and every other finds them gone.
        let writes = vec![
            delete(&self.table, &keys::credential(hash), Condition::Present)?,
            delete(
                &self.table,
                &items::organizer_credential_key(&credential),
                Condition::Present,
            )?,
        ];
        Ok(self.transact(writes).await?.then_some(credential))
    }

    async fn touch_credential(&self, hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let update = items::credential_touch(at);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::key(&keys::credential(hash))))
            .update_expression(update.expression)
            .set_expression_attribute_names(Some(update.names))
            .set_expression_attribute_values(Some(update.values))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", keys::PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Gone: nothing to record.
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_error("UpdateItem", e)),
        }
    }

    async fn delete_credential(&self, hash: &str) -> Result<(), StoreError> {
        // Deleting is taking and dropping: both items go, and a gone one is no error.
        self.take_credential(hash).await?;
        Ok(())
    }

    async fn credentials_of(
        &self,
        organizer: &str,
        kind: CredentialKind,
    ) -> Result<Vec<Credential>, StoreError> {
        let partition = keys::organizer_credentials_partition(organizer);
        let listed = (self.query_prefix(&partition, &keys::credential_kind_prefix(kind))).await?;
        let wanted = (listed.iter())
            .map(|item| Ok(keys::credential(items::read_hash(item)?)))
            .collect::<Result<Vec<Key>, StoreError>>()?;
        let mut found = (self.get_many(&wanted, false).await?.iter())
            .map(items::read_credential)
            .collect::<Result<Vec<_>, _>>()?;
        found.sort_by(|a, b| (a.created_at, &a.hash).cmp(&(b.created_at, &b.hash)));
        Ok(found)
    }
}

#[async_trait]
impl ReportStore for DynamoStore {
    async fn events_of_organizer(&self, email: &str) -> Result<Vec<Event>, StoreError> {
        let partition = keys::organizer_events_partition(email);
        let mut events = self.events_listed_in(&partition).await?;
        // Listed by the organizer of its first write, which later writes keep.
        events.retain(|e| e.organizer_email == email);
        Ok(events)
    }

    async fn events_of_domain(&self, domain: &str) -> Result<Vec<Event>, StoreError> {
        let domain = domain.to_ascii_lowercase();
        let mut events = (self.events_listed_in(&keys::domain_events_partition(&domain))).await?;
        events.retain(|e| email_domain(&e.organizer_email).eq_ignore_ascii_case(&domain));
        Ok(events)
    }

    async fn series(
        &self,
        event: &EventId,
        track: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<SeriesPoint>, StoreError> {
        if from >= until {
            return Ok(Vec::new());
        }
        let (low, high) = keys::series_range(track, from, until);
        let found = (self.query_range(&keys::event_partition(event), &low, &high, None)).await?;
        let mut points = Vec::with_capacity(found.len());
        for item in &found {
            let point = items::read_series(item)?;
            // The range's ends are microseconds; `from` and `until` may have nanoseconds.
            if from <= point.hour && point.hour < until {
                points.push(point);
            }
        }
        Ok(points)
    }
}
