//! The batch loop every SQS-triggered function shares. Each message is handled on its own
//! task, so a panic (a bug meeting a poison message) fails that message alone; the answer
//! lists only the failed message ids (`ReportBatchItemFailures`), so SQS retries those and
//! never the whole batch. A message that keeps failing goes to the queue's dead-letter queue
//! after `maxReceiveCount` receives, where an alarm fires.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use std::future::Future;
use std::sync::Arc;
use tracing::Instrument;

/// Why one message was not handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth another try: a store, S3 or SES outage, throttling, a conflict.
    Retry(String),
    /// Will fail the same way every time (a body that is not what this queue carries): it is
    /// reported failed so it reaches the dead-letter queue for an operator, and logged as an
    /// error with `permanent = true`.
    Permanent(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Retry(why) => write!(f, "retryable: {why}"),
            Failure::Permanent(why) => write!(f, "permanent: {why}"),
        }
    }
}

/// How a batch went, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    pub handled: usize,
    pub retry: Vec<String>,
    pub permanent: Vec<String>,
}

impl BatchOutcome {
    /// The answer Lambda passes back to SQS.
    pub fn response(&self) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = self
            .retry
            .iter()
            .chain(&self.permanent)
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id.clone();
                failure
            })
            .collect();
        response
    }
}

/// Handles every message of `event` with `handle(context, body)`, one after the other.
pub async fn handle_batch<C, F, Fut>(event: SqsEvent, context: Arc<C>, handle: F) -> BatchOutcome
where
    C: Send + Sync + 'static,
    F: Fn(Arc<C>, String) -> Fut,
    Fut: Future<Output = Result<(), Failure>> + Send + 'static,
{
    let mut outcome = BatchOutcome::default();
    for message in event.records {
        let SqsMessage {
            message_id, body, ..
        } = message;
        // No id, no way to report a failure: SQS always sets one; a test might not.
        let id = message_id.unwrap_or_default();
        let span = tracing::info_span!("sqs_message", message_id = %id);
        let work = handle(context.clone(), body.unwrap_or_default()).instrument(span.clone());
        let result = match tokio::spawn(work).await {
            Ok(result) => result,
            Err(join) if join.is_panic() => Err(Failure::Permanent(format!(
                "the handler panicked: {}",
                panic_text(join.into_panic())
            ))),
            Err(join) => Err(Failure::Retry(format!("the handler was cancelled: {join}"))),
        };
        let _entered = span.enter();
        match result {
            Ok(()) => outcome.handled += 1,
            Err(Failure::Retry(why)) => {
                tracing::warn!(error = %why, permanent = false, "message failed; SQS will retry it");
                outcome.retry.push(id);
            }
            Err(Failure::Permanent(why)) => {
                tracing::error!(error = %why, permanent = true, "message cannot be handled; it will reach the dead-letter queue");
                outcome.permanent.push(id);
            }
        }
    }
    tracing::info!(
        handled = outcome.handled,
        retry = outcome.retry.len(),
        permanent = outcome.permanent.len(),
        "batch done"
    );
    outcome
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(bodies: &[&str]) -> SqsEvent {
        let mut event = SqsEvent::default();
        event.records = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let mut message = SqsMessage::default();
                message.message_id = Some(format!("m{i}"));
                message.body = Some(body.to_string());
                message
            })
            .collect();
        event
    }

    async fn judge(_: Arc<()>, body: String) -> Result<(), Failure> {
        match body.as_str() {
            "ok" => Ok(()),
            "later" => Err(Failure::Retry("store unavailable".into())),
            "poison" => Err(Failure::Permanent("not JSON".into())),
            _ => panic!("a bug met {body:?}"),
        }
    }

    #[tokio::test]
    async fn only_the_failed_messages_are_reported_and_a_panic_fails_its_message_alone() {
        let outcome = handle_batch(
            event(&["ok", "poison", "ok", "later", "boom", "ok"]),
            Arc::new(()),
            judge,
        )
        .await;
        assert_eq!(outcome.handled, 3);
        assert_eq!(outcome.retry, vec!["m3".to_string()]);
        assert_eq!(outcome.permanent, vec!["m1".to_string(), "m4".to_string()]);
        let ids: Vec<_> = outcome
            .response()
            .batch_item_failures
            .into_iter()
            .map(|f| f.item_identifier)
            .collect();
        assert_eq!(ids, ["m3", "m1", "m4"]);
    }

    #[tokio::test]
    async fn a_clean_batch_reports_no_failures() {
        let outcome = handle_batch(event(&["ok", "ok"]), Arc::new(()), judge).await;
        assert!(outcome.response().batch_item_failures.is_empty());
        assert_eq!(outcome.handled, 2);
    }
}
