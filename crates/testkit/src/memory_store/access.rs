//! Credentials and the dashboard's reads, in memory.

use super::{InMemoryStore, micros};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_core::event::{Event, EventId};
use rollcall_core::ports::{
    Credential, CredentialKind, CredentialStore, ReportStore, SeriesPoint, StoreError,
};
use rollcall_core::tracking::email_domain;

#[async_trait]
impl CredentialStore for InMemoryStore {
    async fn put_credential(&self, credential: &Credential) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        if state.credentials.contains_key(&credential.hash) {
            return Err(StoreError::Conflict);
        }
        let mut stored = credential.clone();
        stored.created_at = micros(stored.created_at);
        stored.expires_at = stored.expires_at.map(micros);
        stored.last_used_at = stored.last_used_at.map(micros);
        state.credentials.insert(credential.hash.clone(), stored);
        Ok(())
    }

    async fn credential(&self, hash: &str) -> Result<Option<Credential>, StoreError> {
        Ok(self.lock()?.credentials.get(hash).cloned())
    }

    async fn take_credential(&self, hash: &str) -> Result<Option<Credential>, StoreError> {
        Ok(self.lock()?.credentials.remove(hash))
    }

    async fn touch_credential(&self, hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        if let Some(credential) = self.lock()?.credentials.get_mut(hash) {
            credential.last_used_at = Some(micros(at));
        }
        Ok(())
    }

    async fn delete_credential(&self, hash: &str) -> Result<(), StoreError> {
        self.lock()?.credentials.remove(hash);
        Ok(())
    }

    async fn credentials_of(
        &self,
        organizer: &str,
        kind: CredentialKind,
    ) -> Result<Vec<Credential>, StoreError> {
        let mut found: Vec<Credential> = self
            .lock()?
            .credentials
            .values()
            .filter(|c| c.organizer == organizer && c.kind == kind)
            .cloned()
            .collect();
        found.sort_by(|a, b| (a.created_at, &a.hash).cmp(&(b.created_at, &b.hash)));
        Ok(found)
    }
}

#[async_trait]
impl ReportStore for InMemoryStore {
    async fn events_of_organizer(&self, email: &str) -> Result<Vec<Event>, StoreError> {
        Ok(self
            .lock()?
            .events
            .values()
            .filter(|e| e.organizer_email == email)
            .cloned()
            .collect())
    }

    async fn events_of_domain(&self, domain: &str) -> Result<Vec<Event>, StoreError> {
        Ok(self
            .lock()?
            .events
            .values()
            .filter(|e| email_domain(&e.organizer_email) == domain)
            .cloned()
            .collect())
    }

    async fn series(
        &self,
        event: &EventId,
        track: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<SeriesPoint>, StoreError> {
        Ok(self
            .lock()?
            .series
            .iter()
            .filter(|((id, t, hour, _), _)| {
                id == event && t == track && *hour >= from && *hour < until
            })
            .map(|((_, _, hour, value), count)| SeriesPoint {
                hour: *hour,
                value: value.clone(),
                count: *count,
            })
            .collect())
    }
}
