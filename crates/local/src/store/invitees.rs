//! The store port for invitees, their signal history and the per-event counters, and the
//! parts of a commit that write them (called inside the commit's transaction).

use super::time::to_db;
use super::{DbError, SqliteStore};
use async_trait::async_trait;
use rollcall_core::event::EventId;
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::ports::{
    CounterDelta, InviteeStore, InviteeWrite, SignalRecord, StoreError, hour_of,
};
use rusqlite::{OptionalExtension, Transaction, params};

/// Whether any of `signals` is already recorded for its invitee: the commit is a redelivery.
pub(super) fn any_signal_recorded(
    tx: &Transaction<'_>,
    signals: &[SignalRecord],
) -> Result<bool, DbError> {
    let mut stmt =
        tx.prepare_cached("SELECT 1 FROM signals WHERE invitee_id = ?1 AND dedupe_key = ?2")?;
    for record in signals {
        let key = params![record.invitee_id.as_str(), record.signal.dedupe_key];
        if stmt.exists(key)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Inserts or replaces one invitee; `false` if its expected version (or absence) does not hold.
/// An insert must be new by id and by `(event_id, email)`; an update keeps both keys.
pub(super) fn write_invitee(tx: &Transaction<'_>, write: &InviteeWrite) -> Result<bool, DbError> {
    let invitee = &write.invitee;
    let data = serde_json::to_string(invitee)?;
    let changed = match write.expected_version {
        None => tx.execute(
            "INSERT INTO invitees (id, event_id, email, version, data, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT DO NOTHING",
            params![
                invitee.id.as_str(),
                invitee.event_id.as_str(),
                invitee.email,
                invitee.version as i64,
                data,
                to_db(invitee.created_at),
                to_db(invitee.updated_at),
            ],
        )?,
        Some(expected) => tx.execute(
            "UPDATE invitees SET version = ?2, data = ?3, updated_at = ?4
             WHERE id = ?1 AND version = ?5",
            params![
                invitee.id.as_str(),
                invitee.version as i64,
                data,
                to_db(invitee.updated_at),
                expected as i64,
            ],
        )?,
    };
    Ok(changed == 1)
}

/// Appends signals to their invitees' histories; a key repeated within the commit is kept once.
pub(super) fn record_signals(
    tx: &Transaction<'_>,
    signals: &[SignalRecord],
) -> Result<(), DbError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO signals (invitee_id, dedupe_key, event_id, received_at, data)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (invitee_id, dedupe_key) DO NOTHING",
    )?;
    for record in signals {
        stmt.execute(params![
            record.invitee_id.as_str(),
            record.signal.dedupe_key,
            record.event_id.as_str(),
            to_db(record.signal.received_at),
            serde_json::to_string(record)?,
        ])?;
    }
    Ok(())
}

/// Adds every delta to its counter (several for one counter all add up).
pub(super) fn count(tx: &Transaction<'_>, deltas: &[CounterDelta]) -> Result<(), DbError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO counters (event_id, track, value, count) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (event_id, track, value) DO UPDATE SET count = count + excluded.count",
    )?;
    let mut hourly = tx.prepare_cached(
        "INSERT INTO series (event_id, track, hour, value, count) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (event_id, track, hour, value) DO UPDATE SET count = count + excluded.count",
    )?;
    for delta in deltas {
        stmt.execute(params![
            delta.event_id.as_str(),
            delta.track,
            delta.value,
            delta.delta
        ])?;
        if delta.delta > 0 {
            hourly.execute(params![
                delta.event_id.as_str(),
                delta.track,
                to_db(hour_of(delta.at)),
                delta.value,
                delta.delta
            ])?;
        }
    }
    Ok(())
}

/// Reads the JSON `data` column of every row `sql` returns for `args`.
fn rows_of<T: serde::de::DeserializeOwned>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<T>, DbError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for data in rows {
        out.push(serde_json::from_str(&data?)?);
    }
    Ok(out)
}

#[async_trait]
impl InviteeStore for SqliteStore {
    async fn invitee(&self, id: &InviteeId) -> Result<Option<Invitee>, StoreError> {
        let id = id.as_str().to_string();
        Ok(self.read(|conn| {
            let data: Option<String> = conn
                .query_row("SELECT data FROM invitees WHERE id = ?1", [&id], |r| {
                    r.get(0)
                })
                .optional()?;
            Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
        })?)
    }

    async fn invitee_by_email(
        &self,
        event: &EventId,
        email: &str,
    ) -> Result<Option<Invitee>, StoreError> {
        let (event, email) = (event.as_str().to_string(), email.to_string());
        Ok(self.read(|conn| {
            let data: Option<String> = conn
                .query_row(
                    "SELECT data FROM invitees WHERE event_id = ?1 AND email = ?2",
                    [&event, &email],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
        })?)
    }

    async fn invitees_of(
        &self,
        event: &EventId,
        after: Option<&InviteeId>,
        limit: usize,
    ) -> Result<Vec<Invitee>, StoreError> {
        let event = event.as_str().to_string();
        let after = after.map(|id| id.as_str().to_string());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self.read(|conn| {
            rows_of(
                conn,
                "SELECT data FROM invitees WHERE event_id = ?1 AND (?2 IS NULL OR id > ?2)
                     ORDER BY id LIMIT ?3",
                params![event, after, limit],
            )
        })?)
    }

    async fn signals_of(&self, invitee: &InviteeId) -> Result<Vec<SignalRecord>, StoreError> {
        let invitee = invitee.as_str().to_string();
        Ok(self.read(|conn| {
            rows_of(
                conn,
                "SELECT data FROM signals WHERE invitee_id = ?1 ORDER BY received_at, seq",
                [invitee],
            )
        })?)
    }

    async fn counters(&self, event: &EventId) -> Result<Vec<(String, String, i64)>, StoreError> {
        let event = event.as_str().to_string();
        Ok(self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT track, value, count FROM counters WHERE event_id = ?1 AND count != 0
                     ORDER BY track, value",
            )?;
            let rows = stmt.query_map([event], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?)
    }
}
