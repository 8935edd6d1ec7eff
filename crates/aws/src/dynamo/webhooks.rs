//! The webhook endpoint port: each endpoint in its own partition with its delivery log, and
//! an item listing it under its organizer (the whole endpoint again, so a listing is one
//! query), the two written and deleted in one transaction.

use super::items::{self, Item};
use super::keys::{self, Key};
use super::{DynamoStore, build_error, sdk_error};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use rollcall_core::ports::{StoreError, WebhookStore};
use rollcall_core::webhook::endpoint::{DeliveryAttempt, Endpoint};

fn put(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .build()
        .map_err(build_error)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn delete(table: &str, key: &Key) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(items::key(key)))
        .build()
        .map_err(build_error)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

impl DynamoStore {
    /// Partition `pk`'s items whose sort key starts with `prefix`, newest (greatest) first,
    /// at most `limit`.
    async fn query_newest(
        &self,
        pk: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        let mut start: Option<Item> = None;
        while found.len() < limit {
            let left = i32::try_from(limit - found.len()).unwrap_or(1000).min(1000);
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", keys::PK)
                .expression_attribute_names("#sk", keys::SK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.to_string()))
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_string()))
                .scan_index_forward(false)
                .limit(left)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| sdk_error("Query", e))?;
            found.extend(output.items.unwrap_or_default());
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        found.truncate(limit);
        Ok(found)
    }
}

#[async_trait]
impl WebhookStore for DynamoStore {
    async fn put_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        // The listing item is keyed by the first write's organizer and creation time, which
        // the API never changes.
        let (own, listed) = items::endpoint(endpoint)?;
        let written = self
            .transact(vec![put(&self.table, own)?, put(&self.table, listed)?])
            .await?;
        match written {
            true => Ok(()),
            false => Err(StoreError::Conflict),
        }
    }

    async fn endpoint(&self, id: &str) -> Result<Option<Endpoint>, StoreError> {
        match self.get(&keys::endpoint(id)).await? {
            Some(item) => Ok(Some(items::read_endpoint(&item)?)),
            None => Ok(None),
        }
    }

    async fn endpoints_of(&self, organizer: &str) -> Result<Vec<Endpoint>, StoreError> {
        let partition = keys::organizer_endpoints_partition(organizer);
        (self
            .query_prefix(&partition, keys::WEBHOOK_PREFIX)
            .await?
            .iter())
        .map(items::read_endpoint)
        .collect()
    }

    async fn delete_endpoint(&self, id: &str) -> Result<bool, StoreError> {
        let Some(endpoint) = self.endpoint(id).await? else {
            return Ok(false);
        };
        let listed = keys::organizer_endpoint(&endpoint.organizer, endpoint.created_at, id);
        let writes = vec![
            delete(&self.table, &keys::endpoint(id))?,
            delete(&self.table, &listed)?,
        ];
        self.transact(writes).await?;
        // The log goes after: an attempt recorded meanwhile is left, under an id no endpoint
        // has any more, and never listed.
        let partition = keys::endpoint_partition(id);
        for item in self.query_prefix(&partition, keys::ATTEMPT_PREFIX).await? {
            let key = items::read_key(&item)?;
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(items::key(&key)))
                .send()
                .await
                .map_err(|e| sdk_error("DeleteItem", e))?;
        }
        Ok(true)
    }

    async fn record_attempt(&self, attempt: &DeliveryAttempt) -> Result<(), StoreError> {
        let item = items::attempt(attempt, super::commit::next_stamp())?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(())
    }

    async fn attempts_of(
        &self,
        endpoint: &str,
        limit: usize,
    ) -> Result<Vec<DeliveryAttempt>, StoreError> {
        let partition = keys::endpoint_partition(endpoint);
        (self
            .query_newest(&partition, keys::ATTEMPT_PREFIX, limit)
            .await?
            .iter())
        .map(items::read_attempt)
        .collect()
    }
}
