//! The change stream port in memory: one list in commit order, read per organizer.

use super::{InMemoryStore, State, micros};
use async_trait::async_trait;
use rollcall_core::change::{ChangeQuery, ChangeRecord, StoredChange};
use rollcall_core::ports::{ChangeStore, StoreError};

impl State {
    /// Appends `record` after everything before it, unless its id is stored.
    pub(super) fn append_change(&mut self, record: &ChangeRecord) {
        if !self.change_ids.insert(record.id.clone()) {
            return;
        }
        let seq = self.changes.last().map_or(1, |last| last.seq + 1);
        let record = ChangeRecord {
            at: micros(record.at),
            ..record.clone()
        };
        self.changes.push(StoredChange { seq, record });
    }
}

#[async_trait]
impl ChangeStore for InMemoryStore {
    async fn changes_of(
        &self,
        organizer: &str,
        query: &ChangeQuery,
    ) -> Result<Vec<StoredChange>, StoreError> {
        let state = self.lock()?;
        let after = query.after.unwrap_or(0);
        // Places grow with the list, so the first record after `after` is found by halving.
        let start = state.changes.partition_point(|c| c.seq <= after);
        Ok(state.changes[start..]
            .iter()
            .filter(|c| c.record.organizer == organizer && query.wants(&c.record))
            .take(query.limit)
            .cloned()
            .collect())
    }
}
