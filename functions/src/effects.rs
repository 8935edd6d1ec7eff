//! What follows a store write on AWS, in one layer around the store so no use case has to
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
use rollcall_aws::queue::JobQueue;
use rollcall_aws::stream::EventStream;
use rollcall_core::ports::{Commit, Committed, SignalRecord, Store, StoreError, StoreLayer};
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
impl StoreLayer for Effects {
    fn inner(&self) -> &dyn Store {
        self.store.as_ref()
    }

    async fn layered_commit(&self, commit: &Commit) -> Result<Committed, StoreError> {
        let committed = self.store.commit(commit).await?;
        if committed == Committed::Applied {
            self.after(commit).await;
        }
        Ok(committed)
    }
}
