//! A store that loses one write, standing in for a crash between doing an outbox item and
//! recording it done: the item is due again and the work is repeated, as after a restart.
//! It can also fail one commit, standing in for a crash half-way through a job.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_core::event::{Event, EventId};
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::ports::{
    Commit, Committed, DueMessage, EventStore, InviteeStore, MessageRecord, OutboxStore,
    SignalRecord, StoreError,
};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Delegates everything to `store`, except that the first `mark_sent` of outbox item `id`
/// is dropped (and reported as done), and, if asked, one commit fails.
#[derive(Debug)]
pub(crate) struct LosesFirstMarkSent<'a, S> {
    store: &'a S,
    id: String,
    lost: AtomicBool,
    /// The commit (counted from 1) that fails with `Unavailable` without writing anything.
    failing_commit: Option<usize>,
    commits: AtomicUsize,
}

impl<'a, S> LosesFirstMarkSent<'a, S> {
    pub(crate) fn new(store: &'a S, id: &str) -> Self {
        LosesFirstMarkSent {
            store,
            id: id.to_string(),
            lost: AtomicBool::new(false),
            failing_commit: None,
            commits: AtomicUsize::new(0),
        }
    }

    /// Also fails the `n`-th commit made through this store (counted from 1), as a crash or
    /// an outage in the middle of a job would.
    pub(crate) fn failing_commit(mut self, n: usize) -> Self {
        self.failing_commit = Some(n);
        self
    }

    /// Whether the mark was dropped yet: a case checks its crash really happened.
    pub(crate) fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl<S: EventStore> EventStore for LosesFirstMarkSent<'_, S> {
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
        let n = self.commits.fetch_add(1, Ordering::SeqCst) + 1;
        if self.failing_commit == Some(n) {
            return Err(StoreError::Unavailable(format!(
                "commit {n} lost in a crash"
            )));
        }
        self.store.commit(commit).await
    }

    async fn message_record(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        self.store.message_record(message_id).await
    }
}

#[async_trait]
impl<S: InviteeStore> InviteeStore for LosesFirstMarkSent<'_, S> {
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
impl<S: OutboxStore> OutboxStore for LosesFirstMarkSent<'_, S> {
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
        if id == self.id && !self.lost.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
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

impl<S: rollcall_core::ports::Store> rollcall_core::ports::Decorator for LosesFirstMarkSent<'_, S> {
    fn inner(&self) -> &dyn rollcall_core::ports::Store {
        self.store
    }
}
