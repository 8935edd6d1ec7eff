//! A registered webhook endpoint and the log of what was sent to it.

use super::signature::Secret;
use crate::change::ChangeType;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long the secret an endpoint had before a rotation still signs, beside the new one.
pub fn rotation_overlap() -> Duration {
    Duration::hours(24)
}

/// The most endpoints one organizer may register: each change is one delivery per endpoint.
pub const MAX_ENDPOINTS: usize = 10;

/// One endpoint an organizer registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// `ep_` and 16 hex digits.
    pub id: String,
    /// The normalized address of the organizer whose changes it is sent.
    pub organizer: String,
    pub url: String,
    /// The change types it is sent; empty: every type.
    pub types: Vec<ChangeType>,
    pub description: String,
    pub secret: Secret,
    /// The secret before the last rotation, and until when it still signs.
    pub previous: Option<(Secret, DateTime<Utc>)>,
    /// Why it is sent nothing now (`410 Gone`, days of failures), if it is disabled.
    pub disabled: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Endpoint {
    /// Whether a change of `kind` is sent to it now.
    pub fn wants(&self, kind: ChangeType) -> bool {
        self.disabled.is_none() && (self.types.is_empty() || self.types.contains(&kind))
    }

    /// The secrets that sign a delivery at `now`: the current one, and the previous one for
    /// a day after a rotation.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&Secret> {
        let previous = self
            .previous
            .as_ref()
            .filter(|(_, until)| now < *until)
            .map(|(secret, _)| secret);
        std::iter::once(&self.secret).chain(previous).collect()
    }
}

/// One attempt to deliver to an endpoint, as its delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub endpoint: String,
    /// The delivery's id (the `webhook-id` header), the same on every attempt.
    pub delivery: String,
    pub change_id: String,
    pub change_type: ChangeType,
    pub at: DateTime<Utc>,
    pub attempt: u32,
    /// The HTTP status the endpoint answered, if it answered.
    pub status: Option<u16>,
    pub duration_ms: u64,
    /// What happened, in words: `delivered`, `retrying in 5m`, the connection error.
    pub outcome: String,
}
