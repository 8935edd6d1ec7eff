//! Every item of the single table, in one place: how each domain object becomes an attribute
//! map (and an update, for counters and outbox bookkeeping) and back.
//!
//! The domain object itself is JSON in `data` (events, invitees, signal records, outbox
//! messages and message records come back exactly as written); beside it, only what
//! conditions, queries and operators need: `version` (the optimistic lock of events and
//! invitees), `type` (the item kind, for anyone browsing the table), the pointers of lookup
//! items, the outbox bookkeeping (`outbox_state`, `attempts`, `next_attempt_at`,
//! `last_error`, `sent_at`, `since`: when an operator re-queued it, absent until then) and the
//! `GSI1` keys of pending and failed outbox messages; and the outbox's pause.
//!
//! Counters and their hour buckets are plain attributes (`count` is added to in place), and so
//! are credentials: `touch_credential` sets `last_used_at` alone, so no copy of it in JSON can
//! go stale.

use super::keys::{self, GSI1PK, GSI1SK, Key, PK, SK};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use rollcall_core::change::{ChangeRecord, StoredChange};
use rollcall_core::event::{Event, EventId};
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::notice::OutboxMessage;
use rollcall_core::ports::{
    Credential, CredentialKind, MessageRecord, OutboxPause, SeriesPoint, SignalRecord, StoreError,
};
use rollcall_core::tracking::email_domain;
use rollcall_core::webhook::endpoint::{DeliveryAttempt, Endpoint};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

pub const TYPE: &str = "type";
pub const DATA: &str = "data";
pub const VERSION: &str = "version";
pub const EVENT_ID: &str = "event_id";
pub const INVITEE_ID: &str = "invitee_id";
pub const ORGANIZER_EMAIL: &str = "organizer_email";
pub const UID: &str = "uid";
pub const EMAIL: &str = "email";
pub const PROCESSED_AT: &str = "processed_at";
/// Signals: where the record goes in its invitee's history (see [`history_order`]).
pub const HISTORY_ORDER: &str = "history_order";
pub const TRACK: &str = "track";
pub const VALUE: &str = "value";
pub const COUNT: &str = "count";
/// Hour buckets: the start of the hour (RFC 3339).
pub const HOUR: &str = "hour";
pub const HASH: &str = "hash";
pub const KIND: &str = "kind";
pub const ORGANIZER: &str = "organizer";
pub const LABEL: &str = "label";
pub const CREATED_AT: &str = "created_at";
pub const EXPIRES_AT: &str = "expires_at";
pub const LAST_USED_AT: &str = "last_used_at";
pub const OUTBOX_STATE: &str = "outbox_state";
pub const ATTEMPTS: &str = "attempts";
pub const NEXT_ATTEMPT_AT: &str = "next_attempt_at";
pub const LAST_ERROR: &str = "last_error";
pub const SENT_AT: &str = "sent_at";
/// When an outbox message's lifetime began, if an operator re-queued it (else `created_at`).
pub const SINCE: &str = "since";
pub const NEXT_PROBE_AT: &str = "next_probe_at";
pub const PROBES: &str = "probes";
pub const REASON: &str = "reason";
/// A stream head: the last place handed out.
pub const SEQ: &str = "seq";
/// A change record: its type (`invitee.answered`), apart from the item's own `type`.
pub const CHANGE_TYPE: &str = "change_type";

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// An update of one item: the expression and what it names.
#[derive(Debug, Clone)]
pub struct Update {
    pub expression: String,
    pub names: HashMap<String, String>,
    pub values: Item,
}

fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn n(number: impl ToString) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

fn json<T: Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    serde_json::to_string(value)
        .map(AttributeValue::S)
        .map_err(|e| StoreError::Unavailable(format!("cannot serialize an item: {e}")))
}

