//! Works off the outbox: mail is composed, sent and recorded; fan-out jobs become one personal
//! message per invitee; attendee jobs become one organizer-listed invitee per attendee. A crash
//! after sending and before recording sends the message again on restart (at-least-once);
//! transports make that harmless by keying on the outbox id (file name, Message-ID), and each
//! invitee's part of a job is de-duplicated by its signals.
//!
//! No passing outage drops a message: a temporary failure is retried with jittered, capped
//! backoff for the message's lifetime ([`retry`]); a transport that refuses everything
//! ([`SendError::Unavailable`]) pauses the whole outbox, kept in the store, and one sender at a
//! time probes it with one message until it takes mail again. An invitation that waits shows
//! its invitee as `delayed` until it is sent.

mod attendees;
mod calendar_copy;
mod fan_out;
mod paced;
mod requeue;
pub mod retry;
mod sign_in;
mod signals;
pub mod webhooks;

pub use calendar_copy::{occurrence_partstats, partstat};
pub use paced::{Next, PacedRun, Pacer, Stop, send_paced};
pub use requeue::{Requeue, requeue};
pub use retry::{Jitter, parse_span};
pub use signals::SUPPRESSED_PREFIX;
use signals::*;
pub use webhooks::deliver_webhooks_due;

use crate::event::normalize_email;
use crate::invitee::{Invitee, InviteeId};
use crate::notice::{Notice, OutboxMessage};
use crate::ports::{
    ChangeSink, Composer, DueMessage, IdSource, Mailer, OutboxPause, SendError, Store, StoreError,
};
use crate::quota::{self, QuotaSettings};
use crate::retry::Attempt;
use crate::status::{Answer, Channel, MailKind, Signal, SignalKind};
use crate::tracking::{Tracked, track};
use crate::usecase::access;
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Outbox items per batch.
    pub batch: usize,
    /// How long a message that keeps failing temporarily is retried, from when it was queued
    /// (or re-queued), before it is marked failed and left for an operator.
    pub lifetime: Duration,
    /// First retry delay; doubles per attempt up to `max_backoff`, jittered.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest wait between two probes of a paused outbox (the first is `base_backoff`).
    pub max_probe_interval: Duration,
    /// Where the jitter of every wait comes from.
    pub jitter: Jitter,
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
    /// The organizer's daily quota of invitations, which the updates and cancellations a
    /// fan-out queues count against too (with the form and the pasted lists).
    pub quotas: QuotaSettings,
}

/// Where the outbox's items leave through: mail (composed, then sent), and the event stream
/// that dispatches of change records are told to (none locally). Webhook deliveries leave
/// through a loop of their own ([`deliver_webhooks_due`]).
#[derive(Clone, Copy)]
pub struct Outlets<'a> {
    pub composer: &'a dyn Composer,
    pub mailer: &'a dyn Mailer,
    pub stream: Option<&'a dyn ChangeSink>,
}

impl std::fmt::Debug for Outlets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outlets")
            .field("stream", &self.stream.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> Outlets<'a> {
    /// Mail only: dispatches are done without telling anyone beyond the store.
    pub fn mail(composer: &'a dyn Composer, mailer: &'a dyn Mailer) -> Outlets<'a> {
        Outlets {
            composer,
            mailer,
            stream: None,
        }
    }
}

/// Five days, as SMTP queues keep mail they cannot deliver yet (RFC 5321 §4.5.4.1).
pub const DEFAULT_LIFETIME_DAYS: i64 = 5;

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            batch: 20,
            lifetime: Duration::days(DEFAULT_LIFETIME_DAYS),
            base_backoff: Duration::seconds(5),
            max_backoff: Duration::hours(1),
            max_probe_interval: Duration::minutes(10),
            jitter: Jitter::Random,
            fan_out_page: 200,
            lease: Duration::minutes(5),
            fan_out_pages_per_run: 50,
            sign_in_link_ttl: Duration::minutes(15),
            quotas: QuotaSettings::default(),
        }
    }
}

/// What one pass did, for logs, alarms and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Mail not sent because its address is suppressed for every event (also counted nowhere
    /// else: it never reached the transport).
    pub suppressed: usize,
    /// Mail left waiting, untried, because the outbox is paused.
    pub deferred: usize,
    /// Personal messages queued by fan-out jobs in this pass.
    pub fanned_out: usize,
    /// Webhook deliveries queued from dispatches in this pass.
    pub webhooks_queued: usize,
    /// Fan-out jobs that stopped at their organizer's daily invitation quota; the rest of each
    /// waits for the next day.
    pub over_quota: usize,
    /// Organizer-listed attendees recorded (new or changed) by attendee jobs in this pass.
    pub listed: usize,
    /// This pass paused the outbox (it was not paused before): the transport's words.
    pub pause_began: Option<String>,
    /// This pass's probe got through: the outbox was paused and no longer is.
    pub resumed: bool,
    /// The outbox's pause as this pass left it, if it is paused.
    pub paused: Option<OutboxPause>,
}

