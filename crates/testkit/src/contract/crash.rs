//! A store that loses one write, standing in for a crash between doing an outbox item and
//! recording it done: the item is due again and the work is repeated, as after a restart.
//! It can also fail one commit, standing in for a crash half-way through a job.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rollcall_core::ports::{Commit, Committed, Store, StoreError, StoreLayer};
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
impl<S: Store> StoreLayer for LosesFirstMarkSent<'_, S> {
    fn inner(&self) -> &dyn Store {
        self.store
    }

    async fn layered_commit(&self, commit: &Commit) -> Result<Committed, StoreError> {
        let n = self.commits.fetch_add(1, Ordering::SeqCst) + 1;
        if self.failing_commit == Some(n) {
            return Err(StoreError::Unavailable(format!(
                "commit {n} lost in a crash"
            )));
        }
        self.store.commit(commit).await
    }

    async fn layered_mark_sent(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        if id == self.id && !self.lost.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        self.store.mark_sent(id, at).await
    }
}