/// A timestamp the store keeps or orders by itself, to the microsecond (as the other stores).
pub fn micros(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

/// A timestamp as operators read it: RFC 3339, UTC, microseconds (fixed width, so it sorts).
pub fn timestamp(time: DateTime<Utc>) -> AttributeValue {
    s(micros(time).to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// The primary key attributes of `key`.
pub fn key(key: &Key) -> Item {
    HashMap::from([(PK.into(), s(&key.pk)), (SK.into(), s(&key.sk))])
}

fn base(key: &Key, kind: &str) -> Item {
    let mut item = self::key(key);
    item.insert(TYPE.into(), s(kind));
    item
}

pub fn event(event: &Event) -> Result<Item, StoreError> {
    let mut item = base(&keys::event(&event.id), "event");
    item.insert(DATA.into(), json(event)?);
    item.insert(VERSION.into(), n(event.version));
    item.insert(ORGANIZER_EMAIL.into(), s(&event.organizer_email));
    item.insert(UID.into(), s(&event.uid));
    Ok(item)
}

/// The (organizer, UID) key of an event, fixed by its first write: points at the event.
pub fn organizer_uid(event: &Event) -> Item {
    let key = keys::organizer_uid(&event.organizer_email, &event.uid);
    let mut item = base(&key, "organizer-uid");
    item.insert(EVENT_ID.into(), s(event.id.as_str()));
    item
}

/// The item listing a new event under its organizer's address: points at the event.
pub fn organizer_event(event: &Event) -> Item {
    let key = keys::organizer_event(&event.organizer_email, &event.id);
    let mut item = base(&key, "organizer-event");
    item.insert(EVENT_ID.into(), s(event.id.as_str()));
    item
}

/// The item listing a new event under its organizer's domain: points at the event.
pub fn domain_event(event: &Event) -> Item {
    let key = keys::domain_event(email_domain(&event.organizer_email), &event.id);
    let mut item = base(&key, "domain-event");
    item.insert(EVENT_ID.into(), s(event.id.as_str()));
    item
}

pub fn message(record: &MessageRecord) -> Result<Item, StoreError> {
    let record = MessageRecord {
        processed_at: micros(record.processed_at),
        ..record.clone()
    };
    let mut item = base(&keys::message(&record.message_id), "message");
    item.insert(DATA.into(), json(&record)?);
    item.insert(PROCESSED_AT.into(), timestamp(record.processed_at));
    Ok(item)
}

pub fn invitee(invitee: &Invitee) -> Result<Item, StoreError> {
    let mut item = base(&keys::invitee(&invitee.event_id, &invitee.id), "invitee");
    item.insert(DATA.into(), json(invitee)?);
    item.insert(VERSION.into(), n(invitee.version));
    item.insert(EMAIL.into(), s(&invitee.email));
    Ok(item)
}

/// The id key of an invitee, fixed by its first write: points at the invitee's event.
pub fn invitee_lookup(invitee: &Invitee) -> Item {
    let mut item = base(&keys::invitee_lookup(&invitee.id), "invitee-id");
    item.insert(EVENT_ID.into(), s(invitee.event_id.as_str()));
    item
}

/// The (event, email) key of an invitee, fixed by its first write: points at the invitee.
pub fn invitee_email(invitee: &Invitee) -> Item {
    let key = keys::invitee_email(&invitee.event_id, &invitee.email);
    let mut item = base(&key, "invitee-email");
    item.insert(INVITEE_ID.into(), s(invitee.id.as_str()));
    item
}

/// One signal record: its invitee's history entry and, by its key, its de-duplication marker.
/// `stamp` and `position` place it among records received at the same microsecond.
pub fn signal(record: &SignalRecord, stamp: i64, position: usize) -> Result<Item, StoreError> {
    let key = keys::signal(&record.invitee_id, &record.signal.dedupe_key);
    let mut item = base(&key, "signal");
    item.insert(DATA.into(), json(record)?);
    item.insert(EVENT_ID.into(), s(record.event_id.as_str()));
    let order = history_order(record.signal.received_at, stamp, position);
    item.insert(HISTORY_ORDER.into(), s(order));
    Ok(item)
}

/// Received time (µs), then the commit's stamp, then the position in the commit: sorting by
/// this text is "oldest first, and in commit order at the same microsecond".
pub fn history_order(received_at: DateTime<Utc>, stamp: i64, position: usize) -> String {
    format!(
        "{}#{}#{position:06}",
        keys::time(received_at),
        keys::sortable(stamp)
    )
}

/// Adds `delta` to one counter, creating it at 0 first.
pub fn counter_add(event: &EventId, track: &str, value: &str, delta: i64) -> Update {
    Update {
        expression: "ADD #count :delta SET #type = :type, #event = :event, #track = :track, \
                     #value = :value"
            .to_string(),
        names: names(&[
            ("#count", COUNT),
            ("#type", TYPE),
            ("#event", EVENT_ID),
            ("#track", TRACK),
            ("#value", VALUE),
        ]),
        values: HashMap::from([
            (":delta".into(), n(delta)),
            (":type".into(), s("counter")),
            (":event".into(), s(event.as_str())),
            (":track".into(), s(track)),
            (":value".into(), s(value)),
        ]),
    }
}

/// Adds `delta` to the bucket of one counter for the hour starting at `hour`, creating it at
/// 0 first: a counter item of its own type with the hour beside it.
pub fn series_add(
    event: &EventId,
    track: &str,
    hour: DateTime<Utc>,
    value: &str,
    delta: i64,
) -> Update {
    let mut update = counter_add(event, track, value, delta);
    update.expression.push_str(", #hour = :hour");
    update.names.insert("#hour".into(), HOUR.into());
    update.values.insert(":hour".into(), timestamp(hour));
    update.values.insert(":type".into(), s("series"));
    update
}

/// A credential, by the hash of its secret. Its times are kept to the microsecond.
pub fn credential(credential: &Credential) -> Item {
    let mut item = base(&keys::credential(&credential.hash), "credential");
    item.insert(HASH.into(), s(&credential.hash));
    item.insert(KIND.into(), s(credential.kind.as_str()));
    item.insert(ORGANIZER.into(), s(&credential.organizer));
    item.insert(LABEL.into(), s(&credential.label));
    item.insert(CREATED_AT.into(), timestamp(credential.created_at));
    if let Some(at) = credential.expires_at {
        item.insert(EXPIRES_AT.into(), timestamp(at));
    }
    if let Some(at) = credential.last_used_at {
        item.insert(LAST_USED_AT.into(), timestamp(at));
    }
    item
}

/// The item listing a credential under its organizer: points at the credential.
pub fn organizer_credential(credential: &Credential) -> Item {
    let key = organizer_credential_key(credential);
    let mut item = base(&key, "organizer-credential");
    item.insert(HASH.into(), s(&credential.hash));
    item
}

/// The key of a credential's organizer item (fixed by what the credential item holds).
pub fn organizer_credential_key(credential: &Credential) -> Key {
    keys::organizer_credential(
        &credential.organizer,
        credential.kind,
        micros(credential.created_at),
        &credential.hash,
    )
}

/// A use of a credential at `at`.
pub fn credential_touch(at: DateTime<Utc>) -> Update {
    Update {
        expression: "SET #used = :at".to_string(),
        names: names(&[("#used", LAST_USED_AT)]),
        values: HashMap::from([(":at".into(), timestamp(at))]),
    }
}

/// A newly queued outbox message: pending, no attempts, due at its `created_at`.
pub fn outbox(message: &OutboxMessage) -> Result<Item, StoreError> {
    let due = micros(message.created_at);
    let mut item = base(&keys::outbox(&message.id), "outbox");
    item.insert(DATA.into(), json(message)?);
    item.insert(OUTBOX_STATE.into(), s(PENDING));
    item.insert(ATTEMPTS.into(), n(0));
    item.insert(NEXT_ATTEMPT_AT.into(), timestamp(due));
    item.insert(GSI1PK.into(), s(keys::pending_partition(&message.id)));
    item.insert(GSI1SK.into(), s(keys::due_sort(due, &message.id)));
    Ok(item)
}

/// Sent: leaves the due index, counts one attempt, clears the error.
pub fn outbox_sent(at: DateTime<Utc>) -> Update {
    Update {
        expression: "SET #state = :sent, #sent_at = :at, #attempts = #attempts + :one \
                     REMOVE #error, #gsi_pk, #gsi_sk"
            .to_string(),
        names: names(&[
            ("#state", OUTBOX_STATE),
            ("#sent_at", SENT_AT),
            ("#attempts", ATTEMPTS),
            ("#error", LAST_ERROR),
            ("#gsi_pk", GSI1PK),
            ("#gsi_sk", GSI1SK),
        ]),
        values: HashMap::from([
            (":sent".into(), s(SENT)),
            (":at".into(), timestamp(at)),
            (":one".into(), n(1)),
        ]),
    }
}

/// Failed for good: moves from the due index to the failed one, counts one attempt, keeps
/// the error.
pub fn outbox_failed(id: &str, error: &str) -> Update {
    Update {
        expression: "SET #state = :failed, #error = :error, #attempts = #attempts + :one, \
                     #gsi_pk = :failed_pk, #gsi_sk = :failed_sk"
            .to_string(),
        names: names(&[
            ("#state", OUTBOX_STATE),
            ("#error", LAST_ERROR),
            ("#attempts", ATTEMPTS),
            ("#gsi_pk", GSI1PK),
            ("#gsi_sk", GSI1SK),
        ]),
        values: HashMap::from([
            (":failed".into(), s(FAILED)),
            (":error".into(), s(error)),
            (":one".into(), n(1)),
            (":failed_pk".into(), s(keys::OUTBOX_FAILED)),
            (":failed_sk".into(), s(keys::failed_sort(id))),
        ]),
    }
}

/// Re-queued by an operator: pending and due at `now` again, no attempts, its lifetime
/// starting at `now`; back from the failed index to the due one. The caller makes it
/// conditional on the message being failed.
pub fn outbox_requeue(id: &str, now: DateTime<Utc>) -> Update {
    let now = micros(now);
    Update {
        expression: "SET #state = :pending, #attempts = :zero, #next = :now, #since = :now, \
                     #gsi_pk = :pending_pk, #gsi_sk = :due"
            .to_string(),
        names: names(&[
            ("#state", OUTBOX_STATE),
            ("#attempts", ATTEMPTS),
            ("#next", NEXT_ATTEMPT_AT),
            ("#since", SINCE),
            ("#gsi_pk", GSI1PK),
            ("#gsi_sk", GSI1SK),
        ]),
        values: HashMap::from([
            (":pending".into(), s(PENDING)),
            (":zero".into(), n(0)),
            (":now".into(), timestamp(now)),
            (":pending_pk".into(), s(keys::pending_partition(id))),
            (":due".into(), s(keys::due_sort(now, id))),
        ]),
    }
}

/// The outbox's pause.
pub fn outbox_pause(pause: &OutboxPause) -> Item {
    let mut item = base(&keys::outbox_pause(), "outbox-pause");
    item.insert(SINCE.into(), timestamp(pause.since));
    item.insert(NEXT_PROBE_AT.into(), timestamp(pause.next_probe_at));
    item.insert(PROBES.into(), n(pause.probes));
    item.insert(REASON.into(), s(&pause.reason));
    item
}

pub fn read_outbox_pause(item: &Item) -> Result<OutboxPause, StoreError> {
    Ok(OutboxPause {
        since: time(item, SINCE)?,
        next_probe_at: time(item, NEXT_PROBE_AT)?,
        probes: u32::try_from(number(item, PROBES)?).map_err(|e| corrupt(PROBES, e))?,
        reason: string(item, REASON)?.to_string(),
    })
}

/// A claim (lease) until `until`: the next attempt time and the message's place in the due
/// index move together; attempts and error are unchanged. The caller makes it conditional on
/// the message being pending and due, so it never touches a sent or failed one.
pub fn outbox_claim(id: &str, until: DateTime<Utc>) -> Update {
    let until = micros(until);
    Update {
        expression: "SET #next = :next, #gsi_sk = :due".to_string(),
        names: names(&[("#next", NEXT_ATTEMPT_AT), ("#gsi_sk", GSI1SK)]),
        values: HashMap::from([
            (":next".into(), timestamp(until)),
            (":due".into(), s(keys::due_sort(until, id))),
        ]),
    }
}

/// A retry: attempts, next attempt time and error; the state is unchanged. With
/// `pending: true` (for a message known to be pending) it also moves the message's place in
/// the due index; a sent or failed message must stay out of it.
pub fn outbox_retry(
    id: &str,
    attempts: u32,
    next_at: DateTime<Utc>,
    error: &str,
    pending: bool,
) -> Update {
    let next_at = micros(next_at);
    let mut update = Update {
        expression: "SET #attempts = :attempts, #next = :next, #error = :error".to_string(),
        names: names(&[
            ("#attempts", ATTEMPTS),
            ("#next", NEXT_ATTEMPT_AT),
            ("#error", LAST_ERROR),
        ]),
        values: HashMap::from([
            (":attempts".into(), n(attempts)),
            (":next".into(), timestamp(next_at)),
            (":error".into(), s(error)),
        ]),
    };
    if pending {
        update.expression.push_str(", #gsi_sk = :due");
        update.names.insert("#gsi_sk".into(), GSI1SK.into());
        update
            .values
            .insert(":due".into(), s(keys::due_sort(next_at, id)));
    }
    update
}

fn names(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// Reading items back. A stored item that does not read is corruption: reported, never
// replaced by a default.

fn corrupt(what: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("stored {what} is not readable: {why}"))
}

pub fn string<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(text)) => Ok(text),
        other => Err(corrupt(name, format!("expected a string, found {other:?}"))),
    }
}

