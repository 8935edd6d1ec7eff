//! The change stream port: an organizer's records in their stream partition, in place order
//! (see `commit.rs` for how a commit takes its places).

use super::{DynamoStore, items, keys};
use async_trait::async_trait;
use rollcall_core::change::{ChangeQuery, StoredChange};
use rollcall_core::ports::{ChangeStore, StoreError};

/// Records read per query while filtering by type or event: the filter is applied here, so
/// a page may hold none that are wanted.
const PAGE: usize = 200;

#[async_trait]
impl ChangeStore for DynamoStore {
    async fn changes_of(
        &self,
        organizer: &str,
        query: &ChangeQuery,
    ) -> Result<Vec<StoredChange>, StoreError> {
        let partition = keys::stream_partition(organizer);
        let to = keys::prefix_end(keys::CHANGE_PREFIX);
        let mut after = query.after.unwrap_or(0);
        let mut wanted = Vec::new();
        while wanted.len() < query.limit {
            let from = keys::change_sort(after.saturating_add(1));
            let page = PAGE.max(query.limit - wanted.len());
            let found = self.query_range(&partition, &from, &to, Some(page)).await?;
            for item in &found {
                let change = items::read_change(item)?;
                after = change.seq;
                if wanted.len() < query.limit && query.wants(&change.record) {
                    wanted.push(change);
                }
            }
            if found.len() < page {
                break;
            }
        }
        Ok(wanted)
    }
}
