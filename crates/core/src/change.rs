//! Change records: one per change an organizer or their systems may want to hear of (an
//! event created, an invitee's answer, a bounce), written in the same commit as the change
//! itself, so the record exists exactly when the change does. They are the event stream
//! (`/api/v1/changes`, in commit order per organizer) and the cause every outgoing
//! notification names.
//!
//! A record's id is derived from its cause (the signal's de-duplication key, the inbound
//! message), never drawn at random: a redelivered cause is refused whole by the store, and a
//! record re-derived from the same cause has the same id, so a consumer that de-duplicates by
//! id never counts one change twice.

use crate::event::{Event, EventId};
use crate::invitee::{Invitee, InviteeId};
use crate::status::{
    Applied, Channel, DELIVERY, Effect, REACHABILITY, RESPONSE, Signal, SignalKind,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The shape of [`ChangeRecord`] and its data; it grows when a field is added in a way an
/// old consumer would misread.
pub const CHANGE_VERSION: u32 = 1;

/// What kind of change a record tells of: its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChangeType {
    #[serde(rename = "event.created")]
    EventCreated,
    #[serde(rename = "event.updated")]
    EventUpdated,
    #[serde(rename = "event.cancelled")]
    EventCancelled,
    /// One occurrence of a series changed (its own time or details).
    #[serde(rename = "event.occurrence_updated")]
    OccurrenceUpdated,
    #[serde(rename = "event.occurrence_cancelled")]
    OccurrenceCancelled,
    /// Someone is on the list now: they answered the page, or the organizer added them.
    #[serde(rename = "invitee.added")]
    InviteeAdded,
    /// Their answer changed (`old` → `new`); for one occurrence when `occurrence` is set.
    #[serde(rename = "invitee.answered")]
    InviteeAnswered,
    /// The organizer moved the event: their answer is asked for again (`new` is
    /// `needs-action`).
    #[serde(rename = "invitee.answer_reset")]
    InviteeAnswerReset,
    /// They proposed another time (an iTIP COUNTER).
    #[serde(rename = "invitee.proposed")]
    InviteeProposed,
    /// Their invitation's delivery moved (`queued` → `sent` → `delivered` …).
    #[serde(rename = "invitee.delivery")]
    InviteeDelivery,
    #[serde(rename = "invitee.bounced")]
    InviteeBounced,
    /// Their mail provider reported our mail as spam.
    #[serde(rename = "invitee.complained")]
    InviteeComplained,
    #[serde(rename = "invitee.unsubscribed")]
    InviteeUnsubscribed,
    /// They asked for this event's mail again.
    #[serde(rename = "invitee.resubscribed")]
    InviteeResubscribed,
    /// What "send a test event" sends one webhook endpoint; never in a stream.
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl ChangeType {
    pub const ALL: [ChangeType; 15] = [
        ChangeType::EventCreated,
        ChangeType::EventUpdated,
        ChangeType::EventCancelled,
        ChangeType::OccurrenceUpdated,
        ChangeType::OccurrenceCancelled,
        ChangeType::InviteeAdded,
        ChangeType::InviteeAnswered,
        ChangeType::InviteeAnswerReset,
        ChangeType::InviteeProposed,
        ChangeType::InviteeDelivery,
        ChangeType::InviteeBounced,
        ChangeType::InviteeComplained,
        ChangeType::InviteeUnsubscribed,
        ChangeType::InviteeResubscribed,
        ChangeType::WebhookTest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::EventCreated => "event.created",
            ChangeType::EventUpdated => "event.updated",
            ChangeType::EventCancelled => "event.cancelled",
            ChangeType::OccurrenceUpdated => "event.occurrence_updated",
            ChangeType::OccurrenceCancelled => "event.occurrence_cancelled",
            ChangeType::InviteeAdded => "invitee.added",
            ChangeType::InviteeAnswered => "invitee.answered",
            ChangeType::InviteeAnswerReset => "invitee.answer_reset",
            ChangeType::InviteeProposed => "invitee.proposed",
            ChangeType::InviteeDelivery => "invitee.delivery",
            ChangeType::InviteeBounced => "invitee.bounced",
            ChangeType::InviteeComplained => "invitee.complained",
            ChangeType::InviteeUnsubscribed => "invitee.unsubscribed",
            ChangeType::InviteeResubscribed => "invitee.resubscribed",
            ChangeType::WebhookTest => "webhook.test",
        }
    }

    /// The exact spelling of [`ChangeType::as_str`]; anything else is not a type.
    pub fn parse(text: &str) -> Option<ChangeType> {
        ChangeType::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// One change, as stored and as consumers get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRecord {
    /// `chg_` and 32 hex digits, derived from the cause.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ChangeType,
    /// When Rollcall recorded the change.
    pub at: DateTime<Utc>,
    /// The normalized address of the organizer whose stream it belongs to.
    pub organizer: String,
    pub data: ChangeData,
}

impl ChangeRecord {
    /// The record as consumers get it (the API, webhooks, the event stream).
    pub fn published(&self) -> Published<'_> {
        Published {
            id: &self.id,
            kind: self.kind,
            created_at: self.at,
            version: CHANGE_VERSION,
            data: &self.data,
        }
    }
}