fn number(item: &Item, name: &str) -> Result<i64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(text)) => text.parse().map_err(|e| corrupt(name, e)),
        other => Err(corrupt(name, format!("expected a number, found {other:?}"))),
    }
}

/// A timestamp written by [`timestamp`].
fn time(item: &Item, name: &str) -> Result<DateTime<Utc>, StoreError> {
    let text = string(item, name)?;
    Ok(DateTime::parse_from_rfc3339(text)
        .map_err(|e| corrupt(name, e))?
        .with_timezone(&Utc))
}

fn optional_time(item: &Item, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(_) => time(item, name).map(Some),
    }
}

fn data<T: DeserializeOwned>(item: &Item, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(string(item, DATA)?).map_err(|e| corrupt(what, e))
}

pub fn read_event(item: &Item) -> Result<Event, StoreError> {
    data(item, "event")
}

pub fn read_message(item: &Item) -> Result<MessageRecord, StoreError> {
    data(item, "message record")
}

pub fn read_invitee(item: &Item) -> Result<Invitee, StoreError> {
    data(item, "invitee")
}

/// The event a lookup item (organizer-uid, invitee-id) points at.
pub fn read_event_id(item: &Item) -> Result<EventId, StoreError> {
    let text = string(item, EVENT_ID)?;
    EventId::parse(text).ok_or_else(|| corrupt(EVENT_ID, format!("{text:?} is not an event id")))
}

