//! The `worker` function: SQS batches of Rollcall's jobs. Today there is one kind,
//! `{"kind":"deliver-due"}`: send what the outbox index says is due (invitations, notices,
//! and fan-out jobs that turn one change into a message per invitee). The outbox in the table
//! is the work list and the job only a doorbell, so a repeated or concurrent job is harmless:
//! every message is claimed before it is sent (see `OutboxStore::claim`).
//!
//! One invocation sends at most `ROLLCALL_SEND_RATE` messages a second and stops after its
//! time budget; if work is left, it rings the doorbell again for the next invocation.

use crate::batch::{BatchOutcome, Failure, handle_batch};
use crate::effects::ring;
use async_trait::async_trait;
use aws_lambda_events::event::sqs::SqsEvent;
use chrono::Utc;
use rollcall_aws::mailer::is_paused;
use rollcall_aws::queue::JobQueue;
use rollcall_aws::stream::EventStream;
use rollcall_core::deliver::{DeliveryReport, DeliverySettings, deliver_due};
use rollcall_core::ids::RandomIds;
use rollcall_core::ports::{ComposedMail, Composer, Mailer, SendError, Store};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// How long one job may keep sending: well inside the function's 60 s timeout.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(40);

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Job {
    DeliverDue,
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
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("rate", &self.rate)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl Worker {
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
        }
    }

    /// Sends due messages, one batch (the rate) a second, until none is due or the budget is
    /// spent. What it did, in total.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, Failure> {
        let rate = self.rate.max(1) as usize;
        let settings = DeliverySettings {
            batch: rate,
            ..self.settings.clone()
        };
        let started = Instant::now();
        let mut total = DeliveryReport::default();
        loop {
            let second = Instant::now();
            let report = deliver_due(
                self.store.as_ref(),
                &RandomIds,
                self.composer.as_ref(),
                self.mailer.as_ref(),
                &settings,
                Utc::now(),
            )
            .await
            .map_err(|e| Failure::Retry(e.to_string()))?;
            total.sent += report.sent;
            total.retrying += report.retrying;
            total.failed += report.failed;
            total.fanned_out += report.fanned_out;
            total.listed += report.listed;
            let handled = report.sent + report.retrying + report.failed;
            if handled == 0 {
                break;
            }
            if started.elapsed() >= self.budget {
                tracing::info!("time budget spent with work left; ringing for the next run");
                if let Some(doorbell) = &self.doorbell {
                    ring(doorbell).await;
                }
                break;
            }
            // Only a full batch means more may be due now; pace to the rate.
            if handled >= rate {
                tokio::time::sleep_until(second + Duration::from_secs(1)).await;
            }
        }
        tracing::info!(
            sent = total.sent,
            retrying = total.retrying,
            failed = total.failed,
            fanned_out = total.fanned_out,
            listed = total.listed,
            "outbox"
        );
        Ok(total)
    }
}

/// A mailer that tells the operator, once per process, that SES paused sending for the
/// account (the message itself is retried like any transient failure).
pub struct Alarming {
    pub mailer: Arc<dyn Mailer>,
    pub alarms: Option<EventStream>,
    raised: AtomicBool,
}

impl Alarming {
    pub fn new(mailer: Arc<dyn Mailer>, alarms: Option<EventStream>) -> Alarming {
        Alarming {
            mailer,
            alarms,
            raised: AtomicBool::new(false),
        }
    }
}

impl std::fmt::Debug for Alarming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alarming")
            .field("alarms", &self.alarms.as_ref().map(|a| &a.topic_arn))
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Mailer for Alarming {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError> {
        let result = self.mailer.send(mail).await;
        if let Err(error) = &result
            && is_paused(error)
        {
            tracing::error!(%error, "SES is not sending for this account");
            if !self.raised.swap(true, Ordering::SeqCst)
                && let Some(alarms) = &self.alarms
            {
                let alarm = json!({
                    "type": "alarm",
                    "alarm": "sending-paused",
                    "detail": error.to_string(),
                    "at": Utc::now(),
                });
                if let Err(publish) = alarms.publish(&alarm).await {
                    tracing::error!(error = %publish, "alarm not published");
                }
            }
        }
        result
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
        assert!(serde_json::from_str::<Job>(r#"{"kind":"format-disk"}"#).is_err());
        assert!(serde_json::from_str::<Job>("deliver-due").is_err());
    }
}
