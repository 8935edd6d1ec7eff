//! The outbox port: due messages through the sparse `GSI1` index, and the marks delivery
//! leaves on them.

use super::items::{self, Update};
use super::{DynamoStore, keys, sdk_error};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use rollcall_core::ports::{DueMessage, OutboxStore, StoreError};

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

#[async_trait]
impl OutboxStore for DynamoStore {
    async fn due_outbox(
        &self,
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
                .expression_attribute_values(
                    ":pending",
                    AttributeValue::S(keys::OUTBOX_PENDING.to_string()),
                )
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
            })
            .collect())
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
        self.update_outbox(id, items::outbox_failed(error), None)
            .await?;
        Ok(())
    }
}
