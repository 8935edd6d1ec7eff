//! The event record as SES writes it: only the fields Rollcall reads, every one optional so
//! a record SES extends later still parses; the checks are in `parse_event`.

use crate::ses::body::RawMail;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawEvent {
    pub event_type: Option<String>,
    pub notification_type: Option<String>,
    pub mail: Option<RawMail>,
    pub delivery: Option<RawDelivery>,
    pub bounce: Option<RawBounce>,
    pub complaint: Option<RawComplaint>,
    pub reject: Option<RawReject>,
    pub delivery_delay: Option<RawDelay>,
    pub open: Option<RawStamped>,
    pub click: Option<RawStamped>,
    pub failure: Option<RawFailure>,
    pub subscription: Option<RawSubscription>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawDelivery {
    pub timestamp: Option<String>,
    pub recipients: Vec<String>,
    pub smtp_response: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawBounce {
    pub bounce_type: Option<String>,
    pub bounce_sub_type: Option<String>,
    pub bounced_recipients: Vec<RawRecipient>,
    pub timestamp: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawRecipient {
    pub email_address: Option<String>,
    pub status: Option<String>,
    pub diagnostic_code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawComplaint {
    pub complained_recipients: Vec<RawRecipient>,
    pub complaint_feedback_type: Option<String>,
    pub complaint_sub_type: Option<String>,
    pub timestamp: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawReject {
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawDelay {
    pub delay_type: Option<String>,
    pub expiration_time: Option<String>,
    pub delayed_recipients: Vec<RawRecipient>,
    pub timestamp: Option<String>,
}

/// `open` and `click`: only the time is kept (no IP address, user agent or link).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawStamped {
    pub timestamp: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawFailure {
    pub template_name: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawSubscription {
    pub contact_list: Option<String>,
    pub timestamp: Option<String>,
    pub new_topic_preferences: Option<RawPreferences>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawPreferences {
    pub unsubscribe_all: bool,
}
