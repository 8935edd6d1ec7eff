//! The outbox port in memory.

use super::{InMemoryStore, OutboxEntry, OutboxState, micros};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_core::ports::{DueMessage, OutboxControl, OutboxPause, OutboxStore, StoreError};
use rollcall_core::usecase::deliver::webhooks::is_delivery;

impl InMemoryStore {
    /// Pending items due at `now` of one lane (webhook deliveries, or everything else).
    fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        webhooks: bool,
    ) -> Result<Vec<DueMessage>, StoreError> {
        let now = micros(now);
        let state = self.lock()?;
        let mut due: Vec<&OutboxEntry> = state
            .outbox
            .values()
            .filter(|e| e.state == OutboxState::Pending && e.next_attempt_at <= now)
            .filter(|e| is_delivery(&e.message.id) == webhooks)
            .collect();
        due.sort_by(|a, b| {
            (a.next_attempt_at, &a.message.id).cmp(&(b.next_attempt_at, &b.message.id))
        });
        Ok(due
            .into_iter()
            .take(limit)
            .map(|e| DueMessage {
                message: e.message.clone(),
                attempts: e.attempts,
                since: e.since,
            })
            .collect())
    }
}

#[async_trait]
impl OutboxStore for InMemoryStore {
    async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError> {
        self.due(now, limit, false)
    }

    async fn due_webhooks(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError> {
        self.due(now, limit, true)
    }

    async fn claim(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock()?;
        match state.outbox.get_mut(id) {
            Some(entry)
                if entry.state == OutboxState::Pending && entry.next_attempt_at <= micros(now) =>
            {
                entry.next_attempt_at = micros(until);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn mark_sent(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        if let Some(entry) = self.lock()?.outbox.get_mut(id) {
            entry.state = OutboxState::Sent;
            entry.sent_at = Some(micros(at));
            entry.attempts = entry.attempts.saturating_add(1);
            entry.last_error = None;
        }
        Ok(())
    }

    async fn mark_retry(
        &self,
        id: &str,
        attempts: u32,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        if let Some(entry) = self.lock()?.outbox.get_mut(id) {
            entry.attempts = attempts;
            entry.next_attempt_at = micros(next_at);
            entry.last_error = Some(error.to_string());
        }
        Ok(())
    }

    async fn mark_failed(&self, id: &str, error: &str) -> Result<(), StoreError> {
        if let Some(entry) = self.lock()?.outbox.get_mut(id) {
            entry.state = OutboxState::Failed;
            entry.attempts = entry.attempts.saturating_add(1);
            entry.last_error = Some(error.to_string());
        }
        Ok(())
    }
}

#[async_trait]
impl OutboxControl for InMemoryStore {
    async fn outbox_pause(&self) -> Result<Option<OutboxPause>, StoreError> {
        Ok(self.lock()?.outbox_pause.clone())
    }

    async fn pause_outbox(&self, pause: &OutboxPause) -> Result<(), StoreError> {
        self.lock()?.outbox_pause = Some(OutboxPause {
            since: micros(pause.since),
            next_probe_at: micros(pause.next_probe_at),
            ..pause.clone()
        });
        Ok(())
    }

    async fn claim_outbox_probe(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        match &mut self.lock()?.outbox_pause {
            Some(pause) if pause.next_probe_at <= micros(now) => {
                pause.next_probe_at = micros(until);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn resume_outbox(&self) -> Result<(), StoreError> {
        self.lock()?.outbox_pause = None;
        Ok(())
    }

    async fn failed_outbox(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .outbox
            .values()
            .filter(|e| e.state == OutboxState::Failed)
            .filter(|e| after.is_none_or(|after| e.message.id.as_str() > after))
            .take(limit)
            .map(|e| e.message.id.clone())
            .collect())
    }

    async fn requeue_failed(&self, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        match self.lock()?.outbox.get_mut(id) {
            Some(entry) if entry.state == OutboxState::Failed => {
                entry.state = OutboxState::Pending;
                entry.attempts = 0;
                entry.next_attempt_at = micros(now);
                entry.since = micros(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
