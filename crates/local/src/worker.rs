//! The background loops of `rollcall serve`: the inbound worker that drains the queue through
//! the ingest use case, and the sender that drains the outbox through the mailer.

use crate::store::SqliteStore;
use crate::trust::SenderCheck;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use rollcall_core::ids::RandomIds;
use rollcall_core::ports::{Composer, Mailer, Store, StoreError, WebhookSender};
use rollcall_core::usecase::deliver::{
    DeliveryReport, DeliverySettings, Next, Outlets, Pacer, send_paced, webhooks,
};
use rollcall_core::usecase::ingest::{
    InboundMessage, IngestSettings, ingest, recipient_of, reject_unaddressed,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How often the loops look for work when nobody woke them (retries that became due).
const POLL: Duration = Duration::from_secs(1);
/// After this many failed attempts an inbound message is parked as `failed` (its raw file is
/// kept) instead of being retried forever.
const MAX_INBOUND_ATTEMPTS: u32 = 10;

#[derive(Clone)]
pub struct InboundWorker {
    /// The inbox queue.
    pub store: SqliteStore,
    /// The same database as the use cases write it: wrapped so that commits queue the
    /// dispatch of their change records ([`rollcall_core::usecase::dispatch`]).
    pub ports: Arc<dyn Store>,
    /// The web site's page cache: pages of events a message changed are dropped at once.
    pub pages: Arc<rollcall_http::PageCache>,
    pub settings: IngestSettings,
    pub domain: String,
    /// Decides how far each message's sender is authenticated (trusted network, DMARC).
    pub sender: Arc<SenderCheck>,
    pub wake: Arc<Notify>,
}

impl std::fmt::Debug for InboundWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundWorker")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl InboundWorker {
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, outbox_wake: Arc<Notify>) {
        loop {
            match self.process_next().await {
                Ok(true) => {
                    outbox_wake.notify_one();
                    continue;
                }
                Ok(false) => {}
                Err(error) => tracing::error!(%error, "inbound worker"),
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Processes the next due message, if any. `Ok(true)` if one was handled.
    pub async fn process_next(&self) -> anyhow::Result<bool> {
        let now = Utc::now();
        let Some(entry) = self.store.next_inbound(now).await? else {
            return Ok(false);
        };
        let attempts = entry.attempts + 1;
        let failure = match tokio::fs::read(&entry.path).await {
            Ok(raw) => {
                // The queue holds recipient records (never reply keys); rows from before
                // that hold addresses, which are classified as they arrive.
                let named = entry.rcpt_to.iter().map(String::as_str);
                let Some(recipient) = recipient_of(named, &self.domain, &self.settings.tokens)
                else {
                    let outcome = reject_unaddressed(&entry.id, self.ports.as_ref(), now).await?;
                    tracing::warn!(message = %entry.id, %outcome, "processed");
                    return Ok(true);
                };
                let trust = self.sender.judge(&entry, &raw).await;
                let message = InboundMessage {
                    id: &entry.id,
                    raw: &raw,
                    recipient,
                    trust,
                };
                match ingest(
                    &message,
                    &self.settings,
                    self.ports.as_ref(),
                    &RandomIds,
                    now,
                )
                .await
                {
                    Ok(outcome) => {
                        for event in outcome.event_ids() {
                            self.pages.forget(event);
                        }
                        tracing::info!(message = %entry.id, %outcome, "processed");
                        return Ok(true);
                    }
                    Err(error) => error.to_string(),
                }
            }
            Err(error) => format!("reading {}: {error}", entry.path),
        };
        let retry_at = (attempts < MAX_INBOUND_ATTEMPTS)
            .then(|| now + ChronoDuration::seconds(2i64.pow(attempts.min(10))));
        tracing::warn!(message = %entry.id, attempts, error = %failure, "inbound attempt failed");
        self.store
            .inbound_attempt_failed(&entry.id, attempts, retry_at, &failure)
            .await?;
        Ok(true)
    }
}

pub struct OutboxSender {
    /// Wrapped like [`InboundWorker::ports`]: delivery records signals too.
    pub store: Arc<dyn Store>,
    pub composer: Arc<dyn Composer>,
    pub mailer: Arc<dyn Mailer>,
    pub webhooks: Arc<dyn WebhookSender>,
    pub settings: DeliverySettings,
    /// Upper bound on messages per second, so a big fan-out does not trip a relay's limits.
    pub rate_per_second: u32,
    pub wake: Arc<Notify>,
}

impl std::fmt::Debug for OutboxSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxSender")
            .field("rate_per_second", &self.rate_per_second)
            .finish_non_exhaustive()
    }
}

