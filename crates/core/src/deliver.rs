//! Works off the outbox: mail is composed, sent and recorded; fan-out jobs become one personal
//! message per invitee; attendee jobs become one organizer-listed invitee per attendee. A crash
//! after sending and before recording sends the message again on restart (at-least-once);
//! transports make that harmless by keying on the outbox id (file name, Message-ID), and each
//! invitee's part of a job is de-duplicated by its signals.

mod attendees;
mod sign_in;

use crate::access;
use crate::invitee::{Invitee, InviteeId};
use crate::notice::{FanOut, InvitationKind, Notice, OutboxMessage};
use crate::ports::{
    Commit, Committed, Composer, IdSource, InviteeWrite, Mailer, SendError, Store, StoreError,
};
use crate::status::{Answer, Channel, Signal, SignalKind};
use crate::tracking::track;
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Outbox items per batch.
    pub batch: usize,
    /// After this many failed attempts a message is marked failed and left for an operator.
    pub max_attempts: u32,
    /// First retry delay; doubles per attempt up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Invitees read per page while fanning out.
    pub fan_out_page: usize,
    /// Pages of invitees one fan-out run works off before it queues the rest as a new job.
    pub fan_out_pages_per_run: usize,
    /// How long a claimed message is left to the sender that claimed it before another may
    /// take it (longer than one send can take; a sender that died is replaced after it).
    pub lease: Duration,
    /// How long the dashboard sign-in link in an acknowledgement or a requested sign-in mail
    /// works.
    pub sign_in_link_ttl: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            batch: 20,
            max_attempts: 8,
            base_backoff: Duration::seconds(5),
            max_backoff: Duration::minutes(30),
            fan_out_page: 200,
            lease: Duration::minutes(5),
            fan_out_pages_per_run: 50,
            sign_in_link_ttl: Duration::minutes(15),
        }
    }
}

/// What one pass did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Personal messages queued by fan-out jobs in this pass.
    pub fanned_out: usize,
    /// Organizer-listed attendees recorded (new or changed) by attendee jobs in this pass.
    pub listed: usize,
}

const CONFLICT_RETRIES: usize = 5;

