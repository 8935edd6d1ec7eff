//! The `inbound` function: SQS batches of SES receipt notifications (SNS envelopes). Each names
//! the raw mail SES stored in S3; it is read (size-bounded) and handed to the same ingest use
//! case `rollcall serve` runs, under SES's message id, so a redelivered notification is
//! recognised by its recorded outcome and changes nothing.

use crate::batch::{BatchOutcome, Failure, handle_batch};
use aws_lambda_events::event::sqs::SqsEvent;
use chrono::Utc;
use rollcall_aws::archive::{ArchiveError, RawMailArchive};
use rollcall_aws::ses::{ReceiptMessage, parse_receipt};
use rollcall_core::ids::RandomIds;
use rollcall_core::outcome::Outcome;
use rollcall_core::ports::{Commit, MessageRecord, Store, StoreError};
use rollcall_core::usecase::ingest::{
    InboundMessage, IngestSettings, NO_RECIPIENT, SenderTrust, ingest, recipient_of,
    reject_unaddressed,
};
use std::sync::Arc;

#[derive(Clone)]
pub struct Inbound {
    pub store: Arc<dyn Store>,
    pub archive: RawMailArchive,
    pub settings: IngestSettings,
}

impl std::fmt::Debug for Inbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbound")
            .field("bucket", &self.archive.bucket)
            .field("domain", &self.settings.domain)
            .finish_non_exhaustive()
    }
}

impl Inbound {
    pub async fn handle(self: &Arc<Self>, event: SqsEvent) -> BatchOutcome {
        handle_batch(event, self.clone(), |inbound, body| async move {
            inbound.handle_one(&body).await
        })
        .await
    }

    /// One receipt notification.
    pub async fn handle_one(&self, body: &str) -> Result<(), Failure> {
        let receipt = match parse_receipt(body) {
            Ok(ReceiptMessage::Received(receipt)) => receipt,
            Ok(ReceiptMessage::SetupNotification) => {
                tracing::info!("SES setup notification; nothing to do");
                return Ok(());
            }
            Err(error) => {
                return Err(Failure::Permanent(format!(
                    "not a receipt notification: {error}"
                )));
            }
        };
        let id = receipt.ses_message_id.as_str();
        tracing::info!(ses_message_id = %id, key = %receipt.key, verdicts = %receipt.verdicts.summary(), "received");
        let named = receipt.recipients.iter().map(String::as_str);
        let Some(recipient) = recipient_of(named, &self.settings.domain, &self.settings.tokens)
        else {
            tracing::warn!(ses_message_id = %id, reason = NO_RECIPIENT, "rejected");
            return reject_unaddressed(id, self.store.as_ref(), Utc::now())
                .await
                .map(|_| ())
                .map_err(store_failure);
        };
        let trust = match receipt.verdicts.dropped() {
            Some(why) => SenderTrust::Dropped(why),
            None if receipt.verdicts.sender_trusted() => {
                SenderTrust::Trusted(receipt.verdicts.summary())
            }
            None => SenderTrust::Untrusted(receipt.verdicts.summary()),
        };
        // Spam and viruses are dropped before they are even downloaded.
        let raw = if matches!(trust, SenderTrust::Dropped(_)) {
            Vec::new()
        } else {
            match self.archive.get(&receipt.key).await {
                Ok(raw) => raw,
                Err(error @ ArchiveError::TooLarge { .. }) => {
                    return self.record_rejection(id, &error.to_string()).await;
                }
                Err(error) if error.is_retryable() => {
                    return Err(Failure::Retry(error.to_string()));
                }
                Err(error) => return Err(Failure::Permanent(error.to_string())),
            }
        };
        let message = InboundMessage {
            id,
            raw: &raw,
            recipient,
            trust,
        };
        match ingest(
            &message,
            &self.settings,
            self.store.as_ref(),
            &RandomIds,
            Utc::now(),
        )
        .await
        {
            Ok(outcome) => {
                tracing::info!(ses_message_id = %id, status = outcome.status().as_str(), %outcome, "processed");
                Ok(())
            }
            Err(error) => Err(store_failure(error)),
        }
    }

    /// A message that reached us but cannot be read at all still gets an outcome, so the
    /// organizer's dashboard and the operator see it; recording it twice is harmless.
    async fn record_rejection(&self, id: &str, reason: &str) -> Result<(), Failure> {
        tracing::warn!(ses_message_id = %id, reason, "rejected");
        let commit = Commit {
            message: Some(MessageRecord {
                message_id: id.to_string(),
                from: None,
                subject: None,
                outcome: Outcome::rejected(reason),
                processed_at: Utc::now(),
            }),
            ..Commit::default()
        };
        self.store
            .commit(&commit)
            .await
            .map(|_| ())
            .map_err(store_failure)
    }
}

pub(crate) fn store_failure(error: StoreError) -> Failure {
    Failure::Retry(error.to_string())
}