impl DeliveryReport {
    /// Outbox items this pass did something with: more may be due if it was a full batch.
    pub fn handled(&self) -> usize {
        self.sent + self.retrying + self.failed + self.deferred
    }

    /// Adds another pass's counts, and takes its pause state as the latest.
    pub fn add(&mut self, later: DeliveryReport) {
        self.sent += later.sent;
        self.retrying += later.retrying;
        self.failed += later.failed;
        self.suppressed += later.suppressed;
        self.deferred += later.deferred;
        self.fanned_out += later.fanned_out;
        self.webhooks_queued += later.webhooks_queued;
        self.over_quota += later.over_quota;
        self.listed += later.listed;
        self.pause_began = self.pause_began.take().or(later.pause_began);
        self.resumed |= later.resumed;
        self.paused = later.paused;
    }
}

/// Whether mail may go now, as this pass knows it.
#[derive(Debug, Clone)]
enum Gate {
    Open,
    /// Paused; mail waits until the pause's next probe.
    Paused(OutboxPause),
    /// Paused, and its probe is due: the first mail of this pass may take it.
    ProbeDue(OutboxPause),
    /// Paused, and this pass holds the probe: the mail being sent is it.
    Probing(OutboxPause),
}

/// Works off every item due at `now` (up to one batch). `ids` names the invitees that
/// attendee jobs create.
pub async fn deliver_due(
    store: &dyn Store,
    ids: &dyn IdSource,
    outlets: &Outlets<'_>,
    settings: &DeliverySettings,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, StoreError> {
    let (composer, mailer) = (outlets.composer, outlets.mailer);
    let mut report = DeliveryReport::default();
    let mut gate = match store.outbox_pause().await? {
        None => Gate::Open,
        Some(pause) if pause.next_probe_at <= now => Gate::ProbeDue(pause),
        Some(pause) => Gate::Paused(pause),
    };
    for due in store.due_outbox(now, settings.batch).await? {
        let message = &due.message;
        if !store.claim(&message.id, now, now + settings.lease).await? {
            continue; // another sender has it
        }
        // An address suppressed for every event gets nothing, whatever the transport's state.
        if let Some(why) = suppressed(message, store, now).await? {
            store.mark_failed(&message.id, &why).await?;
            report.suppressed += 1;
            continue;
        }
        if let Notice::Webhook { .. } = message.notice {
            continue; // listed apart, by `due_webhooks`; only a store that breaks that gets here
        }
        let is_mail = !matches!(
            message.notice,
            Notice::FanOut(_)
                | Notice::FanOutFrom { .. }
                | Notice::RecordAttendees(_)
                | Notice::Dispatch { .. }
        );
        if is_mail && let Gate::ProbeDue(pause) = &gate {
            let until = now + probe_wait(settings, pause.probes + 1);
            gate = if store.claim_outbox_probe(now, until).await? {
                Gate::Probing(pause.clone())
            } else {
                // Another sender probes; wait for its verdict, whatever it is by now.
                match store.outbox_pause().await? {
                    None => Gate::Open,
                    Some(pause) => Gate::Paused(pause),
                }
            };
        }
        if is_mail && let Gate::Paused(pause) = &gate {
            defer(&due, pause, store, now).await?;
            report.deferred += 1;
            continue;
        }
        let result = match &message.notice {
            Notice::FanOut(_) | Notice::FanOutFrom { .. } => {
                match fan_out::run(message, store, settings, now).await {
                    Ok(run) => {
                        report.fanned_out += run.queued;
                        if let Some(waiting) = run.over_quota {
                            report.over_quota += 1;
                            if waiting == fan_out::Waiting::ThisJob {
                                // Nothing of it could go today: the job itself waits, untried.
                                let why = fan_out::over_quota_words(message, settings);
                                let tomorrow = quota::next_day(now);
                                store
                                    .mark_retry(&message.id, due.attempts, tomorrow, &why)
                                    .await?;
                                continue;
                            }
                        }
                        Ok(())
                    }
                    Err(error) => Err(SendError::Transient(error.to_string())),
                }
            }
            Notice::RecordAttendees(list) => {
                attendees::record_attendees(message, list, store, ids, now, &mut report.listed)
                    .await
                    .map_err(|error| SendError::Transient(error.to_string()))
            }
            Notice::Dispatch { changes } => match webhooks::fan_out(changes, store, now).await {
                Ok(queued) => {
                    report.webhooks_queued += queued;
                    crate::usecase::dispatch::tell(changes, outlets.stream).await
                }
                Err(error) => Err(SendError::Transient(error.to_string())),
            },
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
        // Any answer about the message itself means the transport is taking mail again.
        if let Gate::Probing(_) = &gate
            && !matches!(result, Err(SendError::Unavailable(_)))
        {
            store.resume_outbox().await?;
            report.resumed = true;
            gate = Gate::Open;
        }
        let attempts = due.attempts + 1;
        match result {
            Ok(()) => {
                store.mark_sent(&message.id, now).await?;
                if let Notice::Invitation { invitee, .. } = &message.notice {
                    let mail = message.notice.mail_kind();
                    record_delivery(&invitee.id, &message.id, SignalKind::Sent, mail, store, now)
                        .await?;
                }
                report.sent += 1;
            }
            Err(SendError::Transient(reason)) => {
                let next = retry::next_attempt(
                    settings.base_backoff,
                    settings.max_backoff,
                    settings.lifetime,
                    settings.jitter,
                    attempts,
                    due.since,
                    now,
                );
                match next {
                    Some(next) => {
                        store
                            .mark_retry(&message.id, attempts, next, &reason)
                            .await?;
                        record_delayed(message, store, now).await?;
                        report.retrying += 1;
                    }
                    None => {
                        let given_up = format!(
                            "gave up after {attempts} attempts since {}: {reason}",
                            due.since.format("%Y-%m-%d %H:%M:%S UTC")
                        );
                        store.mark_failed(&message.id, &given_up).await?;
                        report.failed += 1;
                    }
                }
            }
            Err(SendError::Unavailable(reason)) => {
                let pause = match &gate {
                    Gate::Probing(pause) => OutboxPause {
                        probes: pause.probes + 1,
                        next_probe_at: now + probe_wait(settings, pause.probes + 1),
                        reason: reason.clone(),
                        ..pause.clone()
                    },
                    _ => {
                        report.pause_began = Some(reason.clone());
                        OutboxPause {
                            since: now,
                            next_probe_at: now + probe_wait(settings, 0),
                            probes: 0,
                            reason: reason.clone(),
                        }
                    }
                };
                store.pause_outbox(&pause).await?;
                // Not the message's fault: it keeps its lifetime and goes with the next probe.
                let error = SendError::Unavailable(reason).to_string();
                store
                    .mark_retry(&message.id, attempts, pause.next_probe_at, &error)
                    .await?;
                record_delayed(message, store, now).await?;
                report.retrying += 1;
                gate = Gate::Paused(pause);
            }
            Err(error @ SendError::Permanent(_)) => {
                store.mark_failed(&message.id, &error.to_string()).await?;
                report.failed += 1;
            }
        }
    }
    report.paused = match gate {
        Gate::Open => None,
        Gate::Paused(pause) | Gate::ProbeDue(pause) | Gate::Probing(pause) => Some(pause),
    };
    Ok(report)
}

/// The wait before probe number `probes + 1` of a paused outbox.
fn probe_wait(settings: &DeliverySettings, probes: u32) -> Duration {
    let wait = retry::exponential(settings.base_backoff, probes, settings.max_probe_interval);
    retry::jittered(wait, settings.jitter)
}

/// Leaves a claimed message untried until the pause's next probe, saying why; attempts and
/// lifetime are unchanged. Never due again within the second, so a pause read just before
/// its probe moved on cannot spin a sender.
async fn defer(
    due: &DueMessage,
    pause: &OutboxPause,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let until = pause.next_probe_at.max(now + Duration::seconds(1));
    let why = format!(
        "waiting: the outbox is paused since {} ({})",
        pause.since.format("%Y-%m-%d %H:%M:%S UTC"),
        pause.reason
    );
    store
        .mark_retry(&due.message.id, due.attempts, until, &why)
        .await?;
    record_delayed(&due.message, store, now).await
}

/// Mail queued before an unsubscribe, bounce or complaint is not sent after it.
async fn still_reachable(invitee: &InviteeId, store: &dyn Store) -> Result<bool, StoreError> {
    Ok(store.invitee(invitee).await?.is_some_and(|i| i.reachable()))
}

/// Exponential backoff before the retry after attempt `attempts`: base * 2^(attempts-1),
/// capped; without jitter (see [`retry::jittered`]).
pub fn backoff(settings: &DeliverySettings, attempts: u32) -> Duration {
    retry::exponential(
        settings.base_backoff,
        attempts.saturating_sub(1),
        settings.max_backoff,
    )
}