/// The invitee an (event, email) item points at.
pub fn read_invitee_id(item: &Item) -> Result<InviteeId, StoreError> {
    let text = string(item, INVITEE_ID)?;
    InviteeId::parse(text)
        .ok_or_else(|| corrupt(INVITEE_ID, format!("{text:?} is not an invitee id")))
}

/// A signal record with its place in the history.
pub fn read_signal(item: &Item) -> Result<(String, SignalRecord), StoreError> {
    Ok((
        string(item, HISTORY_ORDER)?.to_string(),
        data(item, "signal record")?,
    ))
}

pub fn read_counter(item: &Item) -> Result<(String, String, i64), StoreError> {
    Ok((
        string(item, TRACK)?.to_string(),
        string(item, VALUE)?.to_string(),
        number(item, COUNT)?,
    ))
}

pub fn read_series(item: &Item) -> Result<SeriesPoint, StoreError> {
    Ok(SeriesPoint {
        hour: time(item, HOUR)?,
        value: string(item, VALUE)?.to_string(),
        count: number(item, COUNT)?,
    })
}

pub fn read_credential(item: &Item) -> Result<Credential, StoreError> {
    let kind = string(item, KIND)?;
    Ok(Credential {
        hash: string(item, HASH)?.to_string(),
        kind: CredentialKind::parse(kind)
            .ok_or_else(|| corrupt(KIND, format!("{kind:?} is not a credential kind")))?,
        organizer: string(item, ORGANIZER)?.to_string(),
        label: string(item, LABEL)?.to_string(),
        created_at: time(item, CREATED_AT)?,
        expires_at: optional_time(item, EXPIRES_AT)?,
        last_used_at: optional_time(item, LAST_USED_AT)?,
    })
}

