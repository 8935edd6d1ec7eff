//! From an SES event to what it means for the invitee the message was sent to:
//!
//! | SES event                         | action                                        |
//! |-----------------------------------|-----------------------------------------------|
//! | Send                              | apply `sent`                                  |
//! | Delivery                          | apply `delivered`                             |
//! | Open / Click                      | apply `opened` / `clicked` (weak signals)     |
//! | Bounce, Permanent                 | apply `bounced` (reachability)                |
//! | Bounce, Transient / Undetermined  | record only: SES gave up on this one message  |
//! | Complaint                         | apply `complained`                            |
//! | Reject                            | record only: the message was never sent       |
//! | Rendering Failure                 | record only: the message was never sent       |
//! | Subscription, unsubscribe all     | apply `unsubscribed`                          |
//! | Subscription, otherwise           | ignored                                       |
//! | DeliveryDelay                     | ignored: SES keeps trying                     |
//! | unknown type                      | ignored                                       |
//!
//! "Record only" keeps a history entry (kind `bounced`, effect "recorded only") and changes no
//! track: a reject or a transient failure says nothing about the address, and the delivery
//! track never goes back. Every signal's channel is `provider`, its time the event's own time,
//! its key [`SesEvent::dedupe_key`], its provenance our Message-ID and a note (bounce type and
//! diagnostic, complaint type...). IP addresses, user agents and clicked links are not kept.

use super::{BounceType, EventDetail, RecipientReport, SesEvent};
use chrono::{DateTime, Utc};
use rollcall_core::status::{Channel, Provenance, Signal, SignalKind};
use rollcall_core::usecase::provider::ProviderAction;

/// Longest provenance note kept, in characters (remote diagnostics can be long).
const MAX_NOTE_CHARS: usize = 500;

// One value per SQS message, matched at once: boxing the large variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    /// Hand `action` to [`rollcall_core::usecase::provider::apply_provider_action`] with `message_id`.
    Invitee {
        message_id: String,
        action: ProviderAction,
    },
    /// Nothing to record; the reason is for the log.
    Ignored { reason: String },
}

/// What `event` asks of the invitee its message was for. `now` is the signal's received-at.
pub fn provider_action(event: &SesEvent, now: DateTime<Utc>) -> Mapped {
    let apply = |kind, note| ProviderAction::Apply(signal(event, kind, note, now));
    let record = |note: String| {
        let signal = signal(event, SignalKind::Bounced, Some(note), now);
        ProviderAction::Record(signal)
    };
    let action = match &event.detail {
        EventDetail::Send => apply(SignalKind::Sent, None),
        EventDetail::Delivery { smtp_response, .. } => apply(
            SignalKind::Delivered,
            smtp_response.as_ref().map(|r| format!("delivered: {r}")),
        ),
        EventDetail::Open => apply(SignalKind::Opened, None),
        EventDetail::Click => apply(SignalKind::Clicked, None),
        EventDetail::Bounce {
            bounce_type,
            sub_type,
            recipients,
        } => {
            let sub_type = sub_type.as_deref().unwrap_or("no subtype");
            let diagnostic = diagnostic(recipients, &event.destination);
            match bounce_type {
                BounceType::Permanent => apply(
                    SignalKind::Bounced,
                    Some(format!("permanent bounce ({sub_type}){diagnostic}")),
                ),
                other => {
                    let name = match other {
                        BounceType::Transient => "transient",
                        BounceType::Undetermined => "undetermined",
                        BounceType::Other(name) => name.as_str(),
                        BounceType::Permanent => "permanent",
                    };
                    record(format!(
                        "{name} bounce ({sub_type}){diagnostic}; SES gave up on this message, \
                         the address stays reachable"
                    ))
                }
            }
        }
        EventDetail::Complaint {
            feedback_type,
            sub_type,
            ..
        } => {
            let what = match (feedback_type, sub_type) {
                (_, Some(sub)) => format!("complaint ({sub})"),
                (Some(feedback), None) => format!("complaint ({feedback})"),
                (None, None) => "complaint".to_string(),
            };
            apply(SignalKind::Complained, Some(what))
        }
        EventDetail::Reject { reason } => record(format!(
            "SES rejected this message ({}); it was never sent, the address is unaffected",
            reason.as_deref().unwrap_or("no reason given")
        )),
        EventDetail::RenderingFailure { template, error } => record(format!(
            "SES could not render template {} ({}); the message was never sent",
            template.as_deref().unwrap_or("(unnamed)"),
            error.as_deref().unwrap_or("no error given")
        )),
        EventDetail::Subscription {
            contact_list,
            unsubscribe_all: true,
        } => apply(
            SignalKind::Unsubscribed,
            Some(format!(
                "unsubscribed from every topic of SES contact list {}",
                contact_list.as_deref().unwrap_or("(unnamed)")
            )),
        ),
        EventDetail::Subscription { .. } => {
            return ignored("subscription preferences changed, not an unsubscribe from all");
        }
        EventDetail::DeliveryDelay {
            delay_type,
            expires_at,
            ..
        } => {
            let until = expires_at.map_or(String::new(), |t| format!(" until {}", t.to_rfc3339()));
            return ignored(&format!(
                "delivery delayed ({}); SES keeps trying{until}",
                delay_type.as_deref().unwrap_or("no delay type")
            ));
        }
        EventDetail::Unknown => {
            return ignored(&format!("unknown SES event type {:?}", event.event_type));
        }
    };
    match &event.message_id {
        Some(message_id) => Mapped::Invitee {
            message_id: message_id.clone(),
            action,
        },
        None => ignored(&format!(
            "{} event for SES message {} carries no Message-ID",
            event.event_type, event.ses_message_id
        )),
    }
}

fn ignored(reason: &str) -> Mapped {
    Mapped::Ignored {
        reason: reason.to_string(),
    }
}

fn signal(event: &SesEvent, kind: SignalKind, note: Option<String>, now: DateTime<Utc>) -> Signal {
    Signal {
        dedupe_key: event.dedupe_key(),
        kind,
        occurred_at: event.occurred_at,
        received_at: now,
        channel: Channel::Provider,
        provenance: Provenance {
            message_id: event.message_id.clone(),
            producer: None,
            sender_auth: None,
            note: note.map(clip),
            mail: None,
        },
        comment: None,
    }
}

/// `: <status> <diagnostic>` of the recipient the message was for (the first one otherwise).
fn diagnostic(recipients: &[RecipientReport], destination: &[String]) -> String {
    let ours = recipients
        .iter()
        .find(|r| destination.iter().any(|d| d.eq_ignore_ascii_case(&r.email)))
        .or(recipients.first());
    let Some(report) = ours else {
        return String::new();
    };
    let parts: Vec<&str> = [report.status.as_deref(), report.diagnostic.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join(" "))
    }
}

fn clip(note: String) -> String {
    match note.char_indices().nth(MAX_NOTE_CHARS) {
        Some((end, _)) => format!("{}…", &note[..end]),
        None => note,
    }
}
