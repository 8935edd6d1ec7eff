//! An operator's redrive: failed messages go back in the queue with a fresh lifetime
//! (`rollcall outbox retry`, the worker's `retry-failed` job). Only a failed message moves, and
//! the senders' claim stands between the queue and the transport, so a message re-queued twice
//! or from two places at once is still sent once.

use crate::ports::{OutboxControl, StoreError};
use chrono::{DateTime, Utc};

/// Which failed messages to re-queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue<'a> {
    One(&'a str),
    AllFailed,
}

/// Failed ids read per page while re-queueing all of them.
const PAGE: usize = 100;

/// Re-queues the chosen failed messages, due at `now`; the ids that were re-queued (none when
/// the one named is not failed: pending, sent or unknown).
pub async fn requeue(
    store: &dyn OutboxControl,
    which: Requeue<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    match which {
        Requeue::One(id) => Ok(if store.requeue_failed(id, now).await? {
            vec![id.to_string()]
        } else {
            Vec::new()
        }),
        Requeue::AllFailed => {
            let mut requeued = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = store.failed_outbox(after.as_deref(), PAGE).await?;
                let Some(last) = page.last().cloned() else {
                    break;
                };
                // Pages move forward by id, so this ends even if a store hands back an id it
                // was asked to start after (it is not re-read).
                if after.as_ref().is_some_and(|a| &last <= a) {
                    return Err(StoreError::Unavailable(
                        "failed-message paging did not advance".into(),
                    ));
                }
                for id in page {
                    if store.requeue_failed(&id, now).await? {
                        requeued.push(id);
                    }
                }
                after = Some(last);
            }
            Ok(requeued)
        }
    }
}
