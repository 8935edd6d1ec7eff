//! SES event publishing records (configuration set → SNS → SQS): one event about one message we
//! sent. Field names follow AWS's "Contents of event data that Amazon SES publishes to Amazon
//! SNS"; records without event publishing (`notificationType` instead of `eventType`) read the
//! same. Unknown event types parse as [`EventDetail::Unknown`], never as an error.

mod raw;
mod signal;

pub use signal::{Mapped, provider_action};

use super::SesError;
use super::body::{Payload, decode, open, required, time};
use chrono::{DateTime, SecondsFormat, Utc};
use raw::{RawEvent, RawRecipient};

/// What one SQS body from the events queue says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventMessage {
    Event(SesEvent),
    /// SES's "Successfully validated SNS topic for Amazon SES event publishing." text, sent
    /// when the event destination is created. Nothing to do.
    SetupNotification,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesEvent {
    /// As SES spells it: `Delivery`, `Bounce`, `Rendering Failure` (with a space), ...
    pub event_type: String,
    /// SES's id for the message (`mail.messageId`), not ours.
    pub ses_message_id: String,
    /// Our Message-ID, without angle brackets: the submitted `Message-ID` header, else
    /// `mail.commonHeaders.messageId`.
    pub message_id: Option<String>,
    /// When SES accepted the message (`mail.timestamp`).
    pub sent_at: DateTime<Utc>,
    /// The event's own time (`bounce.timestamp`, `delivery.timestamp`, ...); `sent_at` for
    /// Send, Reject and Rendering Failure, which have none.
    pub occurred_at: DateTime<Utc>,
    pub destination: Vec<String>,
    pub detail: EventDetail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventDetail {
    Send,
    Delivery {
        recipients: Vec<String>,
        smtp_response: Option<String>,
    },
    Bounce {
        bounce_type: BounceType,
        sub_type: Option<String>,
        recipients: Vec<RecipientReport>,
    },
    Complaint {
        feedback_type: Option<String>,
        /// `OnAccountSuppressionList` when SES did not send because of an earlier complaint.
        sub_type: Option<String>,
        recipients: Vec<String>,
    },
    Reject {
        reason: Option<String>,
    },
    DeliveryDelay {
        delay_type: Option<String>,
        expires_at: Option<DateTime<Utc>>,
        recipients: Vec<RecipientReport>,
    },
    Open,
    /// The link is not kept: ours carry personal tokens.
    Click,
    RenderingFailure {
        template: Option<String>,
        error: Option<String>,
    },
    Subscription {
        contact_list: Option<String>,
        /// The recipient opted out of every topic of the list.
        unsubscribe_all: bool,
    },
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BounceType {
    Permanent,
    Transient,
    Undetermined,
    Other(String),
}

/// One recipient's line of a bounce or delay report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientReport {
    pub email: String,
    /// The enhanced status code (`5.1.1`).
    pub status: Option<String>,
    /// Usually the remote server's SMTP reply (`smtp; 550 5.1.1 user unknown`).
    pub diagnostic: Option<String>,
}

impl SesEvent {
    /// A stable lower-case name for keys and logs: `delivery`, `rendering-failure`, ...; an
    /// unknown type's own name, lower-cased, with anything but letters and digits as `-`.
    pub fn slug(&self) -> String {
        let known = match self.detail {
            EventDetail::Send => "send",
            EventDetail::Delivery { .. } => "delivery",
            EventDetail::Bounce { .. } => "bounce",
            EventDetail::Complaint { .. } => "complaint",
            EventDetail::Reject { .. } => "reject",
            EventDetail::DeliveryDelay { .. } => "delivery-delay",
            EventDetail::Open => "open",
            EventDetail::Click => "click",
            EventDetail::RenderingFailure { .. } => "rendering-failure",
            EventDetail::Subscription { .. } => "subscription",
            EventDetail::Unknown => "",
        };
        if !known.is_empty() {
            return known.to_string();
        }
        self.event_type
            .trim()
            .chars()
            .take(64)
            .map(|c| match c {
                'a'..='z' | '0'..='9' => c,
                'A'..='Z' => c.to_ascii_lowercase(),
                _ => '-',
            })
            .collect()
    }

    /// Identifies the event, not its delivery: SNS and SQS redeliveries carry the same one.
    /// `ses:<slug>:<ses message id>:<event time>`.
    pub fn dedupe_key(&self) -> String {
        format!(
            "ses:{}:{}:{}",
            self.slug(),
            self.ses_message_id,
            self.occurred_at
                .to_rfc3339_opts(SecondsFormat::Millis, true)
        )
    }
}

/// Parses one SQS body from the events queue (SNS envelope or raw SES JSON).
pub fn parse_event(body: &str) -> Result<EventMessage, SesError> {
    let object = match open(body)? {
        Payload::Json(object) => object,
        Payload::Text(text) if text.starts_with("Successfully validated SNS topic") => {
            return Ok(EventMessage::SetupNotification);
        }
        Payload::Text(_) => {
            return Err(SesError::NotJson(
                "the message is text, not an SES event record".into(),
            ));
        }
    };
    let raw: RawEvent = decode(object, "event record")?;
    let event_type = required(
        raw.event_type.or(raw.notification_type),
        "eventType (or notificationType)",
    )?;
    let mail = raw.mail.ok_or(SesError::MissingField("mail"))?;
    let sent_at = time(
        &required(mail.timestamp.clone(), "mail.timestamp")?,
        "mail.timestamp",
    )?;
    let own_time = |stamp: Option<String>, field| match stamp {
        Some(stamp) => time(&stamp, field),
        None => Ok(sent_at),
    };
    let missing = |field| SesError::MissingField(field);
    let (detail, occurred_at) = match event_type.as_str() {
        "Send" => (EventDetail::Send, sent_at),
        "Delivery" => {
            let d = raw.delivery.ok_or(missing("delivery"))?;
            let detail = EventDetail::Delivery {
                recipients: d.recipients,
                smtp_response: d.smtp_response,
            };
            (detail, own_time(d.timestamp, "delivery.timestamp")?)
        }
        "Bounce" => {
            let b = raw.bounce.ok_or(missing("bounce"))?;
            let bounce_type = match b.bounce_type.as_deref().unwrap_or_default() {
                "Permanent" => BounceType::Permanent,
                "Transient" => BounceType::Transient,
                "Undetermined" => BounceType::Undetermined,
                other => BounceType::Other(other.to_string()),
            };
            let detail = EventDetail::Bounce {
                bounce_type,
                sub_type: b.bounce_sub_type,
                recipients: reports(b.bounced_recipients),
            };
            (detail, own_time(b.timestamp, "bounce.timestamp")?)
        }
        "Complaint" => {
            let c = raw.complaint.ok_or(missing("complaint"))?;
            let detail = EventDetail::Complaint {
                feedback_type: c.complaint_feedback_type,
                sub_type: c.complaint_sub_type,
                recipients: c
                    .complained_recipients
                    .into_iter()
                    .filter_map(|r| r.email_address)
                    .collect(),
            };
            (detail, own_time(c.timestamp, "complaint.timestamp")?)
        }
        "Reject" => {
            let reason = raw.reject.and_then(|r| r.reason);
            (EventDetail::Reject { reason }, sent_at)
        }
        "DeliveryDelay" => {
            let d = raw.delivery_delay.ok_or(missing("deliveryDelay"))?;
            let expires_at = match d.expiration_time {
                Some(t) => Some(time(&t, "deliveryDelay.expirationTime")?),
                None => None,
            };
            let detail = EventDetail::DeliveryDelay {
                delay_type: d.delay_type,
                expires_at,
                recipients: reports(d.delayed_recipients),
            };
            (detail, own_time(d.timestamp, "deliveryDelay.timestamp")?)
        }
        "Open" => {
            let o = raw.open.ok_or(missing("open"))?;
            (EventDetail::Open, own_time(o.timestamp, "open.timestamp")?)
        }
        "Click" => {
            let c = raw.click.ok_or(missing("click"))?;
            (
                EventDetail::Click,
                own_time(c.timestamp, "click.timestamp")?,
            )
        }
        "Rendering Failure" | "RenderingFailure" => {
            let f = raw.failure.unwrap_or_default();
            let detail = EventDetail::RenderingFailure {
                template: f.template_name,
                error: f.error_message,
            };
            (detail, sent_at)
        }
        "Subscription" => {
            let s = raw.subscription.ok_or(missing("subscription"))?;
            let detail = EventDetail::Subscription {
                contact_list: s.contact_list,
                unsubscribe_all: s.new_topic_preferences.unwrap_or_default().unsubscribe_all,
            };
            (detail, own_time(s.timestamp, "subscription.timestamp")?)
        }
        _ => (EventDetail::Unknown, sent_at),
    };
    Ok(EventMessage::Event(SesEvent {
        event_type,
        message_id: mail.header_message_id(),
        ses_message_id: required(mail.message_id, "mail.messageId")?,
        sent_at,
        occurred_at,
        destination: mail.destination,
        detail,
    }))
}

fn reports(raw: Vec<RawRecipient>) -> Vec<RecipientReport> {
    raw.into_iter()
        .filter_map(|r| {
            Some(RecipientReport {
                email: r.email_address?,
                status: r.status,
                diagnostic: r.diagnostic_code,
            })
        })
        .collect()
}
