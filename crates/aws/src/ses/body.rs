//! From an SQS body to the SES JSON inside it: the size bound, the optional SNS envelope, and
//! the parts of SES's `mail` object both notification kinds share.

use super::SesError;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// The largest body accepted, in bytes (SQS's classic message limit). SES notifications that
/// point at S3 carry headers only, far below it.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What an SQS body carried.
#[derive(Debug)]
pub(super) enum Payload {
    /// A JSON object: SES's own record (raw delivery) or the SNS envelope's `Message`.
    Json(serde_json::Map<String, Value>),
    /// Text that is not JSON, in the body or the SNS `Message` (SES's topic validation).
    Text(String),
}

pub(super) fn open(body: &str) -> Result<Payload, SesError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(SesError::TooLarge {
            size: body.len(),
            limit: MAX_BODY_BYTES,
        });
    }
    if body.trim().is_empty() {
        return Err(SesError::Empty);
    }
    let value: Value = match serde_json::from_str(body) {
        Ok(value) => value,
        // Plain text, as SES's topic validation arrives with raw message delivery.
        Err(_) if !body.trim_start().starts_with(['{', '[']) => {
            return Ok(Payload::Text(body.trim().to_string()));
        }
        Err(e) => return Err(SesError::NotJson(e.to_string())),
    };
    let object = as_object(value)?;
    let is_ses = object.contains_key("notificationType") || object.contains_key("eventType");
    let Some(kind) = object.get("Type").filter(|_| !is_ses) else {
        return Ok(Payload::Json(object));
    };
    // An SNS envelope.
    let kind = kind.as_str().unwrap_or_default();
    if kind != "Notification" {
        return Err(SesError::SnsType(kind.to_string()));
    }
    let message = match object.get("Message") {
        Some(Value::String(message)) => message,
        Some(_) => {
            return Err(SesError::InvalidField {
                field: "Message",
                reason: "not a string".into(),
            });
        }
        None => return Err(SesError::MissingField("Message")),
    };
    if !message.trim_start().starts_with('{') {
        return Ok(Payload::Text(message.clone()));
    }
    let inner: Value = serde_json::from_str(message)
        .map_err(|e| SesError::NotJson(format!("SNS Message: {e}")))?;
    Ok(Payload::Json(as_object(inner)?))
}

fn as_object(value: Value) -> Result<serde_json::Map<String, Value>, SesError> {
    match value {
        Value::Object(object) => Ok(object),
        Value::Array(_) => Err(SesError::NotObject("an array")),
        Value::String(_) => Err(SesError::NotObject("a string")),
        Value::Number(_) => Err(SesError::NotObject("a number")),
        Value::Bool(_) => Err(SesError::NotObject("a boolean")),
        Value::Null => Err(SesError::NotObject("null")),
    }
}

/// Deserializes SES's record, naming `what` in the error.
pub(super) fn decode<T: for<'de> Deserialize<'de>>(
    object: serde_json::Map<String, Value>,
    what: &'static str,
) -> Result<T, SesError> {
    serde_json::from_value(Value::Object(object)).map_err(|e| SesError::Malformed {
        what,
        reason: e.to_string(),
    })
}

/// SES's `mail` object, the fields Rollcall reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawMail {
    pub timestamp: Option<String>,
    pub message_id: Option<String>,
    pub source: Option<String>,
    pub destination: Vec<String>,
    pub headers: Vec<RawHeader>,
    pub common_headers: Option<RawCommonHeaders>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawHeader {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawCommonHeaders {
    pub message_id: Option<String>,
}

impl RawMail {
    /// The message's own Message-ID, without angle brackets: the original `Message-ID` header
    /// (SES lists the headers as they were submitted), else `commonHeaders.messageId`.
    pub fn header_message_id(&self) -> Option<String> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("Message-ID"))
            .map(|h| h.value.as_str())
            .or_else(|| self.common_headers.as_ref()?.message_id.as_deref())
            .map(|id| {
                id.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .trim()
            })
            .filter(|id| !id.is_empty())
            .map(str::to_string)
    }
}

/// A required, non-empty string field.
pub(super) fn required(value: Option<String>, field: &'static str) -> Result<String, SesError> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or(SesError::MissingField(field))
}

/// An ISO 8601 timestamp as SES writes them (`2026-03-02T09:15:01.204Z`).
pub(super) fn time(text: &str, field: &'static str) -> Result<DateTime<Utc>, SesError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| SesError::InvalidField {
            field,
            reason: format!("{text:?} is not an ISO 8601 time ({e})"),
        })
}
