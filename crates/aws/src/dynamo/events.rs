//! The event port: events by id and by (organizer, UID), message records, and `commit`.

use super::{DynamoStore, items, keys};
use async_trait::async_trait;
use rollcall_core::event::{Event, EventId};
use rollcall_core::ports::{Commit, Committed, EventStore, MessageRecord, StoreError};

#[async_trait]
impl EventStore for DynamoStore {
    async fn event(&self, id: &EventId) -> Result<Option<Event>, StoreError> {
        match self.get(&keys::event(id)).await? {
            Some(item) => Ok(Some(items::read_event(&item)?)),
            None => Ok(None),
        }
    }

    async fn event_by_uid(
        &self,
        organizer_email: &str,
        uid: &str,
    ) -> Result<Option<Event>, StoreError> {
        let Some(lookup) = self.get(&keys::organizer_uid(organizer_email, uid)).await? else {
            return Ok(None);
        };
        // The key item and the event are written in one transaction, so both exist.
        self.event(&items::read_event_id(&lookup)?).await
    }

    async fn commit(&self, commit: &Commit) -> Result<Committed, StoreError> {
        super::commit::commit(self, commit).await
    }

    async fn message_record(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        match self.get(&keys::message(message_id)).await? {
            Some(item) => Ok(Some(items::read_message(&item)?)),
            None => Ok(None),
        }
    }
}
