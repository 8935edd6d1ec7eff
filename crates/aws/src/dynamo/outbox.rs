//! The outbox port: due messages through the sparse `GSI1` index, and the marks delivery
//! leaves on them; failed messages through the same index, and the outbox's pause item.

use super::items::{self, Update};
use super::{DynamoStore, keys, sdk_error};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use rollcall_core::ports::{DueMessage, OutboxControl, OutboxPause, OutboxStore, StoreError};

impl DynamoStore {
    /// Applies `update` to outbox message `id` if it exists and `condition` (if any) holds;
    /// `false` if it does not exist or the condition does not hold.
    async fn update_outbox(
        &self,
        id: &str,
        update: Update,
        condition: Option<(&str, &str)>,
    ) -> Result<bool, StoreError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::key(&keys::outbox(id))))
            .update_expression(update.expression)
            .set_expression_attribute_names(Some(update.names))
            .set_expression_attribute_values(Some(update.values))
            .expression_attribute_names("#pk", keys::PK);
        request = match condition {
            None => request.condition_expression("attribute_exists(#pk)"),
            Some((attribute, wanted)) => request
                .condition_expression("attribute_exists(#pk) AND #cond = :cond")
                .expression_attribute_names("#cond", attribute)
                .expression_attribute_values(":cond", AttributeValue::S(wanted.to_string())),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk_error("UpdateItem", e)),
        }
    }
}

impl DynamoStore {
    /// Pending items due at `now` in one lane of the due index (`partition`).
    async fn due_in(
        &self,
        partition: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let now = items::micros(now);
        // Candidates from the index (eventually consistent), in due order...
        let mut candidates = Vec::new();
        let mut start = None;
        loop {
            let left = i32::try_from(limit - candidates.len())
                .unwrap_or(1000)
                .min(1000);
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI1)
                .key_condition_expression("#pk = :pending AND #sk < :bound")
                .expression_attribute_names("#pk", keys::GSI1PK)
                .expression_attribute_names("#sk", keys::GSI1SK)
                .expression_attribute_values(":pending", AttributeValue::S(partition.to_string()))
                .expression_attribute_values(
                    ":bound",
                    AttributeValue::S(keys::due_before_or_at(now)),
                )
                .limit(left)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| sdk_error("Query", e))?;
            for item in output.items.unwrap_or_default() {
                candidates.push(items::read_key(&item)?);
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() && candidates.len() < limit => start = Some(key),
                _ => break,
            }
        }
        // ...read again from the table, so what was sent or moved meanwhile is not handed out.
        let mut due = Vec::with_capacity(candidates.len());
        for item in self.get_many(&candidates, false).await? {
            let entry = items::read_outbox(&item)?;
            if entry.state == items::PENDING && entry.next_attempt_at <= now {
                due.push(entry);
            }
        }
        due.sort_by(|a, b| {
            (a.next_attempt_at, &a.message.id).cmp(&(b.next_attempt_at, &b.message.id))
        });
        Ok(due
            .into_iter()
            .take(limit)
            .map(|entry| DueMessage {
                message: entry.message,
                attempts: entry.attempts,
                since: entry.since,
            })
            .collect())
    }
}

#[async_trait]
impl OutboxStore for DynamoStore {
    async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError> {
        self.due_in(keys::OUTBOX_PENDING, now, limit).await
    }

    async fn due_webhooks(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError> {
        self.due_in(keys::WEBHOOKS_PENDING, now, limit).await
    }

    async fn claim(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // One conditional write: of two workers claiming at once, DynamoDB lets one through.
        let update = items::outbox_claim(id, until);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::key(&keys::outbox(id))))
            .update_expression(update.expression)
            .set_expression_attribute_names(Some(update.names))
            .set_expression_attribute_values(Some(update.values))
            .condition_expression("#state = :pending AND #next <= :now")
            .expression_attribute_names("#state", items::OUTBOX_STATE)
            .expression_attribute_values(":pending", AttributeValue::S(items::PENDING.into()))
            .expression_attribute_values(":now", items::timestamp(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk_error("UpdateItem", e)),
        }
    }

    async fn mark_sent(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.update_outbox(id, items::outbox_sent(at), None).await?;
        Ok(())
    }

    async fn mark_retry(
        &self,
        id: &str,
        attempts: u32,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        // A pending message moves in the due index; any other keeps out of it.
        let pending = Some((items::OUTBOX_STATE, items::PENDING));
        let retry = |pending| items::outbox_retry(id, attempts, next_at, error, pending);
        if !self.update_outbox(id, retry(true), pending).await? {
            self.update_outbox(id, retry(false), None).await?;
        }
        Ok(())
    }

    async fn mark_failed(&self, id: &str, error: &str) -> Result<(), StoreError> {
        self.update_outbox(id, items::outbox_failed(id, error), None)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl OutboxControl for DynamoStore {
    async fn outbox_pause(&self) -> Result<Option<OutboxPause>, StoreError> {
        self.get(&keys::outbox_pause())
            .await?
            .map(|item| items::read_outbox_pause(&item))
            .transpose()
    }

    async fn pause_outbox(&self, pause: &OutboxPause) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(items::outbox_pause(pause)))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(())
    }

    async fn claim_outbox_probe(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // One conditional write, as for a message's claim: of two senders, one gets the probe.
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::key(&keys::outbox_pause())))
            .update_expression("SET #next = :until")
            .condition_expression("attribute_exists(#pk) AND #next <= :now")
            .expression_attribute_names("#pk", keys::PK)
            .expression_attribute_names("#next", items::NEXT_PROBE_AT)
            .expression_attribute_values(":until", items::timestamp(until))
            .expression_attribute_values(":now", items::timestamp(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk_error("UpdateItem", e)),
        }
    }

    async fn resume_outbox(&self) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(items::key(&keys::outbox_pause())))
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem", e))?;
        Ok(())
    }

    async fn failed_outbox(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let mut failed = Vec::new();
        let mut start = None;
        // Index pages until `limit` messages are confirmed failed by a consistent read (the
        // index may still list one re-queued a moment ago) or the index has no more.
        while failed.len() < limit {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI1)
                .expression_attribute_names("#pk", keys::GSI1PK)
                .expression_attribute_values(
                    ":failed",
                    AttributeValue::S(keys::OUTBOX_FAILED.to_string()),
                )
                .limit(
                    i32::try_from(limit - failed.len())
                        .unwrap_or(1000)
                        .min(1000),
                )
                .set_exclusive_start_key(start);
            query = match after {
                None => query.key_condition_expression("#pk = :failed"),
                Some(after) => query
                    .key_condition_expression("#pk = :failed AND #sk > :after")
                    .expression_attribute_names("#sk", keys::GSI1SK)
                    .expression_attribute_values(
                        ":after",
                        AttributeValue::S(keys::failed_sort(after)),
                    ),
            };
            let output = query.send().await.map_err(|e| sdk_error("Query", e))?;
            let candidates = (output.items.unwrap_or_default().iter())
                .map(items::read_key)
                .collect::<Result<Vec<_>, _>>()?;
            let mut page = Vec::new();
            for item in self.get_many(&candidates, false).await? {
                let entry = items::read_outbox(&item)?;
                if entry.state == items::FAILED {
                    page.push(entry.message.id);
                }
            }
            page.sort();
            failed.extend(page);
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        failed.truncate(limit);
        Ok(failed)
    }

    async fn requeue_failed(&self, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let failed = Some((items::OUTBOX_STATE, items::FAILED));
        self.update_outbox(id, items::outbox_requeue(id, now), failed)
            .await
    }
}
