//! The `worker` function: SQS batches of Rollcall's jobs.
//!
//! - `{"kind":"deliver-due"}`: send what the outbox index says is due (invitations, notices,
//!   and fan-out jobs that turn one change into a message per invitee). The outbox in the table
//!   is the work list and the job only a doorbell, so a repeated or concurrent job is harmless:
//!   every message is claimed before it is sent (see `OutboxStore::claim`).
//! - `{"kind":"retry-failed","id":"<outbox id>"}` or `{"kind":"retry-failed","all":true}`: an
//!   operator's redrive of failed messages (`rollcall outbox retry` of the local server): back
//!   in the queue with a fresh lifetime, then delivered like `deliver-due`. Only a failed
//!   message moves, so a job sent twice re-queues, and sends, once.
//! - `{"kind":"lift-suppression","address":"<address>"}`: an operator takes an address off the
//!   deployment's suppression list (`rollcall suppressions lift` of the local server); the
//!   list itself is in the table (`SUPPRESSIONS` partition) for reading.
//!
//! One invocation sends at most `ROLLCALL_SEND_RATE` messages a second and stops after its
//! time budget; if work is left, it rings the doorbell again for the next invocation. When SES
//! refuses everything (sending paused, account suspended, daily quota) the outbox pauses in the
//! table, so every worker sees it and one at a time probes it on the minute's sweep; the pass
//! that begins a pause publishes an alarm, and so does the one whose probe ends it.

use crate::batch::{BatchOutcome, Failure, handle_batch};
use crate::effects::ring;
use aws_lambda_events::event::sqs::SqsEvent;
use chrono::{DateTime, Utc};
use rollcall_aws::queue::JobQueue;
use rollcall_aws::stream::EventStream;
use rollcall_core::ids::RandomIds;
use rollcall_core::ports::{ChangeSink, Composer, Mailer, Store, StoreError};
use rollcall_core::usecase::deliver::{
    DeliveryReport, DeliverySettings, Next, Outlets, Pacer, Requeue, Stop, deliver_webhooks_due,
    requeue, send_paced,
};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long one job may keep sending: well inside the function's 60 s timeout.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(40);

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Job {
    DeliverDue,
    RetryFailed {
        /// One failed message, by its outbox id.
        #[serde(default)]
        id: Option<String>,
        /// Every failed message.
        #[serde(default)]
        all: bool,
    },
    LiftSuppression {
        address: String,
    },
}

#[derive(Clone)]
pub struct Worker {
    pub store: Arc<dyn Store>,
    pub composer: Arc<dyn Composer>,
    pub mailer: Arc<dyn Mailer>,
    pub settings: DeliverySettings,
    /// Messages per second, at most.
    pub rate: u32,
    pub budget: Duration,
    /// Where to ring when work is left at the end of the budget.
    pub doorbell: Option<JobQueue>,
    /// Where a human hears that the outbox paused (and resumed).
    pub alarms: Option<EventStream>,
    /// Where the dispatches of change records are told (Rollcall's event stream).
    pub stream: Option<EventStream>,
    /// Posts webhook deliveries.
    pub webhooks: Arc<dyn rollcall_core::ports::WebhookSender>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("rate", &self.rate)
            .field("budget", &self.budget)
            .field("alarms", &self.alarms.as_ref().map(|a| &a.topic_arn))
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// Posts due webhook deliveries, pass after pass, while any are due and the budget lasts;
    /// later retries are picked up by the next run (the minute's sweep, or a doorbell).
    async fn post_webhooks(&self, started: Instant) -> Result<DeliveryReport, Failure> {
        let mut total = DeliveryReport::default();
        while started.elapsed() < self.budget {
            let sender = Some(self.webhooks.as_ref());
            let pass =
                deliver_webhooks_due(self.store.as_ref(), sender, &self.settings, Utc::now())
                    .await
                    .map_err(|e| Failure::Retry(e.to_string()))?;
            let handled = pass.handled();
            total.add(pass);
            if handled == 0 {
                break;
            }
        }
        Ok(total)
    }

    pub async fn handle(self: &Arc<Self>, event: SqsEvent) -> BatchOutcome {
        handle_batch(event, self.clone(), |worker, body| async move {
            worker.handle_one(&body).await
        })
        .await
    }

    pub async fn handle_one(&self, body: &str) -> Result<(), Failure> {
        let job: Job = serde_json::from_str(body)
            .map_err(|e| Failure::Permanent(format!("not a Rollcall job ({e}): {body:.200}")))?;
        match job {
            Job::DeliverDue => self.deliver_due().await.map(|_| ()),
            Job::RetryFailed { id, all } => {
                let which = match (&id, all) {
                    (Some(id), false) => Requeue::One(id),
                    (None, true) => Requeue::AllFailed,
                    _ => {
                        return Err(Failure::Permanent(
                            "retry-failed needs either \"id\" or \"all\":true".into(),
                        ));
                    }
                };
                let requeued = requeue(self.store.as_ref(), which, Utc::now())
                    .await
                    .map_err(|e| Failure::Retry(e.to_string()))?;
                tracing::info!(count = requeued.len(), ids = ?requeued, "re-queued failed mail");
                self.deliver_due().await.map(|_| ())
            }
            Job::LiftSuppression { address } => {
                let address = rollcall_core::event::normalize_email(&address);
                let lifted = self
                    .store
                    .lift_suppression(&address)
                    .await
                    .map_err(|e| Failure::Retry(e.to_string()))?;
                tracing::info!(%address, lifted, "suppression lifted by the operator");
                Ok(())
            }
        }
    }