/// Works off every item due at `now` (up to one batch). `ids` names the invitees that
/// attendee jobs create.
pub async fn deliver_due(
    store: &dyn Store,
    ids: &dyn IdSource,
    composer: &dyn Composer,
    mailer: &dyn Mailer,
    settings: &DeliverySettings,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, StoreError> {
    let mut report = DeliveryReport::default();
    for due in store.due_outbox(now, settings.batch).await? {
        let message = &due.message;
        if !store.claim(&message.id, now, now + settings.lease).await? {
            continue; // another sender has it
        }
        let result = match &message.notice {
            Notice::FanOut(fan_out) => {
                fan_out_to_invitees(message, fan_out, None, store, settings, now)
                    .await
                    .map(|queued| report.fanned_out += queued)
                    .map_err(|error| SendError::Transient(error.to_string()))
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
                fan_out_to_invitees(&origin, fan_out, Some(after), store, settings, now)
                    .await
                    .map(|queued| report.fanned_out += queued)
                    .map_err(|error| SendError::Transient(error.to_string()))
            }
            Notice::RecordAttendees(list) => {
                attendees::record_attendees(message, list, store, ids, now, &mut report.listed)
                    .await
                    .map_err(|error| SendError::Transient(error.to_string()))
            }
            Notice::SignInRequest { .. } => {
                let ttl = settings.sign_in_link_ttl;
                sign_in::answer_request(message, store, composer, mailer, ttl, now).await
            }
            Notice::Invitation { invitee, .. } if !still_reachable(&invitee.id, store).await? => {
                Err(SendError::Permanent(
                    "not sent: the address unsubscribed, bounced or complained since".into(),
                ))
            }
            _ => {
                // A sign-in link is made as its mail leaves, so no stored row ever holds it.
                let linked =
                    access::with_sign_in_link(message, store, settings.sign_in_link_ttl, now)
                        .await?;
                match composer.compose(linked.as_ref().unwrap_or(message)) {
                    Ok(mail) => mailer.send(&mail).await,
                    Err(reason) => {
                        Err(SendError::Permanent(format!("could not compose: {reason}")))
                    }
                }
            }
        };
        let attempts = due.attempts + 1;
        match result {
            Ok(()) => {
                store.mark_sent(&message.id, now).await?;
                if let Notice::Invitation { invitee, .. } = &message.notice {
                    record_sent(&invitee.id, &message.id, store, now).await?;
                }
                report.sent += 1;
            }
            Err(SendError::Transient(reason)) if attempts < settings.max_attempts => {
                store
                    .mark_retry(
                        &message.id,
                        attempts,
                        now + backoff(settings, attempts),
                        &reason,
                    )
                    .await?;
                report.retrying += 1;
            }
            Err(error) => {
                store.mark_failed(&message.id, &error.to_string()).await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// Mail queued before an unsubscribe, bounce or complaint is not sent after it.
async fn still_reachable(invitee: &InviteeId, store: &dyn Store) -> Result<bool, StoreError> {
    Ok(store.invitee(invitee).await?.is_some_and(|i| i.reachable()))
}

/// Exponential backoff: base * 2^(attempts-1), capped.
pub fn backoff(settings: &DeliverySettings, attempts: u32) -> Duration {
    let factor = 1i32
        .checked_shl(attempts.saturating_sub(1).min(20))
        .unwrap_or(i32::MAX);
    settings
        .base_backoff
        .checked_mul(factor)
        .unwrap_or(settings.max_backoff)
        .min(settings.max_backoff)
}

/// The delivery track moves to `sent` once the transport took the message.
async fn record_sent(
    invitee_id: &InviteeId,
    outbox_id: &str,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let signal = system_signal(format!("sent:{outbox_id}"), SignalKind::Sent, now);
    for _ in 0..CONFLICT_RETRIES {
        let Some(mut invitee) = store.invitee(invitee_id).await? else {
            return Ok(());
        };
        let expected = invitee.version;
        let tracked = track(&mut invitee, vec![signal.clone()]);
        let commit = tracked.into_commit(invitee, expected, now);
        match store.commit(&commit).await {
            Ok(_) => return Ok(()),
            Err(StoreError::Conflict) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(StoreError::Conflict)
}

/// Queues one personal message per reachable Rollcall invitee for an organizer's change,
/// starting after invitee `from` (the whole list when `None`). Each invitee's part is its own
/// commit, de-duplicated by the job's id, so a job interrupted half-way resumes without sending
/// anyone a second copy. After `fan_out_pages_per_run` full pages the rest becomes a new job
/// ([`Notice::FanOutFrom`]), queued before this one is marked done.
async fn fan_out_to_invitees(
    job: &OutboxMessage,
    fan_out: &FanOut,
    from: Option<&InviteeId>,
    store: &dyn Store,
    settings: &DeliverySettings,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    // The event as it is now: a later change queues its own job, and both carry the latest.
    let Some(event) = store.event(&job.event.id).await? else {
        return Ok(0);
    };
    let mut queued = 0;
    let mut after: Option<InviteeId> = from.cloned();
    let mut pages = 0;
    loop {
        if pages >= settings.fan_out_pages_per_run.max(1)
            && let Some(after) = &after
        {
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
                    outbox: vec![rest],
                    ..Commit::default()
                })
                .await?;
            break;
        }
        pages += 1;
        let page = store
            .invitees_of(&event.id, after.as_ref(), settings.fan_out_page)
            .await?;
        let Some(last) = page.last() else { break };
        // A page that does not move past `after` would loop forever; a store bug, but not ours
        // to spin on.
        if after.as_ref().is_some_and(|a| &last.id <= a) {
            return Err(StoreError::Unavailable(
                "invitee paging did not advance".into(),
            ));
        }
        after = Some(last.id.clone());
        for invitee in page {
            if !invitee.receives_invitations() || !invitee.reachable() || invitee.sequence == 0 {
                continue;
            }
            queued += fan_out_one(job, fan_out, &invitee.id, &event, store, now).await?;
        }
    }
    Ok(queued)
}

async fn fan_out_one(
    job: &OutboxMessage,
    fan_out: &FanOut,
    invitee_id: &InviteeId,
    event: &crate::event::Event,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    for _ in 0..CONFLICT_RETRIES {
        let Some(mut invitee) = store.invitee(invitee_id).await? else {
            return Ok(0);
        };
        let expected = invitee.version;
        let outbox_id = format!("{}-{}", job.id, invitee.id);
        let mut signals = vec![system_signal(
            format!("queued:{outbox_id}"),
            SignalKind::Queued,
            now,
        )];
        if matches!(fan_out, FanOut::Update { reconfirm: true }) {
            signals.push(Signal {
                occurred_at: job.created_at,
                ..system_signal(format!("reconfirm:{}", job.id), SignalKind::Reconfirm, now)
            });
        }
        invitee.sequence += 1;
        let tracked = track(&mut invitee, signals);
        invitee.version += 1;
        invitee.updated_at = now;
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
        let message =
            OutboxMessage::invitation(outbox_id, &invitee, event, method, recurrence_id, now);
        let commit = Commit {
            invitees: vec![InviteeWrite {
                invitee,
                expected_version: Some(expected),
            }],
            signals: tracked.records,
            counters: tracked.counters,
            outbox: vec![message],
            ..Commit::default()
        };
        match store.commit(&commit).await {
            Ok(Committed::Applied) => return Ok(1),
            Ok(Committed::AlreadyRecorded) => return Ok(0),
            Err(StoreError::Conflict) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(StoreError::Conflict)
}

/// A signal Rollcall itself produces. `sent` is the mail transport's word (the provider
/// channel, like bounces later); fan-out steps are Rollcall's own (api).
fn system_signal(dedupe_key: String, kind: SignalKind, now: DateTime<Utc>) -> Signal {
    let channel = if kind == SignalKind::Sent {
        Channel::Provider
    } else {
        Channel::Api
    };
    let mut signal = Signal::now(dedupe_key, kind, channel, now);
    signal.provenance.note = Some("Rollcall's own delivery".to_string());
    signal
}

/// The PARTSTAT an invitee's calendar copy carries: their current answer.
pub fn partstat(invitee: &Invitee) -> String {
    invitee
        .status
        .value("response")
        .and_then(Answer::parse)
        .unwrap_or(Answer::NeedsAction)
        .as_str()
        .to_ascii_uppercase()
}
