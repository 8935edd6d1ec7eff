//! What follows a store write on AWS, in one decorator around the store so no use case has to
//! know: a commit that queued mail rings the worker's doorbell (a `deliver-due` job on the
//! jobs queue, so the mail leaves within seconds rather than at the next minute's sweep), and
//! a commit that recorded signals publishes them on Rollcall's event stream (SNS) for
//! integrators.
//!
//! Both happen after the commit, and a failure of either is logged, never returned: the commit
//! stands, the minute's sweep sends the mail anyway, and the event stream is best effort (a
//! crash between the commit and the publish loses that notification; the store keeps the
//! signal).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_aws::queue::JobQueue;
use rollcall_aws::stream::EventStream;
use rollcall_core::event::{Event, EventId};
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::ports::{
    Commit, Committed, DueMessage, EventStore, InviteeStore, MessageRecord, OutboxStore,
    SignalRecord, Store, StoreError,
};
use serde_json::json;
use std::sync::Arc;

/// The body of the job that makes the worker send whatever the outbox says is due.
pub const DELIVER_DUE: &str = r#"{"kind":"deliver-due"}"#;

/// A store whose commits ring the doorbell and publish their signals.
#[derive(Clone)]
pub struct Effects {
    store: Arc<dyn Store>,
    doorbell: Option<JobQueue>,
    stream: Option<EventStream>,
}

impl std::fmt::Debug for Effects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Effects")
            .field("doorbell", &self.doorbell.as_ref().map(|q| &q.url))
            .field("stream", &self.stream.as_ref().map(|s| &s.topic_arn))
            .finish_non_exhaustive()
    }
}

impl Effects {
    /// `doorbell`: `None` in the worker itself, which keeps sending until the outbox is empty
    /// or its time is up, and rings once then.
    pub fn new(
        store: Arc<dyn Store>,
        doorbell: Option<JobQueue>,
        stream: Option<EventStream>,
    ) -> Effects {
        Effects {
            store,
            doorbell,
            stream,
        }
    }

    async fn after(&self, commit: &Commit) {
        if !commit.outbox.is_empty()
            && let Some(doorbell) = &self.doorbell
        {
            ring(doorbell).await;
        }
        if !commit.signals.is_empty()
            && let Some(stream) = &self.stream
            && let Err(error) = stream.publish(&signals_event(&commit.signals)).await
        {
            tracing::warn!(%error, "event stream: signals not published");
        }
    }
}

/// Sends one `deliver-due` job; a failure is logged (the sweep covers it).
pub async fn ring(doorbell: &JobQueue) {
    if let Err(error) = doorbell.send(DELIVER_DUE).await {
        tracing::warn!(%error, "doorbell: deliver-due job not sent; the sweep will send the mail");
    }
}

/// The event stream's message for one commit's signals: `{"type":"signals","signals":[...]}`.
pub fn signals_event(records: &[SignalRecord]) -> serde_json::Value {
    json!({
        "type": "signals",
        "signals": records.iter().map(|r| json!({
            "event_id": r.event_id.as_str(),
            "invitee_id": r.invitee_id.as_str(),
            "kind": r.signal.kind,
            "channel": r.signal.channel,
            "occurred_at": r.signal.occurred_at,
            "received_at": r.signal.received_at,
            "effect": r.effect,
        })).collect::<Vec<_>>(),
    })
}

#[async_trait]
impl EventStore for Effects {
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
        let committed = self.store.commit(commit).await?;
        if committed == Committed::Applied {
            self.after(commit).await;
        }
        Ok(committed)
    }

    async fn message_record(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        self.store.message_record(message_id).await
    }
}

#[async_trait]
impl InviteeStore for Effects {
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
impl OutboxStore for Effects {
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

impl rollcall_core::ports::Decorator for Effects {
    fn inner(&self) -> &dyn Store {
        self.store.as_ref()
    }
}
