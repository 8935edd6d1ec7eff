//! Delegations (who may send an organizer's invitations), the daily quota counters and the
//! suppression list (written by commits, read and lifted here).

use super::SqliteStore;
use super::time::{from_db, to_db};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_core::ports::{DelegationStore, QuotaStore, StoreError, SuppressionStore};
use rollcall_core::suppression::Suppression;
use rollcall_core::usecase::delegation::{Delegation, DelegationScope};
use rusqlite::params;

#[async_trait]
impl DelegationStore for SqliteStore {
    async fn delegations_of(&self, organizer: &str) -> Result<Vec<Delegation>, StoreError> {
        let organizer = organizer.to_string();
        Ok(self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT delegate, scope, granted_at FROM delegations WHERE organizer = ?1",
            )?;
            let rows = stmt.query_map([&organizer], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut found = Vec::new();
            for row in rows {
                let (delegate, scope, granted_at) = row?;
                // A scope this version cannot read is skipped, never widened.
                if let Some(scope) = DelegationScope::from_key(&scope) {
                    found.push(Delegation {
                        organizer: organizer.clone(),
                        delegate,
                        scope,
                        granted_at: from_db(&granted_at)?,
                    });
                }
            }
            Ok(found)
        })?)
    }

    async fn put_delegation(&self, delegation: &Delegation) -> Result<(), StoreError> {
        let d = delegation.clone();
        Ok(self
            .with(move |conn| {
                conn.execute(
                    "INSERT INTO delegations (organizer, delegate, scope, granted_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (organizer, delegate, scope) DO UPDATE SET granted_at = ?4",
                    params![d.organizer, d.delegate, d.scope.key(), to_db(d.granted_at)],
                )?;
                Ok(())
            })
            .await?)
    }

    async fn delete_delegation(
        &self,
        organizer: &str,
        delegate: &str,
        scope: &DelegationScope,
    ) -> Result<(), StoreError> {
        let key = (organizer.to_string(), delegate.to_string(), scope.key());
        Ok(self
            .with(move |conn| {
                conn.execute(
                    "DELETE FROM delegations WHERE organizer = ?1 AND delegate = ?2 AND scope = ?3",
                    params![key.0, key.1, key.2],
                )?;
                Ok(())
            })
            .await?)
    }
}

#[async_trait]
impl QuotaStore for SqliteStore {
    async fn take_quota(
        &self,
        key: &str,
        window: DateTime<Utc>,
        amount: u64,
        limit: u64,
    ) -> Result<bool, StoreError> {
        let (key, amount, limit) = (
            key.to_string(),
            i64::try_from(amount).unwrap_or(i64::MAX),
            i64::try_from(limit).unwrap_or(i64::MAX),
        );
        Ok(self
            .with(move |conn| {
                if amount > limit {
                    return Ok(false);
                }
                // One statement: the writer connection serializes takers, and the WHERE keeps
                // the total within the limit.
                let changed = conn.execute(
                    "INSERT INTO quotas (quota_key, window_start, taken) VALUES (?1, ?2, ?3)
                     ON CONFLICT (quota_key, window_start) DO UPDATE SET taken = taken + ?3
                     WHERE taken + ?3 <= ?4",
                    params![key, to_db(window), amount, limit],
                )?;
                Ok(changed == 1)
            })
            .await?)
    }
}

#[async_trait]
impl SuppressionStore for SqliteStore {
    async fn suppression(&self, address: &str) -> Result<Option<Suppression>, StoreError> {
        let address = address.to_string();
        Ok(self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT data FROM suppressions WHERE address = ?1")?;
            let mut rows = stmt.query([&address])?;
            match rows.next()? {
                Some(row) => Ok(Some(serde_json::from_str(&row.get::<_, String>(0)?)?)),
                None => Ok(None),
            }
        })?)
    }

    async fn suppressions(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Suppression>, StoreError> {
        let after = after.unwrap_or_default().to_string();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT data FROM suppressions WHERE address > ?1 ORDER BY address LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![after, limit], |r| r.get::<_, String>(0))?;
            let mut found = Vec::new();
            for row in rows {
                found.push(serde_json::from_str(&row?)?);
            }
            Ok(found)
        })?)
    }

    async fn lift_suppression(&self, address: &str) -> Result<bool, StoreError> {
        let address = address.to_string();
        Ok(self
            .with(move |conn| {
                let removed =
                    conn.execute("DELETE FROM suppressions WHERE address = ?1", [&address])?;
                Ok(removed > 0)
            })
            .await?)
    }
}
