//! Delegations (one item per allowance, in the organizer's partition) and quota counters (one
//! item per quota and day, added to in place under a condition, and removed by the table's
//! TTL a few days after their day).

use super::items::{self, Item};
use super::keys;
use super::{DynamoStore, sdk_error};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use rollcall_core::delegation::{Delegation, DelegationScope};
use rollcall_core::ports::{DelegationStore, QuotaStore, StoreError};

const DELEGATE: &str = "delegate";
const SCOPE: &str = "scope";
const GRANTED_AT: &str = "granted_at";
const TAKEN: &str = "taken";
/// The table's TTL attribute (epoch seconds).
const TTL: &str = "expires_at";

fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn delegation_item(delegation: &Delegation) -> Item {
    let scope = delegation.scope.key();
    let mut item = items::key(&keys::delegation(
        &delegation.organizer,
        &delegation.delegate,
        &scope,
    ));
    item.insert(items::TYPE.into(), s("delegation"));
    item.insert(items::ORGANIZER.into(), s(&delegation.organizer));
    item.insert(DELEGATE.into(), s(&delegation.delegate));
    item.insert(SCOPE.into(), s(scope));
    item.insert(GRANTED_AT.into(), items::timestamp(delegation.granted_at));
    item
}

fn read_delegation(item: &Item) -> Result<Option<Delegation>, StoreError> {
    let granted_at = items::string(item, GRANTED_AT)?;
    let granted_at = DateTime::parse_from_rfc3339(granted_at)
        .map_err(|e| StoreError::Unavailable(format!("stored delegation is not readable: {e}")))?
        .with_timezone(&Utc);
    // A scope this version cannot read is skipped, never widened.
    let Some(scope) = DelegationScope::from_key(items::string(item, SCOPE)?) else {
        return Ok(None);
    };
    Ok(Some(Delegation {
        organizer: items::string(item, items::ORGANIZER)?.to_string(),
        delegate: items::string(item, DELEGATE)?.to_string(),
        scope,
        granted_at,
    }))
}

#[async_trait]
impl DelegationStore for DynamoStore {
    async fn delegations_of(&self, organizer: &str) -> Result<Vec<Delegation>, StoreError> {
        let partition = keys::delegations_partition(organizer);
        let found = self.query_prefix(&partition, keys::DELEGATE_PREFIX).await?;
        let mut delegations = Vec::with_capacity(found.len());
        for item in &found {
            if let Some(delegation) = read_delegation(item)? {
                delegations.push(delegation);
            }
        }
        Ok(delegations)
    }

    async fn put_delegation(&self, delegation: &Delegation) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(delegation_item(delegation)))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(())
    }

    async fn delete_delegation(
        &self,
        organizer: &str,
        delegate: &str,
        scope: &DelegationScope,
    ) -> Result<(), StoreError> {
        let key = keys::delegation(organizer, delegate, &scope.key());
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(items::key(&key)))
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem", e))?;
        Ok(())
    }
}

#[async_trait]
impl QuotaStore for DynamoStore {
    async fn take_quota(
        &self,
        key: &str,
        window: DateTime<Utc>,
        amount: u64,
        limit: u64,
    ) -> Result<bool, StoreError> {
        let Some(most_before) = limit.checked_sub(amount) else {
            return Ok(false);
        };
        // One conditional update: of takers racing for the last units, DynamoDB lets through
        // only as many as fit.
        let expires = (window + Duration::days(3)).timestamp();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::key(&keys::quota(key, window))))
            .update_expression("ADD #taken :amount SET #type = :type, #ttl = :ttl")
            .condition_expression("attribute_not_exists(#taken) OR #taken <= :most")
            .expression_attribute_names("#taken", TAKEN)
            .expression_attribute_names("#type", items::TYPE)
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":amount", AttributeValue::N(amount.to_string()))
            .expression_attribute_values(":most", AttributeValue::N(most_before.to_string()))
            .expression_attribute_values(":type", s("quota"))
            .expression_attribute_values(":ttl", AttributeValue::N(expires.to_string()))
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
}
