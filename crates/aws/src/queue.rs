//! The SQS queue adapter: [`JobQueue`] sends Rollcall's jobs (one or in batches of up to ten) to
//! one queue, and receives and deletes them (what tests and pollers need; on Lambda, the event
//! source mapping receives).

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{DisplayErrorContext, SdkError};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use thiserror::Error;

/// SQS takes at most ten messages per `SendMessageBatch`.
pub const MAX_BATCH: usize = 10;

#[derive(Debug, Error)]
pub enum QueueError {
    /// SQS could not be reached or failed: retry later.
    #[error("SQS unavailable: {0}")]
    Unavailable(String),
    /// Some messages of a batch were not sent: their indexes in the batch, with why.
    #[error("SQS refused {} of the batch: {}", .0.len(), describe(.0))]
    Refused(Vec<(usize, String)>),
}

fn describe(failed: &[(usize, String)]) -> String {
    failed
        .iter()
        .map(|(index, why)| format!("#{index}: {why}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
}

/// One SQS queue, by URL.
#[derive(Debug, Clone)]
pub struct JobQueue {
    pub client: Client,
    pub url: String,
}

impl JobQueue {
    pub fn new(client: Client, url: impl Into<String>) -> JobQueue {
        JobQueue {
            client,
            url: url.into(),
        }
    }

    /// A queue with the SDK configured from the environment (on Lambda, the function's role).
    pub async fn from_env(url: impl Into<String>) -> JobQueue {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        JobQueue::new(Client::new(&config), url)
    }

    /// Creates the queue `name` (or finds it, if it exists with the same attributes).
    pub async fn create(client: Client, name: &str) -> Result<JobQueue, QueueError> {
        let output = client
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .map_err(|e| unavailable("CreateQueue", e))?;
        let url = output
            .queue_url()
            .ok_or_else(|| QueueError::Unavailable("CreateQueue returned no URL".into()))?
            .to_owned();
        Ok(JobQueue::new(client, url))
    }

    /// The queue's ARN (for subscriptions and policies).
    pub async fn arn(&self) -> Result<String, QueueError> {
        let output = self
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| unavailable("GetQueueAttributes", e))?;
        output
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .cloned()
            .ok_or_else(|| QueueError::Unavailable("the queue has no QueueArn attribute".into()))
    }

    /// Sends one message; its SQS message id.
    pub async fn send(&self, body: &str) -> Result<String, QueueError> {
        let output = self
            .client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| unavailable("SendMessage", e))?;
        Ok(output.message_id().unwrap_or_default().to_owned())
    }

    /// Sends messages in batches of [`MAX_BATCH`]. Every message is tried; those SQS refused
    /// are reported by index (`QueueError::Refused`) so the caller retries only them.
    pub async fn send_batch<S: AsRef<str>>(&self, bodies: &[S]) -> Result<(), QueueError> {
        let mut refused = Vec::new();
        for (chunk_index, chunk) in bodies.chunks(MAX_BATCH).enumerate() {
            let offset = chunk_index * MAX_BATCH;
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, body) in chunk.iter().enumerate() {
                let entry = SendMessageBatchRequestEntry::builder()
                    .id((offset + i).to_string())
                    .message_body(body.as_ref())
                    .build()
                    .map_err(|e| QueueError::Unavailable(format!("batch entry not built: {e}")))?;
                entries.push(entry);
            }
            let output = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| unavailable("SendMessageBatch", e))?;
            for failed in output.failed() {
                let index = failed.id().parse::<usize>().unwrap_or(usize::MAX);
                let why = format!(
                    "{}{}",
                    failed.code(),
                    failed
                        .message()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                );
                refused.push((index, why));
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            refused.sort();
            Err(QueueError::Refused(refused))
        }
    }

    /// Receives up to `max` messages (1 to 10), waiting up to `wait_seconds` (0 to 20) for some.
    pub async fn receive(&self, max: i32, wait_seconds: i32) -> Result<Vec<Received>, QueueError> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(wait_seconds.clamp(0, 20))
            .send()
            .await
            .map_err(|e| unavailable("ReceiveMessage", e))?;
        Ok(output
            .messages()
            .iter()
            .map(|m| Received {
                message_id: m.message_id().unwrap_or_default().to_owned(),
                receipt_handle: m.receipt_handle().unwrap_or_default().to_owned(),
                body: m.body().unwrap_or_default().to_owned(),
            })
            .collect())
    }

    /// Deletes a received message (acknowledges it).
    pub async fn delete(&self, receipt_handle: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map_err(|e| unavailable("DeleteMessage", e))?;
        Ok(())
    }
}

fn unavailable<E, R>(operation: &str, error: SdkError<E, R>) -> QueueError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    QueueError::Unavailable(format!("SQS {operation}: {}", DisplayErrorContext(&error)))
}
