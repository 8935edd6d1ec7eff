//! The ingest use case: one stored inbound message in, its outcome recorded and its effects
//! committed atomically. Running it twice for the same message changes nothing the second
//! time, which is what makes "a crash between steps repeats the step" safe.

use crate::event::{Event, normalize_email};
use crate::imip::{Mailbox, ReadError, ReadMessage, read_message};
use crate::itip::{self, Action, Sender};
use crate::limits::Limits;
use crate::notice::{Notice, OutboxMessage};
use crate::outcome::{EventResult, Outcome};
use crate::ports::{
    Committed, EventStore, EventWrite, IdSource, IngestCommit, MessageRecord, StoreError,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Which of our addresses a message was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// `invites@<domain>`: organizers creating, updating and cancelling events.
    Organizer,
    /// `rsvp+<key>@<domain>`: an invitee's calendar replying. The key is a secret.
    Reply { key: String },
}

impl Recipient {
    /// Classifies an envelope recipient; `None` if it is not one of Rollcall's addresses.
    pub fn classify(address: &str, domain: &str) -> Option<Recipient> {
        let address = normalize_email(address);
        let (local, host) = address.rsplit_once('@')?;
        if !host.eq_ignore_ascii_case(domain) {
            return None;
        }
        if local == "invites" {
            return Some(Recipient::Organizer);
        }
        let key = local.strip_prefix("rsvp+")?;
        let valid = !key.is_empty()
            && key.len() <= 64
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid.then(|| Recipient::Reply {
            key: key.to_string(),
        })
    }
}

#[derive(Debug)]
pub struct InboundMessage<'a> {
    /// Our own id for the stored message (the queue's), not the Message-ID header.
    pub id: &'a str,
    pub raw: &'a [u8],
    pub recipient: Recipient,
}

#[derive(Debug, Clone)]
pub struct IngestSettings {
    pub limits: Limits,
}

/// How many times to re-plan after a concurrent write to the same event.
const CONFLICT_RETRIES: usize = 5;

