//! Delegations, quota counters and the suppression list, in memory.

use super::{InMemoryStore, micros};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_core::ports::{DelegationStore, QuotaStore, StoreError, SuppressionStore};
use rollcall_core::suppression::Suppression;
use rollcall_core::usecase::delegation::{Delegation, DelegationScope};

#[async_trait]
impl DelegationStore for InMemoryStore {
    async fn delegations_of(&self, organizer: &str) -> Result<Vec<Delegation>, StoreError> {
        Ok(self
            .lock()?
            .delegations
            .values()
            .filter(|d| d.organizer == organizer)
            .cloned()
            .collect())
    }

    async fn put_delegation(&self, delegation: &Delegation) -> Result<(), StoreError> {
        let key = (
            delegation.organizer.clone(),
            delegation.delegate.clone(),
            delegation.scope.key(),
        );
        let stored = Delegation {
            granted_at: micros(delegation.granted_at),
            ..delegation.clone()
        };
        self.lock()?.delegations.insert(key, stored);
        Ok(())
    }

    async fn delete_delegation(
        &self,
        organizer: &str,
        delegate: &str,
        scope: &DelegationScope,
    ) -> Result<(), StoreError> {
        let key = (organizer.to_string(), delegate.to_string(), scope.key());
        self.lock()?.delegations.remove(&key);
        Ok(())
    }
}

#[async_trait]
impl QuotaStore for InMemoryStore {
    async fn take_quota(
        &self,
        key: &str,
        window: DateTime<Utc>,
        amount: u64,
        limit: u64,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock()?;
        let taken = state.quotas.entry((key.to_string(), window)).or_insert(0);
        if taken.saturating_add(amount) > limit {
            return Ok(false);
        }
        *taken += amount;
        Ok(true)
    }
}

#[async_trait]
impl SuppressionStore for InMemoryStore {
    async fn suppression(&self, address: &str) -> Result<Option<Suppression>, StoreError> {
        Ok(self.lock()?.suppressions.get(address).cloned())
    }

    async fn suppressions(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Suppression>, StoreError> {
        Ok(self
            .lock()?
            .suppressions
            .values()
            .filter(|s| after.is_none_or(|after| s.address.as_str() > after))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn lift_suppression(&self, address: &str) -> Result<bool, StoreError> {
        Ok(self.lock()?.suppressions.remove(address).is_some())
    }
}
