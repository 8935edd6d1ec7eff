//! What follows a store write on AWS, in one layer around the store so no use case has to
//! know: a commit that queued anything for the outbox (mail, or the dispatch of change records
//! to the event stream) rings the worker's doorbell (a `deliver-due` job on the jobs queue), so
//! it leaves within seconds rather than at the next minute's sweep.
//!
//! It happens after the commit, and a failure is logged, never returned: the commit stands and
//! the minute's sweep sends what it queued anyway. The event stream is not published from here:
//! its records are queued in the commit itself ([`rollcall_core::usecase::dispatch`]) and told
//! by the worker, so a crash after the commit cannot lose them.

use async_trait::async_trait;
use rollcall_aws::queue::JobQueue;
use rollcall_core::ports::{Commit, Committed, Store, StoreError, StoreLayer};
use std::sync::Arc;

/// The body of the job that makes the worker send whatever the outbox says is due.
pub const DELIVER_DUE: &str = r#"{"kind":"deliver-due"}"#;

/// A store whose commits ring the doorbell.
#[derive(Clone)]
pub struct Effects {
    store: Arc<dyn Store>,
    doorbell: Option<JobQueue>,
}

impl std::fmt::Debug for Effects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Effects")
            .field("doorbell", &self.doorbell.as_ref().map(|q| &q.url))
            .finish_non_exhaustive()
    }
}

impl Effects {
    /// `doorbell`: `None` in the worker itself, which keeps sending until the outbox is empty
    /// or its time is up, and rings once then.
    pub fn new(store: Arc<dyn Store>, doorbell: Option<JobQueue>) -> Effects {
        Effects { store, doorbell }
    }

    async fn after(&self, commit: &Commit) {
        if !commit.outbox.is_empty()
            && let Some(doorbell) = &self.doorbell
        {
            ring(doorbell).await;
        }
    }
}

/// Sends one `deliver-due` job; a failure is logged (the sweep covers it).
pub async fn ring(doorbell: &JobQueue) {
    if let Err(error) = doorbell.send(DELIVER_DUE).await {
        tracing::warn!(%error, "doorbell: deliver-due job not sent; the sweep will send the mail");
    }
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
