//! The invitee port: invitees by id, by (event, email) and by event in id order; their signal
//! history; the per-event counters.

use super::{DynamoStore, items, keys};
use async_trait::async_trait;
use rollcall_core::event::EventId;
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::ports::{InviteeStore, SignalRecord, StoreError};

impl DynamoStore {
    /// The invitee item of `id` in `event`'s partition.
    async fn invitee_in(
        &self,
        event: &EventId,
        id: &InviteeId,
    ) -> Result<Option<Invitee>, StoreError> {
        match self.get(&keys::invitee(event, id)).await? {
            Some(item) => Ok(Some(items::read_invitee(&item)?)),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl InviteeStore for DynamoStore {
    async fn invitee(&self, id: &InviteeId) -> Result<Option<Invitee>, StoreError> {
        let Some(lookup) = self.get(&keys::invitee_lookup(id)).await? else {
            return Ok(None);
        };
        // The id item and the invitee are written in one transaction, so both exist.
        self.invitee_in(&items::read_event_id(&lookup)?, id).await
    }

    async fn invitee_by_email(
        &self,
        event: &EventId,
        email: &str,
    ) -> Result<Option<Invitee>, StoreError> {
        let Some(lookup) = self.get(&keys::invitee_email(event, email)).await? else {
            return Ok(None);
        };
        self.invitee_in(event, &items::read_invitee_id(&lookup)?)
            .await
    }

    async fn invitees_of(
        &self,
        event: &EventId,
        after: Option<&InviteeId>,
        limit: usize,
    ) -> Result<Vec<Invitee>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let from = keys::invitee_sort(after.map_or("", |id| id.as_str()));
        let to = keys::prefix_end(keys::INVITEE_PREFIX);
        // The range starts at `after` itself (inclusive), which is skipped if it is there.
        let found = self
            .query_range(&keys::event_partition(event), &from, &to, Some(limit + 1))
            .await?;
        let mut invitees = Vec::with_capacity(limit);
        for item in found {
            if after.is_some() && items::read_key(&item)?.sk == from {
                continue;
            }
            if invitees.len() == limit {
                break;
            }
            invitees.push(items::read_invitee(&item)?);
        }
        Ok(invitees)
    }

    async fn signals_of(&self, invitee: &InviteeId) -> Result<Vec<SignalRecord>, StoreError> {
        let found = self
            .query_prefix(&keys::invitee_partition(invitee), keys::SIGNAL_PREFIX)
            .await?;
        let mut history = found
            .iter()
            .map(items::read_signal)
            .collect::<Result<Vec<_>, _>>()?;
        history.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(history.into_iter().map(|(_, record)| record).collect())
    }

    async fn counters(&self, event: &EventId) -> Result<Vec<(String, String, i64)>, StoreError> {
        let found = self
            .query_prefix(&keys::event_partition(event), keys::COUNTER_PREFIX)
            .await?;
        let mut counters = Vec::with_capacity(found.len());
        for item in &found {
            let counter = items::read_counter(item)?;
            if counter.2 != 0 {
                counters.push(counter);
            }
        }
        Ok(counters)
    }
}
