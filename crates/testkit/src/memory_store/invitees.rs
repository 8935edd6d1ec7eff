//! The invitee port in memory, and the invitee, signal and counter parts of a commit.

use super::{InMemoryStore, State, micros};
use async_trait::async_trait;
use rollcall_core::event::EventId;
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::ports::{
    CounterDelta, InviteeStore, InviteeWrite, SignalRecord, StoreError, hour_of,
};
use std::ops::Bound;

impl State {
    /// Applies one invitee write to this (scratch) state, or says it conflicts.
    pub(super) fn write_invitee(&mut self, write: &InviteeWrite) -> Result<(), StoreError> {
        let invitee = &write.invitee;
        match write.expected_version {
            None => {
                let key = (invitee.event_id.clone(), invitee.email.clone());
                if self.invitees.contains_key(&invitee.id) || self.invitee_keys.contains_key(&key) {
                    return Err(StoreError::Conflict);
                }
                self.invitee_keys.insert(key, invitee.id.clone());
            }
            Some(expected) => match self.invitees.get(&invitee.id) {
                Some(stored) if stored.version == expected => {}
                _ => return Err(StoreError::Conflict),
            },
        }
        self.invitees.insert(invitee.id.clone(), invitee.clone());
        Ok(())
    }

    /// Appends a signal to its invitee's history, unless its key is already there.
    pub(super) fn record_signal(&mut self, record: &SignalRecord) {
        let key = (record.invitee_id.clone(), record.signal.dedupe_key.clone());
        if self.signal_keys.insert(key) {
            self.signals
                .entry(record.invitee_id.clone())
                .or_default()
                .push(record.clone());
        }
    }

    pub(super) fn count(&mut self, delta: &CounterDelta) {
        let key = (
            delta.event_id.clone(),
            delta.track.clone(),
            delta.value.clone(),
        );
        *self.counters.entry(key).or_insert(0) += delta.delta;
        if delta.delta > 0 {
            let key = (
                delta.event_id.clone(),
                delta.track.clone(),
                hour_of(delta.at),
                delta.value.clone(),
            );
            *self.series.entry(key).or_insert(0) += delta.delta;
        }
    }
}

#[async_trait]
impl InviteeStore for InMemoryStore {
    async fn invitee(&self, id: &InviteeId) -> Result<Option<Invitee>, StoreError> {
        Ok(self.lock()?.invitees.get(id).cloned())
    }

    async fn invitee_by_email(
        &self,
        event: &EventId,
        email: &str,
    ) -> Result<Option<Invitee>, StoreError> {
        let state = self.lock()?;
        let key = (event.clone(), email.to_string());
        Ok(state
            .invitee_keys
            .get(&key)
            .and_then(|id| state.invitees.get(id))
            .cloned())
    }

    async fn invitees_of(
        &self,
        event: &EventId,
        after: Option<&InviteeId>,
        limit: usize,
    ) -> Result<Vec<Invitee>, StoreError> {
        let state = self.lock()?;
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        Ok(state
            .invitees
            .range::<InviteeId, _>((start, Bound::Unbounded))
            .map(|(_, invitee)| invitee)
            .filter(|invitee| invitee.event_id == *event)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn signals_of(&self, invitee: &InviteeId) -> Result<Vec<SignalRecord>, StoreError> {
        let mut history = self
            .lock()?
            .signals
            .get(invitee)
            .cloned()
            .unwrap_or_default();
        // Stable: records received at the same time keep the order they were committed in.
        history.sort_by_key(|r| micros(r.signal.received_at));
        Ok(history)
    }

    async fn counters(&self, event: &EventId) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(self
            .lock()?
            .counters
            .iter()
            .filter(|((id, _, _), count)| id == event && **count != 0)
            .map(|((_, track, value), count)| (track.clone(), value.clone(), *count))
            .collect())
    }
}