/// A record as consumers get it: the organizer, who is the reader, left out; the shape's
/// version in.
#[derive(Debug, Clone, Serialize)]
pub struct Published<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub kind: ChangeType,
    pub created_at: DateTime<Utc>,
    pub version: u32,
    pub data: &'a ChangeData,
}

/// What a consumer needs to act on a change without calling back. Fields that do not apply
/// to a type are absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeData {
    pub event_id: EventId,
    /// The event's title as it was right after the change.
    pub event_title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitee_id: Option<InviteeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The status track that moved (`response`, `delivery`, `reachability`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// How the signal behind it reached Rollcall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// The RECURRENCE-ID (contract string) of the occurrence it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_end: Option<String>,
    /// What they wrote with their answer or proposal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The event's SEQUENCE after an event change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
}

impl ChangeData {
    /// About `event` as it is, and nothing else yet.
    pub fn about(event: &Event) -> ChangeData {
        ChangeData {
            event_id: event.id.clone(),
            event_title: event.title().to_string(),
            invitee_id: None,
            email: None,
            name: None,
            track: None,
            old: None,
            new: None,
            channel: None,
            occurrence: None,
            proposed_start: None,
            proposed_end: None,
            comment: None,
            sequence: None,
        }
    }
}

/// An id derived from the parts of a cause: the same parts, the same id.
pub fn derived_id(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("chg_{hex}")
}

/// A change to an invitee found while applying signals, before the commit names its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteeChange {
    pub kind: ChangeType,
    pub invitee: InviteeId,
    pub email: String,
    pub name: Option<String>,
    /// The signal's de-duplication key: with the invitee and the track, the record's cause.
    pub cause: String,
    pub track: Option<&'static str>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub channel: Channel,
    pub occurrence: Option<String>,
    pub proposed_start: Option<String>,
    pub proposed_end: Option<String>,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

impl InviteeChange {
    /// The record of this change at `event`.
    pub fn record(self, event: &Event) -> ChangeRecord {
        let track = self.track.unwrap_or("");
        ChangeRecord {
            id: derived_id(&[self.invitee.as_str(), &self.cause, track]),
            kind: self.kind,
            at: self.at,
            organizer: crate::event::normalize_email(&event.organizer_email),
            data: ChangeData {
                invitee_id: Some(self.invitee),
                email: Some(self.email),
                name: self.name,
                track: self.track.map(str::to_string),
                old: self.old,
                new: self.new,
                channel: Some(self.channel),
                occurrence: self.occurrence,
                proposed_start: self.proposed_start,
                proposed_end: self.proposed_end,
                comment: self.comment,
                ..ChangeData::about(event)
            },
        }
    }
}

