//! The webhook endpoint port: endpoints and their delivery logs, as JSON rows.

use super::time::to_db;
use super::{DbError, SqliteStore};
use async_trait::async_trait;
use chrono::SubsecRound;
use rollcall_core::ports::{StoreError, WebhookStore};
use rollcall_core::webhook::endpoint::{DeliveryAttempt, Endpoint};
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn put_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        // To the microsecond, as every time the store keeps.
        let endpoint = Endpoint {
            created_at: endpoint.created_at.trunc_subsecs(6),
            previous: (endpoint.previous.clone())
                .map(|(secret, until)| (secret, until.trunc_subsecs(6))),
            ..endpoint.clone()
        };
        Ok(self
            .with(move |conn| {
                conn.execute(
                    "INSERT INTO webhook_endpoints (id, organizer, created_at, data)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (id) DO UPDATE SET data = ?4",
                    params![
                        endpoint.id,
                        endpoint.organizer,
                        to_db(endpoint.created_at),
                        serde_json::to_string(&endpoint)?
                    ],
                )?;
                Ok(())
            })
            .await?)
    }

    async fn endpoint(&self, id: &str) -> Result<Option<Endpoint>, StoreError> {
        Ok(self.read(|conn| {
            let data = conn
                .query_row(
                    "SELECT data FROM webhook_endpoints WHERE id = ?1",
                    [id],
                    |r| r.get::<_, String>(0),
                )
                .optional()?;
            data.map(|d| serde_json::from_str(&d).map_err(DbError::from))
                .transpose()
        })?)
    }

    async fn endpoints_of(&self, organizer: &str) -> Result<Vec<Endpoint>, StoreError> {
        Ok(self.read(|conn| {
            let mut select = conn.prepare_cached(
                "SELECT data FROM webhook_endpoints WHERE organizer = ?1
                  ORDER BY created_at, id",
            )?;
            let rows = select.query_map([organizer], |r| r.get::<_, String>(0))?;
            let mut found = Vec::new();
            for row in rows {
                found.push(serde_json::from_str(&row?)?);
            }
            Ok(found)
        })?)
    }

    async fn delete_endpoint(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_string();
        Ok(self
            .with(move |conn| {
                let tx = conn.transaction()?;
                tx.execute("DELETE FROM webhook_attempts WHERE endpoint = ?1", [&id])?;
                let deleted = tx.execute("DELETE FROM webhook_endpoints WHERE id = ?1", [&id])?;
                tx.commit()?;
                Ok(deleted > 0)
            })
            .await?)
    }

    async fn record_attempt(&self, attempt: &DeliveryAttempt) -> Result<(), StoreError> {
        let attempt = DeliveryAttempt {
            at: attempt.at.trunc_subsecs(6),
            ..attempt.clone()
        };
        Ok(self
            .with(move |conn| {
                conn.execute(
                    "INSERT INTO webhook_attempts (endpoint, at, data) VALUES (?1, ?2, ?3)",
                    params![
                        attempt.endpoint,
                        to_db(attempt.at),
                        serde_json::to_string(&attempt)?
                    ],
                )?;
                Ok(())
            })
            .await?)
    }

    async fn attempts_of(
        &self,
        endpoint: &str,
        limit: usize,
    ) -> Result<Vec<DeliveryAttempt>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self.read(|conn| {
            let mut select = conn.prepare_cached(
                "SELECT data FROM webhook_attempts WHERE endpoint = ?1
                  ORDER BY at DESC, seq DESC LIMIT ?2",
            )?;
            let rows = select.query_map(params![endpoint, limit], |r| r.get::<_, String>(0))?;
            let mut found = Vec::new();
            for row in rows {
                found.push(serde_json::from_str(&row?)?);
            }
            Ok(found)
        })?)
    }
}
