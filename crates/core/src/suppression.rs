//! Addresses Rollcall mails no more, whatever the event: a hard bounce or a spam complaint
//! about one event's mail says the address (or its owner) should get none of this deployment's
//! mail, and "unsubscribe from everything" says so in the owner's own words. Sending to them
//! anyway for the next event would hurt every organizer's deliverability.
//!
//! A suppression is written in the same commit as the signal that caused it (see
//! [`crate::tracking::track`]), checked before every mail to an invitee is sent
//! ([`crate::usecase::deliver`]), shown to organizers beside the invitee, listed for the operator
//! (`rollcall suppressions`), and lifted only by the operator or by the address's owner from
//! their own page.

use crate::event::{EventId, normalize_email};
use crate::invitee::Invitee;
use crate::status::{Signal, SignalKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionReason {
    /// A permanent delivery failure.
    Bounced,
    /// The recipient marked Rollcall's mail as spam.
    Complained,
    /// The recipient asked for no more mail from Rollcall at all.
    Unsubscribed,
}

impl SuppressionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionReason::Bounced => "bounced",
            SuppressionReason::Complained => "complained",
            SuppressionReason::Unsubscribed => "unsubscribed",
        }
    }

    /// What the reachability track of an invitee at another event becomes.
    pub fn signal_kind(self) -> SignalKind {
        match self {
            SuppressionReason::Bounced => SignalKind::Bounced,
            SuppressionReason::Complained => SignalKind::Complained,
            SuppressionReason::Unsubscribed => SignalKind::Unsubscribed,
        }
    }
}

/// One suppressed address, with why and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// Normalized (lower-cased).
    pub address: String,
    pub reason: SuppressionReason,
    pub since: DateTime<Utc>,
    /// The event whose mail bounced or was complained about (or unsubscribed from).
    pub event_id: Option<EventId>,
    /// The provider's or the bounce's own words, when there are some.
    pub detail: Option<String>,
}

impl Suppression {
    /// "bounced since 2027-03-04 (at event evt_x: permanent failure 5.1.1)".
    pub fn describe(&self) -> String {
        let mut text = format!(
            "{} since {}",
            self.reason.as_str(),
            self.since.format("%Y-%m-%d %H:%M UTC")
        );
        match (&self.event_id, &self.detail) {
            (Some(event), Some(detail)) => text.push_str(&format!(" (at event {event}: {detail})")),
            (Some(event), None) => text.push_str(&format!(" (at event {event})")),
            (None, Some(detail)) => text.push_str(&format!(" ({detail})")),
            (None, None) => {}
        }
        text
    }
}

/// The suppression an applied `signal` about `invitee` calls for: a hard bounce or a
/// complaint. An unsubscribe from one event is about that event only; "everything" is asked
/// for on the unsubscribe page, which adds its own suppression.
pub fn from_signal(invitee: &Invitee, signal: &Signal) -> Option<Suppression> {
    // The list's own verdict applied to another event: the entry stays as it was made.
    if signal
        .dedupe_key
        .starts_with(crate::usecase::deliver::SUPPRESSED_PREFIX)
    {
        return None;
    }
    let reason = match signal.kind {
        SignalKind::Bounced => SuppressionReason::Bounced,
        SignalKind::Complained => SuppressionReason::Complained,
        _ => return None,
    };
    Some(Suppression {
        address: normalize_email(&invitee.email),
        reason,
        since: signal.occurred_at.min(signal.received_at),
        event_id: Some(invitee.event_id.clone()),
        detail: signal.provenance.note.clone(),
    })
}
