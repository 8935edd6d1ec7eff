//! Fan-out jobs: an organizer's change becomes one personal message per reachable invitee,
//! a page of invitees at a time, each invitee's part its own commit, within the organizer's
//! daily invitation quota.

use super::{DeliverySettings, system_signal};
use crate::invitee::{Invitee, InviteeId};
use crate::notice::{FanOut, InvitationKind, Notice, OutboxMessage};
use crate::ports::{Commit, Committed, Store, StoreError};
use crate::quota::{self, Quota};
use crate::retry::{Attempt, retrying};
use crate::status::{MailKind, Signal, SignalKind};
use crate::tracking::track;
use crate::usecase::report::walk::InviteePages;
use chrono::{DateTime, Utc};

/// What one fan-out run did.
pub(super) struct FanOutRun {
    pub(super) queued: usize,
    /// The organizer's daily invitation quota stopped the run; what waits for the next day.
    pub(super) over_quota: Option<Waiting>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Waiting {
    /// The job itself: it queued nothing, so it is tried again as it is.
    ThisJob,
    /// A new job with the invitees after the last one this run queued for.
    TheRest,
}

/// Runs a fan-out job ([`Notice::FanOut`] or its continuation [`Notice::FanOutFrom`]).
pub(super) async fn run(
    message: &OutboxMessage,
    store: &dyn Store,
    settings: &DeliverySettings,
    now: DateTime<Utc>,
) -> Result<FanOutRun, StoreError> {
    match &message.notice {
        Notice::FanOut(fan_out) => {
            fan_out_to_invitees(message, fan_out, None, store, settings, now).await
        }
        Notice::FanOutFrom {
            fan_out,
            job,
            after,
        } => {
            // Named after the job it continues, so every invitee's message keeps its id.
            let origin = OutboxMessage {
                id: job.clone(),
                ..message.clone()
            };
            fan_out_to_invitees(&origin, fan_out, Some(after), store, settings, now).await
        }
        _ => Ok(FanOutRun {
            queued: 0,
            over_quota: None,
        }),
    }
}

/// The words a fan-out job waiting for its organizer's quota carries in the outbox listing.
pub(super) fn over_quota_words(job: &OutboxMessage, settings: &DeliverySettings) -> String {
    Quota::Invitations.refusal(
        &settings.quotas,
        &format!(
            "the rest of the change to {} waits for tomorrow (UTC)",
            job.event.organizer_email
        ),
    )
}

/// Queues one personal message per reachable Rollcall invitee for an organizer's change,
/// starting after invitee `from` (the whole list when `None`). Each invitee's part is its own
/// commit, de-duplicated by the job's id, so a job interrupted half-way resumes without sending
/// anyone a second copy. After `fan_out_pages_per_run` full pages the rest becomes a new job
/// ([`Notice::FanOutFrom`]), queued before this one is marked done.
///
/// Every message counts against the organizer's daily invitation quota, taken a page at a time
/// (one by one only in the page that reaches it). At the quota the run stops: the rest becomes
/// a new job due on the next day, so a change is never dropped, only slowed to the quota.
async fn fan_out_to_invitees(
    job: &OutboxMessage,
    fan_out: &FanOut,
    from: Option<&InviteeId>,
    store: &dyn Store,
    settings: &DeliverySettings,
    now: DateTime<Utc>,
) -> Result<FanOutRun, StoreError> {
    let mut run = FanOutRun {
        queued: 0,
        over_quota: None,
    };
    // The event as it is now: a later change queues its own job, and both carry the latest.
    let Some(event) = store.event(&job.event.id).await? else {
        return Ok(run);
    };
    let take = |amount: u64| {
        quota::take(
            store,
            &settings.quotas,
            Quota::Invitations,
            &event.organizer_email,
            amount,
            now,
        )
    };
    // The last invitee this run is done with: the rest starts after them.
    let mut after: Option<InviteeId> = from.cloned();
    let mut pages = InviteePages::after(event.id.clone(), from.cloned(), settings.fan_out_page);
    let mut read = 0;
    loop {
        if read >= settings.fan_out_pages_per_run.max(1)
            && let Some(after) = &after
        {
            continue_later(job, fan_out, after, None, store).await?;
            break;
        }
        read += 1;
        let Some(page) = pages.next(store).await? else {
            break;
        };
        let Some(last) = page.last().map(|i| i.id.clone()) else {
            break;
        };
        let receivers: Vec<&Invitee> = page
            .iter()
            .filter(|i| i.receives_invitations() && i.reachable() && i.sequence > 0)
            .collect();
        // The whole page's share at once; only a page that would pass the quota goes one by
        // one, to send as many as the quota allows.
        let whole_page = take(receivers.len() as u64).await?;
        for invitee in receivers {
            if !whole_page && !take(1).await? {
                run.over_quota = Some(match &after {
                    // Moved on since the job began: the rest is a new job (with a new id).
                    Some(done) if after.as_ref() != from => {
                        let why = over_quota_words(job, settings);
                        let wait = Some((quota::next_day(now), why.as_str()));
                        continue_later(job, fan_out, done, wait, store).await?;
                        Waiting::TheRest
                    }
                    _ => Waiting::ThisJob,
                });
                return Ok(run);
            }
            run.queued += fan_out_one(job, fan_out, &invitee.id, &event, store, now).await?;
            after = Some(invitee.id.clone());
        }
        after = Some(last);
    }
    Ok(run)
}

/// Queues the rest of a fan-out job, after invitee `after`, as a job of its own; with `wait`,
/// it is due only then, saying why.
async fn continue_later(
    job: &OutboxMessage,
    fan_out: &FanOut,
    after: &InviteeId,
    wait: Option<(DateTime<Utc>, &str)>,
    store: &dyn Store,
) -> Result<(), StoreError> {
    let rest = OutboxMessage {
        id: format!("{}.from-{after}", job.id),
        notice: Notice::FanOutFrom {
            fan_out: fan_out.clone(),
            job: job.id.clone(),
            after: after.clone(),
        },
        ..job.clone()
    };
    store
        .commit(&Commit {
            outbox: vec![rest.clone()],
            ..Commit::default()
        })
        .await?;
    if let Some((until, why)) = wait {
        store.mark_retry(&rest.id, 0, until, why).await?;
    }
    Ok(())
}

async fn fan_out_one(
    job: &OutboxMessage,
    fan_out: &FanOut,
    invitee_id: &InviteeId,
    event: &crate::event::Event,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    retrying(|| async move {
        let Some(mut invitee) = store.invitee(invitee_id).await? else {
            return Ok(Attempt::Done(0));
        };
        let expected = invitee.version;
        let outbox_id = format!("{}-{}", job.id, invitee.id);
        let mut queued = system_signal(format!("queued:{outbox_id}"), SignalKind::Queued, now);
        queued.provenance.mail = Some(match fan_out {
            FanOut::Update { .. } | FanOut::UpdateOccurrence { .. } => MailKind::Update,
            FanOut::Cancel | FanOut::CancelOccurrence { .. } => MailKind::Cancellation,
        });
        let mut signals = vec![queued];
        if matches!(fan_out, FanOut::Update { reconfirm: true }) {
            signals.push(Signal {
                occurred_at: job.created_at,
                ..system_signal(format!("reconfirm:{}", job.id), SignalKind::Reconfirm, now)
            });
        }
        let occurrence = match fan_out {
            FanOut::UpdateOccurrence { recurrence_id }
            | FanOut::CancelOccurrence { recurrence_id } => {
                Some(recurrence_id.to_contract_string())
            }
            FanOut::Update { .. } | FanOut::Cancel => None,
        };
        invitee.next_sequence(occurrence.as_deref());
        let tracked = track(&mut invitee, signals);
        let (method, recurrence_id) = match fan_out {
            FanOut::Update { .. } => (InvitationKind::Request, None),
            FanOut::UpdateOccurrence { recurrence_id } => {
                (InvitationKind::Request, Some(recurrence_id.clone()))
            }
            FanOut::Cancel => (InvitationKind::Cancel, None),
            FanOut::CancelOccurrence { recurrence_id } => {
                (InvitationKind::Cancel, Some(recurrence_id.clone()))
            }
        };
        let mut commit = tracked.into_commit(event, invitee, Some(expected), now);
        // The message carries the invitee as written.
        let written = &commit.invitees[0].invitee;
        let message =
            OutboxMessage::invitation(outbox_id, written, event, method, recurrence_id, now);
        commit.outbox.push(message);
        Attempt::of(store.commit(&commit).await, |committed| match committed {
            Committed::Applied => 1,
            Committed::AlreadyRecorded => 0,
        })
    })
    .await
}
