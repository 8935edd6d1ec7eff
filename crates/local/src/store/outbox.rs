//! The store port for the outbox.

use super::SqliteStore;
use super::time::to_db;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_core::notice::OutboxMessage;
use rollcall_core::ports::{DueMessage, OutboxStore, StoreError};
use rusqlite::params;

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError> {
        Ok(self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT data, attempts FROM outbox
                     WHERE state = 'pending' AND next_attempt_at <= ?1
                     ORDER BY next_attempt_at, id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![to_db(now), limit as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            let mut due = Vec::new();
            for row in rows {
                let (data, attempts) = row?;
                due.push(DueMessage {
                    message: serde_json::from_str::<OutboxMessage>(&data)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                });
            }
            Ok(due)
        })?)
    }

    async fn claim(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let id = id.to_string();
        Ok(self
            .with(move |conn| {
                let changed = conn.execute(
                    "UPDATE outbox SET next_attempt_at = ?3
                         WHERE id = ?1 AND state = 'pending' AND next_attempt_at <= ?2",
                    params![id, to_db(now), to_db(until)],
                )?;
                Ok(changed == 1)
            })
            .await?)
    }

    async fn mark_sent(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let id = id.to_string();
        Ok(self
            .with(move |conn| {
                conn.execute(
                    "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
                    params![id, to_db(at)],
                )?;
                Ok(())
            })
            .await?)
    }

    async fn mark_retry(
        &self,
        id: &str,
        attempts: u32,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        let (id, error) = (id.to_string(), error.to_string());
        Ok(self
            .with(move |conn| {
                conn.execute(
                    "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 WHERE id = ?1",
                    params![id, attempts, to_db(next_at), error],
                )?;
                Ok(())
            })
            .await?)
    }

    async fn mark_failed(&self, id: &str, error: &str) -> Result<(), StoreError> {
        let (id, error) = (id.to_string(), error.to_string());
        Ok(self
            .with(move |conn| {
                conn.execute(
                    "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                    params![id, error],
                )?;
                Ok(())
            })
            .await?)
    }
}