impl OutboxSender {
    /// Sends what the outbox holds, paced to the rate, and posts webhook deliveries in a loop
    /// of their own beside it (an endpoint that hangs holds up no mail), until the server
    /// shuts down.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let mut pacer = ServePacer {
            wake: self.wake.clone(),
            shutdown: shutdown.clone(),
        };
        let outlets = Outlets::mail(self.composer.as_ref(), self.mailer.as_ref());
        let mail = send_paced(
            self.store.as_ref(),
            &RandomIds,
            &outlets,
            &self.settings,
            self.rate_per_second,
            &mut pacer,
        );
        tokio::join!(mail, self.post_webhooks(shutdown));
    }

    /// Claims due webhook deliveries and posts each as a task of its own, at most
    /// [`WEBHOOKS_IN_FLIGHT`] at once: a delivery that hangs until the timeout holds up no
    /// other, earlier or later.
    async fn post_webhooks(&self, mut shutdown: watch::Receiver<bool>) {
        let in_flight = Arc::new(tokio::sync::Semaphore::new(WEBHOOKS_IN_FLIGHT));
        loop {
            let claimed =
                webhooks::claim_due(self.store.as_ref(), &self.settings, Utc::now()).await;
            let claimed = match claimed {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::error!(%error, "webhook deliveries: the store failed; trying again");
                    Vec::new()
                }
            };
            let idle = claimed.is_empty();
            for due in claimed {
                let Ok(permit) = in_flight.clone().acquire_owned().await else {
                    return;
                };
                let (store, sender) = (self.store.clone(), self.webhooks.clone());
                let jitter = self.settings.jitter;
                tokio::spawn(async move {
                    let _permit = permit;
                    let posted = webhooks::post(
                        &due,
                        Some(sender.as_ref()),
                        store.as_ref(),
                        jitter,
                        Utc::now(),
                    )
                    .await;
                    match posted {
                        Ok(posted) => {
                            tracing::info!(delivery = %due.message.id, ?posted, "webhook")
                        }
                        Err(error) => {
                            tracing::error!(delivery = %due.message.id, %error, "webhook")
                        }
                    }
                });
            }
            if !idle {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(WEBHOOK_POLL) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Webhook deliveries posted at once, at most.
const WEBHOOKS_IN_FLIGHT: usize = 32;

/// How often the webhook loop looks for due deliveries when it has none: deliveries are
/// queued by the mail loop's dispatches, which ring no bell of this loop's.
const WEBHOOK_POLL: Duration = Duration::from_millis(500);

/// The server's side of the send loop: it waits on the clock, the doorbell (a change queued
/// mail) or the shutdown, never gives up on a store error, and says what each pass did in the
/// log.
struct ServePacer {
    wake: Arc<Notify>,
    shutdown: watch::Receiver<bool>,
}

#[async_trait::async_trait]
impl Pacer for ServePacer {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn passed(&mut self, pass: &Result<DeliveryReport, StoreError>) {
        let report = match pass {
            Ok(report) => report,
            Err(error) => return tracing::error!(%error, "outbox sender"),
        };
        log_pause(report);
        if report.handled() > 0 {
            tracing::info!(
                sent = report.sent,
                retrying = report.retrying,
                failed = report.failed,
                deferred = report.deferred,
                fanned_out = report.fanned_out,
                listed = report.listed,
                "outbox"
            );
        }
        if report.over_quota > 0 {
            tracing::warn!(
                jobs = report.over_quota,
                "a change reached an organizer's daily invitation quota \
                 (--quota-invitations); the rest of its invitees get it tomorrow"
            );
        }
    }

    async fn wait(&mut self, next: Next) -> bool {
        if *self.shutdown.borrow() {
            return false;
        }
        match next {
            Next::After(pause) => tokio::select! {
                _ = tokio::time::sleep(pause) => true,
                _ = self.shutdown.changed() => false,
            },
            // Retries that became due are found by looking again.
            Next::Idle | Next::Failed => tokio::select! {
                _ = self.wake.notified() => true,
                _ = tokio::time::sleep(POLL) => true,
                _ = self.shutdown.changed() => false,
            },
        }
    }
}

/// Says in the log when the outbox pauses, when a probe finds it still refused, and when it
/// resumes: a paused outbox is the operator's business (`rollcall outbox` shows it too).
fn log_pause(report: &DeliveryReport) {
    let next = |p: &rollcall_core::ports::OutboxPause| p.next_probe_at.format("%H:%M:%S UTC");
    match (&report.pause_began, &report.paused) {
        (Some(reason), Some(pause)) => tracing::error!(
            %reason,
            next_probe = %next(pause),
            "outbox paused: the mail transport refuses everything; queued mail is kept and \
             one message is tried at each probe"
        ),
        (None, Some(pause)) if report.retrying > 0 => tracing::warn!(
            reason = %pause.reason,
            since = %pause.since,
            probes = pause.probes,
            next_probe = %next(pause),
            "outbox still paused"
        ),
        _ => {}
    }
    if report.resumed {
        tracing::warn!("outbox resumed: the mail transport takes mail again");
    }
}
