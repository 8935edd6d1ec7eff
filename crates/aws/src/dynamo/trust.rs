//! Delegations (one item per allowance, in the organizer's partition), quota counters (one
//! item per quota and day, added to in place under a condition, and removed by the table's
//! TTL a few days after their day) and the suppression list (one item per address in one
//! partition, written by commits).

use super::items::{self, Item};
use super::keys;
use super::{DynamoStore, sdk_error};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use rollcall_core::ports::{DelegationStore, QuotaStore, StoreError, SuppressionStore};
use rollcall_core::suppression::Suppression;
use rollcall_core::usecase::delegation::{Delegation, DelegationScope};

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

/// The item of one suppression: its key and the suppression as JSON.
pub(super) fn suppression_item(suppression: &Suppression) -> Result<Item, StoreError> {
    let mut item = items::key(&keys::suppression(&suppression.address));
    item.insert(items::TYPE.into(), s("suppression"));
    let data = serde_json::to_string(suppression)
        .map_err(|e| StoreError::Unavailable(format!("suppression not serializable: {e}")))?;
    item.insert(items::DATA.into(), s(data));
    Ok(item)
}

fn read_suppression(item: &Item) -> Result<Suppression, StoreError> {
    serde_json::from_str(items::string(item, items::DATA)?)
        .map_err(|e| StoreError::Unavailable(format!("stored suppression is not readable: {e}")))
}

#[async_trait]
impl SuppressionStore for DynamoStore {
    async fn suppression(&self, address: &str) -> Result<Option<Suppression>, StoreError> {
        match self.get(&keys::suppression(address)).await? {
            Some(item) => Ok(Some(read_suppression(&item)?)),
            None => Ok(None),
        }
    }

    async fn suppressions(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Suppression>, StoreError> {
        // Just past `after`'s own key: `\u{1}` sorts before every character an address has.
        let from = match after {
            Some(after) => format!("{}\u{1}", keys::suppression(after).sk),
            None => keys::ADDRESS_PREFIX.to_string(),
        };
        let to = keys::prefix_end(keys::ADDRESS_PREFIX);
        let found = self
            .query_range(keys::SUPPRESSIONS, &from, &to, Some(limit))
            .await?;
        found.iter().take(limit).map(read_suppression).collect()
    }

    async fn lift_suppression(&self, address: &str) -> Result<bool, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(items::key(&keys::suppression(address))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem", e))?;
        Ok(output.attributes.is_some_and(|a| !a.is_empty()))
    }
}
