//! SES receipt notifications (receipt rule: S3 action with an SNS topic, delivered to SQS):
//! where the raw mail was stored, its envelope recipients, and SES's verdicts on it.

use super::SesError;
use super::body::{Payload, RawMail, decode, open, required};
use serde::Deserialize;
use std::fmt;

/// What one SQS body from the inbound queue says.
#[derive(Debug, Clone, PartialEq, Eq)]
// One value per SQS message, matched at once: boxing the large variant buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum ReceiptMessage {
    /// A message arrived and is stored in S3.
    Received(Receipt),
    /// `AMAZON_SES_SETUP_NOTIFICATION`: SES checking the rule's topic and bucket when the rule
    /// is created. Nothing to do; acknowledge it.
    SetupNotification,
}

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub bucket: String,
    /// The full object key (it already includes the rule's prefix).
    pub key: String,
    /// The envelope recipients (RCPT TO) that matched the rule; may differ from the headers.
    pub recipients: Vec<String>,
    pub verdicts: Verdicts,
    /// SES's id for the inbound message (also the last part of the object key).
    pub ses_message_id: String,
    /// The envelope sender (MAIL FROM).
    pub source: String,
}

/// SES's verdict on one check. `Other` keeps a status SES may add later; a verdict missing
/// from the notification reads as `Other("MISSING")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Gray,
    ProcessingFailed,
    Disabled,
    Other(String),
}

impl Verdict {
    /// SES's `status` text, case-insensitively.
    pub fn parse(status: &str) -> Verdict {
        match status.trim().to_ascii_uppercase().as_str() {
            "PASS" => Verdict::Pass,
            "FAIL" => Verdict::Fail,
            "GRAY" => Verdict::Gray,
            "PROCESSING_FAILED" => Verdict::ProcessingFailed,
            "DISABLED" => Verdict::Disabled,
            _ => Verdict::Other(status.trim().to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Gray => "GRAY",
            Verdict::ProcessingFailed => "PROCESSING_FAILED",
            Verdict::Disabled => "DISABLED",
            Verdict::Other(status) => status,
        }
    }

    fn from_raw(raw: Option<RawVerdict>) -> Verdict {
        match raw.and_then(|v| v.status) {
            Some(status) => Verdict::parse(&status),
            None => Verdict::Other("MISSING".to_string()),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdicts {
    pub spf: Verdict,
    pub dkim: Verdict,
    pub dmarc: Verdict,
    pub spam: Verdict,
    pub virus: Verdict,
}

impl Verdicts {
    /// Whether organizer mail may create or change an event (issue §2, AWS mode): DMARC passed
    /// and neither the spam nor the virus scan failed. Anything else gets a confirmation mail.
    pub fn sender_trusted(&self) -> bool {
        self.dmarc == Verdict::Pass && self.spam != Verdict::Fail && self.virus != Verdict::Fail
    }

    /// Why the message is dropped unread, if SES judged it spam or infected: nobody's word
    /// makes such a message act, and answering it would only reward the sender.
    pub fn dropped(&self) -> Option<String> {
        match (&self.spam, &self.virus) {
            (_, Verdict::Fail) => Some("SES virus verdict FAIL".to_string()),
            (Verdict::Fail, _) => Some("SES spam verdict FAIL".to_string()),
            _ => None,
        }
    }

    /// One line for logs and provenance: `spf=PASS dkim=PASS dmarc=PASS spam=PASS virus=PASS`.
    pub fn summary(&self) -> String {
        format!(
            "spf={} dkim={} dmarc={} spam={} virus={}",
            self.spf, self.dkim, self.dmarc, self.spam, self.virus
        )
    }
}

/// Parses one SQS body from the inbound queue (SNS envelope or raw SES JSON).
pub fn parse_receipt(body: &str) -> Result<ReceiptMessage, SesError> {
    let object = match open(body)? {
        Payload::Json(object) => object,
        Payload::Text(_) => {
            return Err(SesError::NotJson(
                "the message is text, not a receipt notification".into(),
            ));
        }
    };
    let raw: RawNotification = decode(object, "receipt notification")?;
    let kind = raw.notification_type.unwrap_or_default();
    if kind == "AMAZON_SES_SETUP_NOTIFICATION" {
        return Ok(ReceiptMessage::SetupNotification);
    }
    if kind != "Received" {
        return Err(match raw.event_type {
            Some(event) => SesError::NotReceipt(event),
            None if kind.is_empty() => SesError::MissingField("notificationType"),
            None => SesError::NotReceipt(kind),
        });
    }
    let receipt = raw.receipt.ok_or(SesError::MissingField("receipt"))?;
    let mail = raw.mail.ok_or(SesError::MissingField("mail"))?;
    let action = receipt
        .action
        .ok_or(SesError::MissingField("receipt.action"))?;
    let action_type = required(action.kind, "receipt.action.type")?;
    if action_type != "S3" {
        return Err(SesError::NotS3Action(action_type));
    }
    let ses_message_id = required(mail.message_id, "mail.messageId")?;
    let bucket = required(action.bucket_name, "receipt.action.bucketName")?;
    // SES always names the object; a prefix + message id is its documented layout otherwise.
    let key = match action.object_key.filter(|k| !k.is_empty()) {
        Some(key) => key,
        None => match action.object_key_prefix {
            Some(prefix) => format!("{prefix}{ses_message_id}"),
            None => return Err(SesError::MissingField("receipt.action.objectKey")),
        },
    };
    if key.ends_with("AMAZON_SES_SETUP_NOTIFICATION") {
        return Ok(ReceiptMessage::SetupNotification);
    }
    let recipients = receipt
        .recipients
        .ok_or(SesError::MissingField("receipt.recipients"))?;
    if recipients.is_empty() {
        return Err(SesError::InvalidField {
            field: "receipt.recipients",
            reason: "no recipient".into(),
        });
    }
    Ok(ReceiptMessage::Received(Receipt {
        bucket,
        key,
        recipients,
        verdicts: Verdicts {
            spf: Verdict::from_raw(receipt.spf_verdict),
            dkim: Verdict::from_raw(receipt.dkim_verdict),
            dmarc: Verdict::from_raw(receipt.dmarc_verdict),
            spam: Verdict::from_raw(receipt.spam_verdict),
            virus: Verdict::from_raw(receipt.virus_verdict),
        },
        ses_message_id,
        source: required(mail.source, "mail.source")?,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNotification {
    notification_type: Option<String>,
    /// Present when an event publishing record reached the inbound queue by mistake.
    event_type: Option<String>,
    receipt: Option<RawReceipt>,
    mail: Option<RawMail>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReceipt {
    recipients: Option<Vec<String>>,
    spf_verdict: Option<RawVerdict>,
    dkim_verdict: Option<RawVerdict>,
    dmarc_verdict: Option<RawVerdict>,
    spam_verdict: Option<RawVerdict>,
    virus_verdict: Option<RawVerdict>,
    action: Option<RawAction>,
}

#[derive(Debug, Deserialize)]
struct RawVerdict {
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAction {
    #[serde(rename = "type")]
    kind: Option<String>,
    bucket_name: Option<String>,
    object_key_prefix: Option<String>,
    object_key: Option<String>,
}
