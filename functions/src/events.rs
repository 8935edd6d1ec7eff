//! The `events` function: SQS batches of SES event publishing records (SNS envelopes) about
//! mail Rollcall sent. Each becomes a delivery signal for the invitee its Message-ID names;
//! the status engine makes order and repeats irrelevant, and the signal's de-duplication key
//! (SES's message id, event type and time) makes a redelivered record change nothing.

use crate::batch::{BatchOutcome, Failure, handle_batch};
use crate::inbound::store_failure;
use aws_lambda_events::event::sqs::SqsEvent;
use chrono::Utc;
use rollcall_aws::ses::{EventMessage, Mapped, parse_event, provider_action};
use rollcall_core::ports::Store;
use rollcall_core::usecase::provider::{ProviderOutcome, apply_provider_action};
use std::sync::Arc;

#[derive(Clone)]
pub struct Events {
    pub store: Arc<dyn Store>,
    pub domain: String,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl Events {
    pub async fn handle(self: &Arc<Self>, event: SqsEvent) -> BatchOutcome {
        handle_batch(event, self.clone(), |events, body| async move {
            events.handle_one(&body).await
        })
        .await
    }

    pub async fn handle_one(&self, body: &str) -> Result<(), Failure> {
        let event = match parse_event(body) {
            Ok(EventMessage::Event(event)) => event,
            Ok(EventMessage::SetupNotification) => {
                tracing::info!("SES event destination set-up notification; nothing to do");
                return Ok(());
            }
            Err(error) => {
                return Err(Failure::Permanent(format!(
                    "not an SES event record: {error}"
                )));
            }
        };
        let (message_id, action) = match provider_action(&event, Utc::now()) {
            Mapped::Invitee { message_id, action } => (message_id, action),
            Mapped::Ignored { reason } => {
                tracing::info!(event_type = %event.event_type, ses_message_id = %event.ses_message_id, reason, "ignored");
                return Ok(());
            }
        };
        let outcome = apply_provider_action(
            &message_id,
            action,
            &self.domain,
            self.store.as_ref(),
            Utc::now(),
        )
        .await
        .map_err(store_failure)?;
        match outcome {
            ProviderOutcome::Applied { invitee, effect } => {
                tracing::info!(event_type = %event.event_type, %message_id, %invitee, effect, "applied")
            }
            ProviderOutcome::Duplicate { invitee } => {
                tracing::info!(event_type = %event.event_type, %message_id, %invitee, "duplicate; nothing changed")
            }
            ProviderOutcome::NotOurs { reason } => {
                tracing::info!(event_type = %event.event_type, %message_id, reason, "not ours")
            }
        }
        Ok(())
    }
}
