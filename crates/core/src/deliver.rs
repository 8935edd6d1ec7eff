//! Delivers due outbox messages: compose, send, record. A crash after sending and before
//! recording sends the message again on restart (at-least-once); transports make that
//! harmless by keying on the outbox id (file name, Message-ID).

use crate::ports::{Composer, Mailer, OutboxStore, SendError, StoreError};
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Messages per batch.
    pub batch: usize,
    /// After this many failed attempts a message is marked failed and left for an operator.
    pub max_attempts: u32,
    /// First retry delay; doubles per attempt up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            batch: 20,
            max_attempts: 8,
            base_backoff: Duration::seconds(5),
            max_backoff: Duration::minutes(30),
        }
    }
}

/// What one pass did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Sends every message due at `now` (up to one batch).
pub async fn deliver_due(
    store: &dyn OutboxStore,
    composer: &dyn Composer,
    mailer: &dyn Mailer,
    settings: &DeliverySettings,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, StoreError> {
    let mut report = DeliveryReport::default();
    for due in store.due_outbox(now, settings.batch).await? {
        let id = due.message.id.clone();
        let result = match composer.compose(&due.message) {
            Ok(mail) => mailer.send(&mail).await,
            Err(reason) => Err(SendError::Permanent(format!("could not compose: {reason}"))),
        };
        let attempts = due.attempts + 1;
        match result {
            Ok(()) => {
                store.mark_sent(&id, now).await?;
                report.sent += 1;
            }
            Err(SendError::Transient(reason)) if attempts < settings.max_attempts => {
                store
                    .mark_retry(&id, attempts, now + backoff(settings, attempts), &reason)
                    .await?;
                report.retrying += 1;
            }
            Err(error) => {
                store.mark_failed(&id, &error.to_string()).await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
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
