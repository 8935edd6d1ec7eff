//! Rollcall's outgoing event stream: [`EventStream`] publishes JSON to one SNS topic, each
//! message with a `type` message attribute (the JSON's `type` field) that subscriptions can
//! filter on. As the core's [`ChangeSink`] it publishes one message per change record, in the
//! shape the API and webhooks give it; the alarm topic gets the worker's own alarms.

use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::error::{DisplayErrorContext, SdkError};
use aws_sdk_sns::types::MessageAttributeValue;
use rollcall_core::change::ChangeRecord;
use rollcall_core::ports::{ChangeSink, SendError};
use thiserror::Error;

/// The message attribute that carries the event's type.
pub const TYPE_ATTRIBUTE: &str = "type";

#[derive(Debug, Error)]
pub enum StreamError {
    /// The event is not an object with a non-empty string `type`: never publishable.
    #[error("not a publishable event: {0}")]
    Invalid(String),
    /// SNS could not be reached or failed: retry later.
    #[error("SNS unavailable: {0}")]
    Unavailable(String),
}

/// One SNS topic, by ARN.
#[derive(Debug, Clone)]
pub struct EventStream {
    pub client: Client,
    pub topic_arn: String,
}

impl EventStream {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> EventStream {
        EventStream {
            client,
            topic_arn: topic_arn.into(),
        }
    }

    /// A stream with the SDK configured from the environment (on Lambda, the function's role).
    pub async fn from_env(topic_arn: impl Into<String>) -> EventStream {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        EventStream::new(Client::new(&config), topic_arn)
    }

    /// Publishes `event` (a JSON object with a string `type`) as the message; its SNS message id.
    pub async fn publish(&self, event: &serde_json::Value) -> Result<String, StreamError> {
        let kind = event
            .get("type")
            .and_then(serde_json::Value::as_str)
            .filter(|kind| !kind.is_empty())
            .ok_or_else(|| StreamError::Invalid("no string `type` field".into()))?;
        let attribute = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(kind)
            .build()
            .map_err(|e| StreamError::Invalid(format!("message attribute not built: {e}")))?;
        let output = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .message(event.to_string())
            .message_attributes(TYPE_ATTRIBUTE, attribute)
            .send()
            .await
            .map_err(|e| unavailable("Publish", e))?;
        Ok(output.message_id().unwrap_or_default().to_owned())
    }
}

fn unavailable<E, R>(operation: &str, error: SdkError<E, R>) -> StreamError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StreamError::Unavailable(format!("SNS {operation}: {}", DisplayErrorContext(&error)))
}

#[async_trait]
impl ChangeSink for EventStream {
    /// One message per record, in order; an SNS failure is retried by the outbox (the records
    /// published before it go again then: listeners de-duplicate by the record's `id`).
    async fn publish(&self, records: &[ChangeRecord]) -> Result<(), SendError> {
        for record in records {
            let message = serde_json::json!(record.published());
            match EventStream::publish(self, &message).await {
                Ok(_) => {}
                Err(StreamError::Invalid(why)) => return Err(SendError::Permanent(why)),
                Err(StreamError::Unavailable(why)) => return Err(SendError::Transient(why)),
            }
        }
        Ok(())
    }
}