/// The changes applying `signal` to `invitee` (as they were before it) made, by type: a
/// moved track is one record each; a proposal and an occurrence's changed answer, which move
/// no track, are one too. Weak and repeated signals that change nothing make none.
pub(crate) fn of_signal(
    invitee: &Invitee,
    signal: &Signal,
    applied: &Applied,
) -> Vec<InviteeChange> {
    let change =
        |kind: ChangeType, track: Option<&'static str>, old: &str, new: &str| InviteeChange {
            kind,
            invitee: invitee.id.clone(),
            email: invitee.email.clone(),
            name: invitee.name.clone(),
            cause: signal.dedupe_key.clone(),
            track,
            old: (!old.is_empty()).then(|| old.to_string()),
            new: (!new.is_empty()).then(|| new.to_string()),
            channel: signal.channel,
            occurrence: None,
            proposed_start: None,
            proposed_end: None,
            comment: signal.comment.clone(),
            at: signal.received_at,
        };
    let mut changes: Vec<InviteeChange> = applied
        .changes
        .iter()
        .filter_map(|moved| {
            let kind = match (moved.track, moved.to, &signal.kind) {
                (RESPONSE, _, SignalKind::Reconfirm) => ChangeType::InviteeAnswerReset,
                (RESPONSE, _, _) => ChangeType::InviteeAnswered,
                (DELIVERY, _, _) => ChangeType::InviteeDelivery,
                (REACHABILITY, "bounced", _) => ChangeType::InviteeBounced,
                (REACHABILITY, "complained", _) => ChangeType::InviteeComplained,
                (REACHABILITY, "unsubscribed", _) => ChangeType::InviteeUnsubscribed,
                (REACHABILITY, _, _) => ChangeType::InviteeResubscribed,
                _ => return None,
            };
            Some(change(kind, Some(moved.track), moved.from, moved.to))
        })
        .collect();
    match (&signal.kind, applied.effect) {
        (
            SignalKind::Counter {
                proposed_start,
                proposed_end,
                ..
            },
            Effect::Changed,
        ) => changes.push(InviteeChange {
            proposed_start: proposed_start.clone(),
            proposed_end: proposed_end.clone(),
            ..change(ChangeType::InviteeProposed, None, "", "")
        }),
        (SignalKind::OccurrenceAnswer { occurrence, .. }, Effect::Changed) => {
            let (from, to) = (
                invitee.status.answer_for(occurrence).answer,
                applied.status.answer_for(occurrence).answer,
            );
            if from != to {
                changes.push(InviteeChange {
                    occurrence: Some(occurrence.clone()),
                    ..change(
                        ChangeType::InviteeAnswered,
                        Some(RESPONSE),
                        from.as_str(),
                        to.as_str(),
                    )
                });
            }
        }
        _ => {}
    }
    changes
}

/// `invitee` is on `event`'s list now, having come through `channel`.
pub fn invitee_added(event: &Event, invitee: &Invitee, at: DateTime<Utc>) -> ChangeRecord {
    ChangeRecord {
        id: derived_id(&[invitee.id.as_str(), "added"]),
        kind: ChangeType::InviteeAdded,
        at,
        organizer: crate::event::normalize_email(&event.organizer_email),
        data: ChangeData {
            invitee_id: Some(invitee.id.clone()),
            email: Some(invitee.email.clone()),
            name: invitee.name.clone(),
            channel: Some(invitee.joined_via),
            ..ChangeData::about(event)
        },
    }
}

/// A change of `event` itself (as written by the commit), caused by inbound message
/// `message_id`.
pub fn event_changed(
    kind: ChangeType,
    event: &Event,
    occurrence: Option<&str>,
    message_id: &str,
    at: DateTime<Utc>,
) -> ChangeRecord {
    ChangeRecord {
        id: derived_id(&[
            event.id.as_str(),
            message_id,
            kind.as_str(),
            occurrence.unwrap_or(""),
        ]),
        kind,
        at,
        organizer: crate::event::normalize_email(&event.organizer_email),
        data: ChangeData {
            occurrence: occurrence.map(str::to_string),
            sequence: Some(event.sequence),
            ..ChangeData::about(event)
        },
    }
}

/// A stored record with its place in its organizer's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChange {
    /// Grows with commit order within the organizer's stream; the cursor a consumer resumes
    /// after. Stores may leave gaps.
    pub seq: u64,
    pub record: ChangeRecord,
}

/// Which records of one organizer's stream to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeQuery {
    /// Only records after this place (`None`: from the start).
    pub after: Option<u64>,
    /// Only these types (empty: every type).
    pub types: Vec<ChangeType>,
    /// Only records about this event.
    pub event: Option<EventId>,
    pub limit: usize,
}

impl ChangeQuery {
    /// Whether `record` is one this query asks for (apart from its place).
    pub fn wants(&self, record: &ChangeRecord) -> bool {
        (self.types.is_empty() || self.types.contains(&record.kind))
            && self
                .event
                .as_ref()
                .is_none_or(|e| *e == record.data.event_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_from_its_spelling_and_serializes_as_it() {
        for kind in ChangeType::ALL {
            assert_eq!(ChangeType::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_value(kind).expect("serializes");
            assert_eq!(json, serde_json::Value::String(kind.as_str().into()));
        }
        assert_eq!(ChangeType::parse("invitee.Answered"), None);
    }

    #[test]
    fn derived_ids_are_stable_and_tell_their_parts_apart() {
        let id = derived_id(&["ab", "c"]);
        assert_eq!(id, derived_id(&["ab", "c"]));
        assert_ne!(id, derived_id(&["a", "bc"]));
        assert!(id.starts_with("chg_") && id.len() == 4 + 32, "{id}");
    }
}
