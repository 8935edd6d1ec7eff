//! Credentials (by the hash of their secret) and the dashboard's reads: events by organizer
//! or domain, and the hourly counter buckets.

use super::time::{from_db, to_db};
use super::{DbError, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_core::event::{Event, EventId};
use rollcall_core::ports::{
    Credential, CredentialKind, CredentialStore, ReportStore, SeriesPoint, StoreError,
};
use rollcall_core::tracking::email_domain;
use rusqlite::{OptionalExtension, Row, params};

const COLUMNS: &str = "hash, kind, organizer, label, created_at, expires_at, last_used_at";

fn credential(row: &Row<'_>) -> rusqlite::Result<Credential> {
    let kind: String = row.get(1)?;
    let optional = |index: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        row.get::<_, Option<String>>(index)?
            .map(|t| from_db(&t))
            .transpose()
    };
    Ok(Credential {
        hash: row.get(0)?,
        kind: CredentialKind::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("unknown credential kind {kind:?}").into(),
            )
        })?,
        organizer: row.get(2)?,
        label: row.get(3)?,
        created_at: from_db(&row.get::<_, String>(4)?)?,
        expires_at: optional(5)?,
        last_used_at: optional(6)?,
    })
}

#[async_trait]
impl CredentialStore for SqliteStore {
    async fn put_credential(&self, credential: &Credential) -> Result<(), StoreError> {
        let c = credential.clone();
        let inserted = self
            .with(move |conn| {
                Ok(conn.execute(
                    &format!(
                        "INSERT INTO credentials ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                         ON CONFLICT (hash) DO NOTHING"
                    ),
                    params![
                        c.hash,
                        c.kind.as_str(),
                        c.organizer,
                        c.label,
                        to_db(c.created_at),
                        c.expires_at.map(to_db),
                        c.last_used_at.map(to_db),
                    ],
                )?)
            })
            .await?;
        if inserted == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn credential(&self, hash: &str) -> Result<Option<Credential>, StoreError> {
        let hash = hash.to_string();
        Ok(self.read(|conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM credentials WHERE hash = ?1"
                ))?
                .query_row([hash], credential)
                .optional()?)
        })?)
    }

    async fn take_credential(&self, hash: &str) -> Result<Option<Credential>, StoreError> {
        let hash = hash.to_string();
        // One writer connection: the delete's RETURNING is the one place the row is seen.
        Ok(self
            .with(move |conn| {
                Ok(conn
                    .prepare_cached(&format!(
                        "DELETE FROM credentials WHERE hash = ?1 RETURNING {COLUMNS}"
                    ))?
                    .query_row([hash], credential)
                    .optional()?)
            })
            .await?)
    }

    async fn touch_credential(&self, hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let hash = hash.to_string();
        self.with(move |conn| {
            conn.execute(
                "UPDATE credentials SET last_used_at = ?2 WHERE hash = ?1",
                params![hash, to_db(at)],
            )?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    async fn delete_credential(&self, hash: &str) -> Result<(), StoreError> {
        let hash = hash.to_string();
        self.with(move |conn| {
            conn.execute("DELETE FROM credentials WHERE hash = ?1", [hash])?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    async fn credentials_of(
        &self,
        organizer: &str,
        kind: CredentialKind,
    ) -> Result<Vec<Credential>, StoreError> {
        let organizer = organizer.to_string();
        Ok(self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM credentials WHERE organizer = ?1 AND kind = ?2
                 ORDER BY created_at, hash"
            ))?;
            let rows = stmt.query_map(params![organizer, kind.as_str()], credential)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?)
    }
}

fn events(conn: &rusqlite::Connection, sql: &str, arg: &str) -> Result<Vec<Event>, DbError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([arg], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for data in rows {
        out.push(serde_json::from_str(&data?)?);
    }
    Ok(out)
}

#[async_trait]
impl ReportStore for SqliteStore {
    async fn events_of_organizer(&self, email: &str) -> Result<Vec<Event>, StoreError> {
        Ok(self.read(|conn| {
            events(
                conn,
                "SELECT data FROM events WHERE organizer_email = ?1",
                email,
            )
        })?)
    }

    async fn events_of_domain(&self, domain: &str) -> Result<Vec<Event>, StoreError> {
        let domain = domain.to_ascii_lowercase();
        // `instr` finds the first `@`; the exact (last-`@`) domain is checked after.
        let found = self.read(|conn| {
            events(
                conn,
                "SELECT data FROM events
                 WHERE substr(organizer_email, instr(organizer_email, '@') + 1) = ?1
                    OR organizer_email LIKE '%@%@%'",
                &domain,
            )
        })?;
        Ok(found
            .into_iter()
            .filter(|e| email_domain(&e.organizer_email) == domain)
            .collect())
    }

    async fn series(
        &self,
        event: &EventId,
        track: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<SeriesPoint>, StoreError> {
        let (event, track) = (event.as_str().to_string(), track.to_string());
        Ok(self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT hour, value, count FROM series
                 WHERE event_id = ?1 AND track = ?2 AND hour >= ?3 AND hour < ?4",
            )?;
            let rows = stmt.query_map(params![event, track, to_db(from), to_db(until)], |r| {
                Ok(SeriesPoint {
                    hour: from_db(&r.get::<_, String>(0)?)?,
                    value: r.get(1)?,
                    count: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?)
    }
}
