//! Telling the world of change records, through the outbox. A commit that writes change
//! records also queues their dispatch ([`Notice::Dispatch`]) in the same transaction, so the
//! telling is as durable as the change: a crash after the commit delays it, never loses it,
//! and the outbox's retries carry it through an outage of whoever listens. The sender first
//! queues one webhook delivery per record and endpoint that wants it
//! ([`crate::usecase::deliver::webhooks`]), then tells the event stream ([`ChangeSink`], on
//! AWS the SNS topic) at least once; listeners de-duplicate by the records' ids, which are
//! derived from their causes.
//!
//! The queueing is a [`StoreLayer`], so no use case has to remember it: both runtimes wrap
//! their store in [`Dispatching`] (outermost, so layers inside it see the queued item).

use crate::event::Event;
use crate::imip::Mailbox;
use crate::notice::{Notice, OutboxMessage};
use crate::ports::{ChangeSink, Commit, Committed, SendError, Store, StoreError, StoreLayer};
use async_trait::async_trait;
use std::sync::Arc;

/// A store whose commits queue the dispatch of their change records.
#[derive(Clone)]
pub struct Dispatching {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for Dispatching {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatching").finish_non_exhaustive()
    }
}

impl Dispatching {
    pub fn new(store: Arc<dyn Store>) -> Dispatching {
        Dispatching { store }
    }
}

#[async_trait]
impl StoreLayer for Dispatching {
    fn inner(&self) -> &dyn Store {
        self.store.as_ref()
    }

    async fn layered_commit(&self, commit: &Commit) -> Result<Committed, StoreError> {
        match with_dispatch(commit) {
            Some(commit) => self.store.commit(&commit).await,
            None => self.store.commit(commit).await,
        }
    }
}

/// `commit` with the dispatch of its change records queued beside them; `None` when it has
/// none. The item's id is derived from the first record's, so it is as unique as the commit.
pub fn with_dispatch(commit: &Commit) -> Option<Commit> {
    let first = commit.changes.first()?;
    let dispatch = OutboxMessage {
        id: format!("dispatch-{}", first.id),
        to: Mailbox {
            email: first.organizer.clone(),
            name: None,
        },
        notice: Notice::Dispatch {
            changes: commit.changes.clone(),
        },
        event: Event::none(first.at),
        created_at: first.at,
    };
    let mut commit = commit.clone();
    commit.outbox.push(dispatch);
    Some(commit)
}

/// What the sender does with a dispatch once its webhook deliveries are queued: tells the
/// event stream, if there is one.
pub(crate) async fn tell(
    changes: &[crate::change::ChangeRecord],
    stream: Option<&dyn ChangeSink>,
) -> Result<(), SendError> {
    match stream {
        Some(stream) => stream.publish(changes).await,
        None => Ok(()),
    }
}
