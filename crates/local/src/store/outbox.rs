//! The store port for the outbox, its pause and re-queues, and the listing `rollcall outbox`
//! shows.

use super::time::{from_db, to_db};
use super::{DbError, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_core::notice::OutboxMessage;
use rollcall_core::ports::{DueMessage, OutboxControl, OutboxPause, OutboxStore, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// One line of `rollcall outbox`.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxRow {
    pub id: String,
    /// What the message is (`invitation`, `event_created`, `fan_out`, ...).
    pub kind: String,
    pub to: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    /// When a pending message is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When an operator last re-queued it.
    pub requeued_at: Option<DateTime<Utc>>,
}

impl SqliteStore {
    /// The most recent outbox messages (in `state` only, if given), newest first.
    pub fn outbox_rows(
        &self,
        state: Option<&str>,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, DbError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT o.id, json_extract(o.data, '$.notice.kind'), json_extract(o.data, '$.to.email'),
                        o.state, o.attempts, o.created_at, o.next_attempt_at, o.last_error, o.sent_at,
                        r.requeued_at
                 FROM outbox o LEFT JOIN outbox_requeued r ON r.id = o.id
                 WHERE ?1 IS NULL OR o.state = ?1
                 ORDER BY o.created_at DESC, o.id DESC LIMIT ?2",
            )?;
            let time = |text: Option<String>| text.as_deref().map(from_db).transpose();
            let rows = stmt.query_map(params![state, limit as i64], |r| {
                let state: String = r.get(3)?;
                let next: String = r.get(6)?;
                Ok(OutboxRow {
                    id: r.get(0)?,
                    kind: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    to: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    attempts: u32::try_from(r.get::<_, i64>(4)?).unwrap_or(u32::MAX),
                    created_at: from_db(&r.get::<_, String>(5)?)?,
                    next_attempt_at: (state == "pending").then(|| from_db(&next)).transpose()?,
                    last_error: r.get(7)?,
                    sent_at: time(r.get(8)?)?,
                    requeued_at: time(r.get(9)?)?,
                    state,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// The state of outbox message `id` (`pending`, `sent`, `failed`), if there is one.
    pub fn outbox_state(&self, id: &str) -> Result<Option<String>, DbError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT state FROM outbox WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?)
        })
    }

    /// The outbox's pause, if it is paused (also for the CLI, outside a runtime).
    pub fn pause_state(&self) -> Result<Option<OutboxPause>, DbError> {
        self.read(|conn| {
            let row = conn
                .prepare_cached(
                    "SELECT since, next_probe_at, probes, reason FROM outbox_pause WHERE singleton = 1",
                )?
                .query_row([], |r| {
                    Ok(OutboxPause {
                        since: from_db(&r.get::<_, String>(0)?)?,
                        next_probe_at: from_db(&r.get::<_, String>(1)?)?,
                        probes: u32::try_from(r.get::<_, i64>(2)?).unwrap_or(u32::MAX),
                        reason: r.get(3)?,
                    })
                })
                .optional()?;
            Ok(row)
        })
    }
}

impl SqliteStore {
    /// Pending items due at `now` of one lane: webhook deliveries (by their id's prefix) or
    /// everything else.
    fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        webhooks: bool,
    ) -> Result<Vec<DueMessage>, StoreError> {
        Ok(self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT o.data, o.attempts, COALESCE(r.requeued_at, o.created_at)
                     FROM outbox o LEFT JOIN outbox_requeued r ON r.id = o.id
                     WHERE o.state = 'pending' AND o.next_attempt_at <= ?1
                       AND (substr(o.id, 1, length(?4)) = ?4) = ?3
                     ORDER BY o.next_attempt_at, o.id LIMIT ?2",
            )?;
            let prefix = rollcall_core::usecase::deliver::webhooks::DELIVERY_PREFIX;
            let rows =
                stmt.query_map(params![to_db(now), limit as i64, webhooks, prefix], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        from_db(&r.get::<_, String>(2)?)?,
                    ))
                })?;
            let mut due = Vec::new();
            for row in rows {
                let (data, attempts, since) = row?;
                due.push(DueMessage {
                    message: serde_json::from_str::<OutboxMessage>(&data)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    since,
                });
            }
            Ok(due)
        })?)
    }
}

#[async_trait]
impl OutboxStore for SqliteStore {
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

#[async_trait]
impl OutboxControl for SqliteStore {
    async fn outbox_pause(&self) -> Result<Option<OutboxPause>, StoreError> {
        Ok(self.pause_state()?)
    }

    async fn pause_outbox(&self, pause: &OutboxPause) -> Result<(), StoreError> {
        let pause = pause.clone();
        Ok(self
            .with(move |conn| {
                conn.execute(
                    "INSERT INTO outbox_pause (singleton, since, next_probe_at, probes, reason)
                     VALUES (1, ?1, ?2, ?3, ?4)
                     ON CONFLICT (singleton) DO UPDATE SET since = excluded.since,
                        next_probe_at = excluded.next_probe_at, probes = excluded.probes,
                        reason = excluded.reason",
                    params![
                        to_db(pause.since),
                        to_db(pause.next_probe_at),
                        pause.probes,
                        pause.reason
                    ],
                )?;
                Ok(())
            })
            .await?)
    }

    async fn claim_outbox_probe(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self
            .with(move |conn| {
                let changed = conn.execute(
                    "UPDATE outbox_pause SET next_probe_at = ?2
                     WHERE singleton = 1 AND next_probe_at <= ?1",
                    params![to_db(now), to_db(until)],
                )?;
                Ok(changed == 1)
            })
            .await?)
    }

    async fn resume_outbox(&self) -> Result<(), StoreError> {
        Ok(self
            .with(|conn| {
                conn.execute("DELETE FROM outbox_pause", [])?;
                Ok(())
            })
            .await?)
    }

    async fn failed_outbox(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        Ok(self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM outbox WHERE state = 'failed' AND (?1 IS NULL OR id > ?1)
                 ORDER BY id LIMIT ?2",
            )?;
            let ids = stmt.query_map(params![after, limit as i64], |r| r.get(0))?;
            Ok(ids.collect::<Result<Vec<String>, _>>()?)
        })?)
    }

    async fn requeue_failed(&self, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let id = id.to_string();
        Ok(self
            .with(move |conn| {
                let tx = conn.transaction()?;
                let changed = tx.execute(
                    "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2
                     WHERE id = ?1 AND state = 'failed'",
                    params![id, to_db(now)],
                )?;
                if changed == 1 {
                    tx.execute(
                        "INSERT INTO outbox_requeued (id, requeued_at) VALUES (?1, ?2)
                         ON CONFLICT (id) DO UPDATE SET requeued_at = excluded.requeued_at",
                        params![id, to_db(now)],
                    )?;
                }
                tx.commit()?;
                Ok(changed == 1)
            })
            .await?)
    }
}