/// The credential an organizer's credential item points at.
pub fn read_hash(item: &Item) -> Result<&str, StoreError> {
    string(item, HASH)
}

/// An outbox message with its bookkeeping.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub message: OutboxMessage,
    pub state: String,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    /// When its lifetime began.
    pub since: DateTime<Utc>,
}

pub fn read_outbox(item: &Item) -> Result<OutboxEntry, StoreError> {
    let next_attempt_at = time(item, NEXT_ATTEMPT_AT)?;
    let attempts = number(item, ATTEMPTS)?;
    let message: OutboxMessage = data(item, "outbox message")?;
    Ok(OutboxEntry {
        since: optional_time(item, SINCE)?.unwrap_or(micros(message.created_at)),
        message,
        state: string(item, OUTBOX_STATE)?.to_string(),
        attempts: u32::try_from(attempts).map_err(|e| corrupt(ATTEMPTS, e))?,
        next_attempt_at,
    })
}

/// The primary key of a stored item (from a query or an index), to read it again.
pub fn read_key(item: &Item) -> Result<Key, StoreError> {
    Ok(Key {
        pk: string(item, PK)?.to_string(),
        sk: string(item, SK)?.to_string(),
    })
}

/// An organizer's stream head at place `seq`.
pub fn stream_head(organizer: &str, seq: u64) -> Item {
    let mut item = base(&keys::stream_head(organizer), "stream-head");
    item.insert(SEQ.into(), n(seq));
    item
}