/// Processes one message and returns its recorded outcome. `Err` only for store failures,
/// which the caller retries later; every verdict on the message itself is an `Ok(outcome)`.
pub async fn ingest(
    message: &InboundMessage<'_>,
    settings: &IngestSettings,
    store: &dyn EventStore,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    if let Some(record) = store.message_record(message.id).await? {
        return Ok(record.outcome);
    }
    let read = read_message(message.raw, &settings.limits);
    for _ in 0..CONFLICT_RETRIES {
        let commit = match (&read, &message.recipient) {
            (Err(error), _) => rejected(message.id, None, error, now),
            (Ok(read), Recipient::Reply { .. }) => reply_not_matched(message.id, read, now),
            (Ok(read), Recipient::Organizer) => {
                plan_organizer(message.id, read, store, ids, now).await?
            }
        };
        match store.commit_ingest(&commit).await {
            Ok(Committed::Applied) => return Ok(commit.message.outcome),
            Ok(Committed::AlreadyRecorded) => {
                let record = store.message_record(message.id).await?;
                return Ok(record.map_or(commit.message.outcome, |r| r.outcome));
            }
            Err(StoreError::Conflict) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(StoreError::Conflict)
}

fn record(
    id: &str,
    read: Option<&ReadMessage>,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> MessageRecord {
    MessageRecord {
        message_id: id.to_string(),
        from: read.and_then(|r| r.from.clone()),
        subject: read.and_then(|r| r.subject.clone()),
        outcome,
        processed_at: now,
    }
}

fn rejected(
    id: &str,
    read: Option<&ReadMessage>,
    error: &ReadError,
    now: DateTime<Utc>,
) -> IngestCommit {
    let reason = match error {
        ReadError::UnsupportedTnef => {
            "unsupported TNEF (winmail.dat) invitation without an iCalendar part".to_string()
        }
        other => other.to_string(),
    };
    IngestCommit {
        message: record(id, read, Outcome::rejected(reason), now),
        writes: vec![],
        outbox: vec![],
    }
}

/// Replies at `rsvp+<key>@` become status signals once invitees exist (the RSVP loop). Until a
/// key matches an invitee, the reply is recorded and changes nothing. The key is never echoed.
fn reply_not_matched(id: &str, read: &ReadMessage, now: DateTime<Utc>) -> IngestCommit {
    let outcome = Outcome::Processed(vec![EventResult::Ignored {
        reason: "reply address does not belong to any invitee".to_string(),
    }]);
    IngestCommit {
        message: record(id, Some(read), outcome, now),
        writes: vec![],
        outbox: vec![],
    }
}

async fn plan_organizer(
    id: &str,
    read: &ReadMessage,
    store: &dyn EventStore,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<IngestCommit, StoreError> {
    let sender = Sender {
        email: read.from.as_ref().map(|m| m.email.as_str()),
    };
    // Events touched by this message, by (organizer, UID): the version read from the store and
    // the state so far, so a master and its overrides in one message build on each other.
    let mut touched: HashMap<(String, String), (Option<u64>, Option<Event>)> = HashMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    let mut results = Vec::new();
    let mut notices: Vec<(Notice, (String, String))> = Vec::new();
    let producers: Vec<Option<&str>> = read
        .calendars
        .iter()
        .map(|c| c.object.producer.as_deref())
        .collect();
    for (calendar, producer) in read.calendars.iter().zip(producers) {
        let method = calendar.method();
        // Series before their overrides: some clients put an exception ahead of its master,
        // and an override of a not-yet-known event would otherwise be refused.
        let mut ordered: Vec<_> = calendar.object.events.iter().collect();
        ordered.sort_by_key(|e| e.recurrence_id.is_some());
        for incoming in ordered {
            let key = (
                incoming
                    .organizer
                    .as_ref()
                    .and_then(|o| o.email.as_deref())
                    .map(normalize_email)
                    .unwrap_or_default(),
                incoming.uid.clone().unwrap_or_default(),
            );
            if !touched.contains_key(&key) {
                let stored = if key.0.is_empty() || key.1.is_empty() {
                    None
                } else {
                    store.event_by_uid(&key.0, &key.1).await?
                };
                touched.insert(key.clone(), (stored.as_ref().map(|e| e.version), stored));
                order.push(key.clone());
            }
            let Some((_, current)) = touched.get_mut(&key) else {
                continue;
            };
            match itip::decide(current.as_ref(), method, incoming, sender) {
                Ok(action) => {
                    let next = itip::apply(
                        current.take(),
                        &action,
                        incoming,
                        producer,
                        || ids.event_id(),
                        now,
                    );
                    results.push(EventResult::applied(&action, next.id.clone()));
                    notices.push((notice_for(&action), key.clone()));
                    *current = Some(next);
                }
                Err(error) => results.push(EventResult::ignored(&error)),
            }
        }
    }
    let mut writes = Vec::new();
    for key in &order {
        if let Some((expected_version, Some(event))) = touched.get(key)
            && Some(event.version) != *expected_version
        {
            writes.push(EventWrite {
                event: event.clone(),
                expected_version: *expected_version,
            });
        }
    }
    let outbox = notices
        .into_iter()
        .enumerate()
        .filter_map(|(n, (notice, key))| {
            let (_, event) = touched.get(&key)?;
            let event = event.clone()?;
            Some(OutboxMessage {
                id: format!("{id}-{n}"),
                to: Mailbox {
                    email: event.organizer_email.clone(),
                    name: event.organizer_name.clone(),
                },
                notice,
                event,
                created_at: now,
            })
        })
        .collect();
    Ok(IngestCommit {
        message: record(id, Some(read), Outcome::Processed(results), now),
        writes,
        outbox,
    })
}

fn notice_for(action: &Action) -> Notice {
    match action {
        Action::Create => Notice::EventCreated,
        Action::Update { from, .. } => Notice::EventUpdated {
            from_sequence: *from,
        },
        Action::UpdateOccurrence { recurrence_id } => Notice::OccurrenceUpdated {
            recurrence_id: recurrence_id.clone(),
        },
        Action::Cancel => Notice::EventCancelled,
        Action::CancelOccurrence { recurrence_id } => Notice::OccurrenceCancelled {
            recurrence_id: recurrence_id.clone(),
        },
    }
}
