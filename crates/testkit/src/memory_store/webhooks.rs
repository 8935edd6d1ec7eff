//! The webhook endpoint port in memory.

use super::{InMemoryStore, micros};
use async_trait::async_trait;
use rollcall_core::ports::{StoreError, WebhookStore};
use rollcall_core::webhook::endpoint::{DeliveryAttempt, Endpoint};

#[async_trait]
impl WebhookStore for InMemoryStore {
    async fn put_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        let stored = Endpoint {
            created_at: micros(endpoint.created_at),
            previous: (endpoint.previous.clone()).map(|(secret, until)| (secret, micros(until))),
            ..endpoint.clone()
        };
        self.lock()?.endpoints.insert(stored.id.clone(), stored);
        Ok(())
    }

    async fn endpoint(&self, id: &str) -> Result<Option<Endpoint>, StoreError> {
        Ok(self.lock()?.endpoints.get(id).cloned())
    }

    async fn endpoints_of(&self, organizer: &str) -> Result<Vec<Endpoint>, StoreError> {
        let state = self.lock()?;
        let mut found: Vec<Endpoint> = (state.endpoints.values())
            .filter(|e| e.organizer == organizer)
            .cloned()
            .collect();
        found.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(found)
    }

    async fn delete_endpoint(&self, id: &str) -> Result<bool, StoreError> {
        let mut state = self.lock()?;
        state.attempts.retain(|a| a.endpoint != id);
        Ok(state.endpoints.remove(id).is_some())
    }

    async fn record_attempt(&self, attempt: &DeliveryAttempt) -> Result<(), StoreError> {
        let stored = DeliveryAttempt {
            at: micros(attempt.at),
            ..attempt.clone()
        };
        self.lock()?.attempts.push(stored);
        Ok(())
    }

    async fn attempts_of(
        &self,
        endpoint: &str,
        limit: usize,
    ) -> Result<Vec<DeliveryAttempt>, StoreError> {
        let state = self.lock()?;
        let mut found: Vec<(usize, &DeliveryAttempt)> = (state.attempts.iter().enumerate())
            .filter(|(_, a)| a.endpoint == endpoint)
            .collect();
        // Newest first; attempts at the same microsecond in the reverse of their recording.
        found.sort_by(|(i, a), (j, b)| (b.at, j).cmp(&(a.at, i)));
        Ok(found
            .into_iter()
            .take(limit)
            .map(|(_, a)| a.clone())
            .collect())
    }
}