/// The place a stream head holds.
pub fn read_seq(item: &Item) -> Result<u64, StoreError> {
    let seq = number(item, SEQ)?;
    u64::try_from(seq).map_err(|e| corrupt(SEQ, e))
}

/// A change record at place `seq` of its organizer's stream (its `at` to the microsecond).
pub fn change(record: &ChangeRecord, seq: u64) -> Result<Item, StoreError> {
    let record = ChangeRecord {
        at: micros(record.at),
        ..record.clone()
    };
    let mut item = base(&keys::change(&record.organizer, seq), "change");
    item.insert(DATA.into(), json(&record)?);
    item.insert(SEQ.into(), n(seq));
    item.insert(CHANGE_TYPE.into(), s(record.kind.as_str()));
    item.insert(EVENT_ID.into(), s(record.data.event_id.as_str()));
    Ok(item)
}

/// The marker that change `id` is stored.
pub fn change_marker(id: &str) -> Item {
    base(&keys::change_id(id), "change-id")
}

pub fn read_change(item: &Item) -> Result<StoredChange, StoreError> {
    Ok(StoredChange {
        seq: read_seq(item)?,
        record: data(item, "change record")?,
    })
}

/// An endpoint's own item and the item listing it under its organizer, both holding it whole
/// (its times to the microsecond).
pub fn endpoint(endpoint: &Endpoint) -> Result<(Item, Item), StoreError> {
    let endpoint = Endpoint {
        created_at: micros(endpoint.created_at),
        previous: (endpoint.previous.clone()).map(|(secret, until)| (secret, micros(until))),
        ..endpoint.clone()
    };
    let mut own = base(&keys::endpoint(&endpoint.id), "webhook-endpoint");
    own.insert(DATA.into(), json(&endpoint)?);
    own.insert(ORGANIZER.into(), s(&endpoint.organizer));
    let key = keys::organizer_endpoint(&endpoint.organizer, endpoint.created_at, &endpoint.id);
    let mut listed = base(&key, "organizer-webhook");
    listed.insert(DATA.into(), json(&endpoint)?);
    Ok((own, listed))
}

pub fn read_endpoint(item: &Item) -> Result<Endpoint, StoreError> {
    data(item, "webhook endpoint")
}

/// One attempt of an endpoint's delivery log; `stamp` orders attempts at the same microsecond.
pub fn attempt(attempt: &DeliveryAttempt, stamp: i64) -> Result<Item, StoreError> {
    let attempt = DeliveryAttempt {
        at: micros(attempt.at),
        ..attempt.clone()
    };
    let mut item = base(
        &keys::attempt(&attempt.endpoint, attempt.at, stamp),
        "attempt",
    );
    item.insert(DATA.into(), json(&attempt)?);
    Ok(item)
}

pub fn read_attempt(item: &Item) -> Result<DeliveryAttempt, StoreError> {
    data(item, "delivery attempt")
}