    /// Sends due messages, one batch (the rate) a second, until none is due or the budget is
    /// spent, and beside that posts the due webhook deliveries (in a loop of their own, so an
    /// endpoint that hangs holds up no mail). What it did, in total.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, Failure> {
        let started = Instant::now();
        let mut pacer = BudgetPacer {
            worker: self,
            started,
        };
        let outlets = Outlets {
            stream: self.stream.as_ref().map(|s| s as &dyn ChangeSink),
            ..Outlets::mail(self.composer.as_ref(), self.mailer.as_ref())
        };
        let mail = send_paced(
            self.store.as_ref(),
            &RandomIds,
            &outlets,
            &self.settings,
            self.rate,
            &mut pacer,
        );
        let (run, beside) = tokio::join!(mail, self.post_webhooks(started));
        // The mail loop's dispatches may have queued deliveries after the webhook loop found
        // none due: post those too before the run ends, not at the next sweep.
        let after = self.post_webhooks(started).await;
        let mut total = run.total;
        // Counts only: the mail loop's report says whether the outbox is paused.
        for posted in [beside?, after?] {
            total.sent += posted.sent;
            total.retrying += posted.retrying;
            total.failed += posted.failed;
        }
        match run.stop {
            Stop::Failed(error) => return Err(Failure::Retry(error.to_string())),
            Stop::WorkLeft => {
                tracing::info!("time budget spent with work left; ringing for the next run");
                if let Some(doorbell) = &self.doorbell {
                    ring(doorbell).await;
                }
            }
            Stop::Idle => {}
        }
        tracing::info!(
            sent = total.sent,
            retrying = total.retrying,
            failed = total.failed,
            deferred = total.deferred,
            fanned_out = total.fanned_out,
            listed = total.listed,
            paused = total.paused.is_some(),
            "outbox"
        );
        if total.over_quota > 0 {
            tracing::warn!(
                jobs = total.over_quota,
                "a change reached an organizer's daily invitation quota \
                 (ROLLCALL_QUOTA_INVITATIONS); the rest of its invitees get it tomorrow"
            );
        }
        Ok(total)
    }

    /// Tells a human when a pass paused the outbox (the queue is kept and probed; someone may
    /// have to act at SES) and when a probe ended the pause. A publish that fails is logged.
    async fn alert(&self, report: &DeliveryReport) {
        let alarm = match (&report.pause_began, &report.paused) {
            (Some(reason), pause) => {
                tracing::error!(%reason, "outbox paused: SES is not sending");
                json!({
                    "type": "alarm",
                    "alarm": "outbox-paused",
                    "detail": reason,
                    "next_probe_at": pause.as_ref().map(|p| p.next_probe_at),
                    "at": Utc::now(),
                })
            }
            (None, None) if report.resumed => {
                tracing::warn!("outbox resumed: SES takes mail again");
                json!({"type": "alarm", "alarm": "outbox-resumed", "at": Utc::now()})
            }
            _ => return,
        };
        if let Some(alarms) = &self.alarms
            && let Err(error) = alarms.publish(&alarm).await
        {
            tracing::error!(%error, "alarm not published");
        }
    }
}

/// One invocation's side of the send loop: it keeps going while its time budget lasts, stops
/// when nothing is due (the next doorbell or sweep starts another) or the store fails (the job
/// is retried), and raises the outbox's alarms as passes report them.
struct BudgetPacer<'a> {
    worker: &'a Worker,
    started: Instant,
}

#[async_trait::async_trait]
impl Pacer for BudgetPacer<'_> {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn passed(&mut self, pass: &Result<DeliveryReport, StoreError>) {
        if let Ok(report) = pass {
            self.worker.alert(report).await;
        }
    }

    async fn wait(&mut self, next: Next) -> bool {
        match next {
            Next::After(_) if self.started.elapsed() >= self.worker.budget => false,
            Next::After(pause) => {
                tokio::time::sleep(pause).await;
                true
            }
            Next::Idle | Next::Failed => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_parse_by_kind_and_anything_else_is_refused() {
        assert_eq!(
            serde_json::from_str::<Job>(crate::effects::DELIVER_DUE).ok(),
            Some(Job::DeliverDue)
        );
        assert_eq!(
            serde_json::from_str::<Job>(r#"{"kind":"retry-failed","id":"m-1"}"#).ok(),
            Some(Job::RetryFailed {
                id: Some("m-1".into()),
                all: false
            })
        );
        assert_eq!(
            serde_json::from_str::<Job>(r#"{"kind":"retry-failed","all":true}"#).ok(),
            Some(Job::RetryFailed {
                id: None,
                all: true
            })
        );
        assert!(serde_json::from_str::<Job>(r#"{"kind":"retry-failed","ids":["x"]}"#).is_err());
        assert_eq!(
            serde_json::from_str::<Job>(r#"{"kind":"lift-suppression","address":"a@b.org"}"#).ok(),
            Some(Job::LiftSuppression {
                address: "a@b.org".into()
            })
        );
        assert!(serde_json::from_str::<Job>(r#"{"kind":"format-disk"}"#).is_err());
        assert!(serde_json::from_str::<Job>("deliver-due").is_err());
    }
}
