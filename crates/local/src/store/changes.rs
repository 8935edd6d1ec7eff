//! The change stream port: one `changes` table, appended to by commits, read per organizer.

use super::{DbError, SqliteStore};
use async_trait::async_trait;
use chrono::SubsecRound;
use rollcall_core::change::{ChangeQuery, ChangeRecord, StoredChange};
use rollcall_core::ports::{ChangeStore, StoreError};
use rusqlite::params;

/// Appends `records` to their organizers' streams in this order; an id already stored (or
/// earlier in the list) is kept once.
pub(super) fn append(
    tx: &rusqlite::Transaction<'_>,
    records: &[ChangeRecord],
) -> Result<(), DbError> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO changes (id, organizer, type, event_id, data) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO NOTHING",
    )?;
    for record in records {
        // To the microsecond, as every time the store keeps.
        let record = ChangeRecord {
            at: record.at.trunc_subsecs(6),
            ..record.clone()
        };
        insert.execute(params![
            record.id,
            record.organizer,
            record.kind.as_str(),
            record.data.event_id.as_str(),
            serde_json::to_string(&record)?,
        ])?;
    }
    Ok(())
}

#[async_trait]
impl ChangeStore for SqliteStore {
    async fn changes_of(
        &self,
        organizer: &str,
        query: &ChangeQuery,
    ) -> Result<Vec<StoredChange>, StoreError> {
        let after = i64::try_from(query.after.unwrap_or(0)).unwrap_or(i64::MAX);
        // The type filter as one JSON array parameter, so the statement is the same (and
        // cached) whatever the filter holds.
        let types = (!query.types.is_empty()).then(|| {
            let names: Vec<&str> = query.types.iter().map(|t| t.as_str()).collect();
            serde_json::Value::from(names).to_string()
        });
        let event = query.event.as_ref().map(|e| e.as_str().to_string());
        let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
        Ok(self.read(|conn| {
            let mut select = conn.prepare_cached(
                "SELECT seq, data FROM changes
                  WHERE organizer = ?1 AND seq > ?2
                    AND (?3 IS NULL OR type IN (SELECT value FROM json_each(?3)))
                    AND (?4 IS NULL OR event_id = ?4)
                  ORDER BY seq LIMIT ?5",
            )?;
            let rows = select.query_map(params![organizer, after, types, event, limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut changes = Vec::new();
            for row in rows {
                let (seq, data) = row?;
                changes.push(StoredChange {
                    seq: u64::try_from(seq).unwrap_or(0),
                    record: serde_json::from_str(&data)?,
                });
            }
            Ok(changes)
        })?)
    }
}
