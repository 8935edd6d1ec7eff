//! Why an SQS body is not something SES sent us. Every variant is permanent.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SesError {
    #[error("message body is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("message body is empty")]
    Empty,
    #[error("message body is not JSON: {0}")]
    NotJson(String),
    #[error("expected a JSON object, found {0}")]
    NotObject(&'static str),
    #[error("SNS message of type {0:?}; only Notification carries SES data")]
    SnsType(String),
    #[error("missing field {0}")]
    MissingField(&'static str),
    #[error("invalid field {field}: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("malformed SES {what}: {reason}")]
    Malformed { what: &'static str, reason: String },
    #[error("notification type {0:?} is not a receipt notification (Received)")]
    NotReceipt(String),
    #[error("receipt action {0:?} is not S3; the raw mail must be stored in S3")]
    NotS3Action(String),
}
