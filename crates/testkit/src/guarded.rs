//! A store bundled with something that must outlive it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_core::event::{Event, EventId};
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::ports::{
    Commit, Committed, DueMessage, EventStore, InviteeStore, MessageRecord, OutboxStore,
    SignalRecord, StoreError,
};
use std::ops::Deref;

/// A store together with a guard that must live as long as it, such as the temporary
/// directory holding its database file. Implements the store ports by delegating to the
/// store, and derefs to it for adapter-specific calls. The store is dropped before the guard.
#[derive(Debug)]
pub struct GuardedStore<S, G> {
    // Field order is drop order: close the store, then remove what it lived in.
    store: S,
    guard: G,
}

impl<S, G> GuardedStore<S, G> {
    pub fn new(store: S, guard: G) -> GuardedStore<S, G> {
        GuardedStore { store, guard }
    }

    pub fn guard(&self) -> &G {
        &self.guard
    }
}

impl<S, G> Deref for GuardedStore<S, G> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.store
    }
}

#[async_trait]
impl<S: EventStore, G: Send + Sync> EventStore for GuardedStore<S, G> {
    async fn event(&self, id: &EventId) -> Result<Option<Event>, StoreError> {
        self.store.event(id).await
    }

    async fn event_by_uid(
        &self,
        organizer_email: &str,
        uid: &str,
    ) -> Result<Option<Event>, StoreError> {
        self.store.event_by_uid(organizer_email, uid).await
    }

    async fn commit(&self, commit: &Commit) -> Result<Committed, StoreError> {
        self.store.commit(commit).await
    }

    async fn message_record(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        self.store.message_record(message_id).await
    }
}

#[async_trait]
impl<S: InviteeStore, G: Send + Sync> InviteeStore for GuardedStore<S, G> {
    async fn invitee(&self, id: &InviteeId) -> Result<Option<Invitee>, StoreError> {
        self.store.invitee(id).await
    }

    async fn invitee_by_email(
        &self,
        event: &EventId,
        email: &str,
    ) -> Result<Option<Invitee>, StoreError> {
        self.store.invitee_by_email(event, email).await
    }

    async fn invitees_of(
        &self,
        event: &EventId,
        after: Option<&InviteeId>,
        limit: usize,
    ) -> Result<Vec<Invitee>, StoreError> {
        self.store.invitees_of(event, after, limit).await
    }

    async fn signals_of(&self, invitee: &InviteeId) -> Result<Vec<SignalRecord>, StoreError> {
        self.store.signals_of(invitee).await
    }

    async fn counters(&self, event: &EventId) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.store.counters(event).await
    }
}

#[async_trait]
impl<S: OutboxStore, G: Send + Sync> OutboxStore for GuardedStore<S, G> {
    async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError> {
        self.store.due_outbox(now, limit).await
    }

    async fn claim(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.store.claim(id, now, until).await
    }

    async fn mark_sent(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.store.mark_sent(id, at).await
    }

    async fn mark_retry(
        &self,
        id: &str,
        attempts: u32,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.store.mark_retry(id, attempts, next_at, error).await
    }

    async fn mark_failed(&self, id: &str, error: &str) -> Result<(), StoreError> {
        self.store.mark_failed(id, error).await
    }
}

impl<S: rollcall_core::ports::Store, G: Send + Sync> rollcall_core::ports::Decorator
    for GuardedStore<S, G>
{
    fn inner(&self) -> &dyn rollcall_core::ports::Store {
        &self.store
    }
}
