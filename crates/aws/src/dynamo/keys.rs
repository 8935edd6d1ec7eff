//! Every key of the single table, in one place: partition (`PK`) and sort (`SK`) keys of each
//! item kind, and the keys of the `GSI1` index that finds due outbox messages.
//!
//! | item                      | `PK`                       | `SK`                                |
//! |---------------------------|----------------------------|-------------------------------------|
//! | event                     | `EVENT#<event id>`         | `EVENT`                             |
//! | (organizer, UID) → event  | `ORGUID#<organizer>#<uid>` | `ORGUID`                            |
//! | organizer → event         | `ORGEVENTS#<organizer>`    | `EVENT#<event id>`                  |
//! | organizer domain → event  | `DOMAINEVENTS#<domain>`    | `EVENT#<event id>`                  |
//! | message outcome           | `MSG#<message id>`         | `MSG`                               |
//! | invitee                   | `EVENT#<event id>`         | `INVITEE#<invitee id>`              |
//! | invitee id → event        | `INVITEE#<invitee id>`     | `INVITEE`                           |
//! | (event, email) → invitee  | `EVENT#<event id>`         | `EMAIL#<email>`                     |
//! | signal (history + de-dup) | `INVITEE#<invitee id>`     | `SIGNAL#<dedupe key>`               |
//! | counter                   | `EVENT#<event id>`         | `COUNTER#<track>#<value>`           |
//! | counter's hour bucket     | `EVENT#<event id>`         | `SERIES#<track>#<hour, µs>#<value>` |
//! | outbox message            | `OUTBOX#<outbox id>`       | `OUTBOX`                            |
//! | the outbox's pause        | `OUTBOXPAUSE`              | `OUTBOXPAUSE`                       |
//! | credential                | `CRED#<hash>`              | `CRED`                              |
//! | organizer → credential    | `ORGCRED#<organizer>`      | `<kind>#<created at, µs>#<hash>`    |
//! | delegation                | `DELEGATES#<organizer>`    | `DELEGATE#<delegate>#<scope>`       |
//! | quota counter             | `QUOTA#<quota key>`        | `<window start, µs>`                |
//! | organizer's stream head   | `STREAM#<organizer>`       | `HEAD`                              |
//! | change record             | `STREAM#<organizer>`       | `CHANGE#<seq, 20 digits>`           |
//! | change id (de-dup)        | `CHANGEID#<change id>`     | `CHANGEID`                          |
//! | webhook endpoint          | `WEBHOOK#<endpoint id>`    | `WEBHOOK`                           |
//! | organizer → endpoint      | `ORGWEBHOOKS#<organizer>`  | `WEBHOOK#<created at, µs>#<id>`     |
//! | delivery attempt          | `WEBHOOK#<endpoint id>`    | `ATTEMPT#<at, µs>#<stamp>`          |
//!
//! `GSI1` (keys only, sparse): pending outbox messages carry `GSI1PK = OUTBOX#PENDING` (webhook
//! deliveries `OUTBOX#PENDING#WEBHOOK`) and
//! `GSI1SK = <next attempt, µs>#<outbox id>`; failed ones `GSI1PK = OUTBOX#FAILED` and
//! `GSI1SK = <outbox id>` (what an operator re-queues, in id order); sent ones neither.
//!
//! Times in keys (`<hour, µs>`, `<created at, µs>`, the due time) are [`time`]: microseconds as
//! 20 digits that sort as the times do, so a range of sort keys is a range of times. The
//! organizer and domain partitions list an event under the organizer of its first write (and
//! that address's domain, lowercase); a credential's organizer item is written and deleted in
//! one transaction with the credential.
//!
//! Every variable part goes through [`part`]: `%`, `#` and `~` are percent-escaped, so the
//! `#` between two parts is never ambiguous (`ORGUID#a%23b#c` is organizer `a#b`, UID `c`),
//! and a part longer than [`MAX_PART`] bytes (a UID or Message-ID from mail can be anything) is
//! replaced by `~` and its SHA-256, well inside DynamoDB's key size limits (2048 bytes for a
//! partition key, 1024 for a sort key). Ids made by Rollcall (event and invitee ids, outbox ids)
//! contain none of the escaped characters, so sort keys built from them sort as the ids do.

use chrono::{DateTime, Utc};
use rollcall_core::event::EventId;
use rollcall_core::invitee::InviteeId;
use rollcall_core::ports::CredentialKind;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt::Write;

/// Attribute names of the table's and the index's keys.
pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";

/// The `GSI1` partition of outbox messages that are still to be sent.
pub const OUTBOX_PENDING: &str = "OUTBOX#PENDING";
/// `GSI1PK` of pending webhook deliveries: a lane of their own, so that neither they nor the
/// rest of the outbox wait behind the other.
pub const WEBHOOKS_PENDING: &str = "OUTBOX#PENDING#WEBHOOK";

/// The due index partition of pending outbox item `id`: by its kind, told by its id.
pub fn pending_partition(id: &str) -> &'static str {
    if rollcall_core::usecase::deliver::webhooks::is_delivery(id) {
        WEBHOOKS_PENDING
    } else {
        OUTBOX_PENDING
    }
}
/// The `GSI1` partition of outbox messages that failed for good.
pub const OUTBOX_FAILED: &str = "OUTBOX#FAILED";

/// Sort key prefixes of the item kinds that are queried by prefix.
pub const INVITEE_PREFIX: &str = "INVITEE#";
pub const SIGNAL_PREFIX: &str = "SIGNAL#";
pub const COUNTER_PREFIX: &str = "COUNTER#";
pub const SERIES_PREFIX: &str = "SERIES#";
/// Of the organizer and domain partitions' items (one per event).
pub const EVENT_PREFIX: &str = "EVENT#";

/// Longest variable part kept as it is; longer ones become `~<sha256 hex>` (65 bytes).
pub const MAX_PART: usize = 400;

/// The primary key of one item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: String, sk: impl Into<String>) -> Key {
        Key { pk, sk: sk.into() }
    }
}

pub fn event(id: &EventId) -> Key {
    Key::new(event_partition(id), "EVENT")
}

/// The partition holding an event, its invitees, their (event, email) keys and its counters.
pub fn event_partition(id: &EventId) -> String {
    format!("EVENT#{}", part(id.as_str()))
}

pub fn organizer_uid(organizer_email: &str, uid: &str) -> Key {
    let pk = format!("ORGUID#{}#{}", part(organizer_email), part(uid));
    Key::new(pk, "ORGUID")
}

pub fn message(message_id: &str) -> Key {
    Key::new(format!("MSG#{}", part(message_id)), "MSG")
}

pub fn invitee(event: &EventId, id: &InviteeId) -> Key {
    Key::new(event_partition(event), invitee_sort(id.as_str()))
}

/// The sort key of invitee `id` in its event's partition; `id` need not exist (a page start).
pub fn invitee_sort(id: &str) -> String {
    format!("{INVITEE_PREFIX}{}", part(id))
}

/// A key that sorts after every key starting with `prefix` (which ends in `#`) and before
/// any other: the `#` becomes `$`, the next character.
pub fn prefix_end(prefix: &str) -> String {
    match prefix.strip_suffix('#') {
        Some(stem) => format!("{stem}$"),
        None => format!("{prefix}\u{10FFFF}"),
    }
}

pub fn invitee_lookup(id: &InviteeId) -> Key {
    Key::new(invitee_partition(id), "INVITEE")
}

/// The partition holding an invitee's id lookup item and its signals.
pub fn invitee_partition(id: &InviteeId) -> String {
    format!("INVITEE#{}", part(id.as_str()))
}

pub fn invitee_email(event: &EventId, email: &str) -> Key {
    Key::new(event_partition(event), format!("EMAIL#{}", part(email)))
}

pub fn signal(invitee: &InviteeId, dedupe_key: &str) -> Key {
    let sk = format!("{SIGNAL_PREFIX}{}", part(dedupe_key));
    Key::new(invitee_partition(invitee), sk)
}

pub fn counter(event: &EventId, track: &str, value: &str) -> Key {
    let sk = format!("{COUNTER_PREFIX}{}#{}", part(track), part(value));
    Key::new(event_partition(event), sk)
}

/// The bucket of counter (`track`, `value`) for the hour starting at `hour`.
pub fn series(event: &EventId, track: &str, hour: DateTime<Utc>, value: &str) -> Key {
    let sk = format!("{}{}#{}", series_track(track), time(hour), part(value));
    Key::new(event_partition(event), sk)
}

/// The sort keys (inclusive) between which, in an event's partition, are the buckets of
/// `track` whose hour is from `from` up to and including `until`'s microsecond: every bucket
/// from `from` (inclusive) until `until` (exclusive), and those exactly at `until`, which the
/// caller leaves out (a key carries microseconds; `until` may have nanoseconds).
pub fn series_range(track: &str, from: DateTime<Utc>, until: DateTime<Utc>) -> (String, String) {
    let stem = series_track(track);
    // Every bucket of an hour has `#<value>` after the hour, so sorts above the bare `from`;
    // `$` comes right after `#`, so the upper bound is above every bucket of `until`'s hour.
    (
        format!("{stem}{}", time(from)),
        format!("{stem}{}$", time(until)),
    )
}

fn series_track(track: &str) -> String {
    format!("{SERIES_PREFIX}{}#", part(track))
}

/// The item listing event `event` under its organizer's address.
pub fn organizer_event(organizer_email: &str, event: &EventId) -> Key {
    let sk = format!("{EVENT_PREFIX}{}", part(event.as_str()));
    Key::new(organizer_events_partition(organizer_email), sk)
}

/// The partition listing the events of one organizer address (as stored: normalized).
pub fn organizer_events_partition(organizer_email: &str) -> String {
    format!("ORGEVENTS#{}", part(organizer_email))
}

/// The item listing event `event` under its organizer's domain.
pub fn domain_event(domain: &str, event: &EventId) -> Key {
    let sk = format!("{EVENT_PREFIX}{}", part(event.as_str()));
    Key::new(domain_events_partition(domain), sk)
}

/// The partition listing the events of organizers at `domain`; the same for any case of it.
pub fn domain_events_partition(domain: &str) -> String {
    format!("DOMAINEVENTS#{}", part(&domain.to_ascii_lowercase()))
}

pub fn credential(hash: &str) -> Key {
    Key::new(format!("CRED#{}", part(hash)), "CRED")
}

/// The item listing a credential under its organizer: by kind, then creation time and hash,
/// so one kind's items are a prefix and come oldest first.
pub fn organizer_credential(
    organizer: &str,
    kind: CredentialKind,
    created_at: DateTime<Utc>,
    hash: &str,
) -> Key {
    let sk = format!(
        "{}{}#{}",
        credential_kind_prefix(kind),
        time(created_at),
        part(hash)
    );
    Key::new(organizer_credentials_partition(organizer), sk)
}

/// The partition listing an organizer's credentials.
pub fn organizer_credentials_partition(organizer: &str) -> String {
    format!("ORGCRED#{}", part(organizer))
}

/// The sort key prefix of an organizer's credentials of one kind.
pub fn credential_kind_prefix(kind: CredentialKind) -> String {
    format!("{}#", kind.as_str())
}

/// The partition of an organizer's delegations.
pub fn delegations_partition(organizer: &str) -> String {
    format!("DELEGATES#{}", part(organizer))
}

/// Sort key prefix of the delegation items.
pub const DELEGATE_PREFIX: &str = "DELEGATE#";

/// One allowance: the organizer's, for one delegate and scope (`*` or `uid:<uid>`).
pub fn delegation(organizer: &str, delegate: &str, scope: &str) -> Key {
    let sk = format!("{DELEGATE_PREFIX}{}#{}", part(delegate), part(scope));
    Key::new(delegations_partition(organizer), sk)
}

/// The one partition of the suppression list: items sort by address.
pub const SUPPRESSIONS: &str = "SUPPRESSIONS";

/// Sort key prefix of the suppression items.
pub const ADDRESS_PREFIX: &str = "ADDRESS#";

/// One suppressed address.
pub fn suppression(address: &str) -> Key {
    Key::new(
        SUPPRESSIONS.to_string(),
        format!("{ADDRESS_PREFIX}{}", part(address)),
    )
}

/// One quota's counter for the window starting at `window`.
pub fn quota(key: &str, window: DateTime<Utc>) -> Key {
    Key::new(format!("QUOTA#{}", part(key)), time(window))
}

pub fn outbox(id: &str) -> Key {
    Key::new(format!("OUTBOX#{}", part(id)), "OUTBOX")
}

/// The one item holding the outbox's pause (a partition no outbox id can name: those are
/// `OUTBOX#...`).
pub fn outbox_pause() -> Key {
    Key::new("OUTBOXPAUSE".to_string(), "OUTBOXPAUSE")
}

/// `GSI1SK` of a failed outbox message: its id, so the partition lists them in id order.
pub fn failed_sort(id: &str) -> String {
    part(id).into_owned()
}

/// `GSI1SK` of a pending outbox message: due time, then id, so the index is in the order
/// `due_outbox` returns.
pub fn due_sort(next_attempt_at: DateTime<Utc>, id: &str) -> String {
    format!("{}#{}", time(next_attempt_at), part(id))
}

/// Every `GSI1SK` of a message due at or before `now` sorts below this.
pub fn due_before_or_at(now: DateTime<Utc>) -> String {
    sortable(now.timestamp_micros().saturating_add(1))
}

/// A time to the microsecond as 20 digits that sort as the times do (also before 1970).
pub fn time(at: DateTime<Utc>) -> String {
    sortable(at.timestamp_micros())
}

/// A count of microseconds as 20 digits that sort as the numbers do (negative ones too).
pub fn sortable(micros: i64) -> String {
    // Shift i64 onto u64 (flip the sign bit): order is kept, and every value has 20 digits.
    format!("{:020}", (micros as u64) ^ (1 << 63))
}

/// One variable part of a key: escaped so it cannot contain the `#` separator, and replaced
/// by its hash if it is too long for a key.
pub fn part(text: &str) -> Cow<'_, str> {
    let escaped: Cow<'_, str> = if text.contains(['%', '#', '~']) {
        let mut out = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            match c {
                '%' => out.push_str("%25"),
                '#' => out.push_str("%23"),
                '~' => out.push_str("%7E"),
                c => out.push(c),
            }
        }
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    };
    if escaped.len() <= MAX_PART {
        return escaped;
    }
    let mut hashed = String::with_capacity(65);
    hashed.push('~');
    for byte in Sha256::digest(text.as_bytes()) {
        let _ = write!(hashed, "{byte:02x}");
    }
    Cow::Owned(hashed)
}

/// Sort key prefix of the change records in an organizer's stream partition.
pub const CHANGE_PREFIX: &str = "CHANGE#";

/// The partition of one organizer's (normalized) change stream: its head and its records.
pub fn stream_partition(organizer: &str) -> String {
    format!("STREAM#{}", part(organizer))
}

/// The item holding the last place handed out in an organizer's stream.
pub fn stream_head(organizer: &str) -> Key {
    Key::new(stream_partition(organizer), "HEAD")
}

/// The sort key of the record at place `seq`: 20 digits, so keys sort as places do.
pub fn change_sort(seq: u64) -> String {
    format!("{CHANGE_PREFIX}{seq:020}")
}

pub fn change(organizer: &str, seq: u64) -> Key {
    Key::new(stream_partition(organizer), change_sort(seq))
}

/// The marker that a change record with this id is stored.
pub fn change_id(id: &str) -> Key {
    Key::new(format!("CHANGEID#{}", part(id)), "CHANGEID")
}

/// Sort key prefixes of an organizer's endpoint items and of an endpoint's attempts.
pub const WEBHOOK_PREFIX: &str = "WEBHOOK#";
pub const ATTEMPT_PREFIX: &str = "ATTEMPT#";

/// The partition of one endpoint: the endpoint item and its delivery log.
pub fn endpoint_partition(id: &str) -> String {
    format!("WEBHOOK#{}", part(id))
}

pub fn endpoint(id: &str) -> Key {
    Key::new(endpoint_partition(id), "WEBHOOK")
}

/// The partition listing an organizer's endpoints.
pub fn organizer_endpoints_partition(organizer: &str) -> String {
    format!("ORGWEBHOOKS#{}", part(organizer))
}

/// The item listing endpoint `id` under its organizer: by creation time, then id.
pub fn organizer_endpoint(organizer: &str, created_at: DateTime<Utc>, id: &str) -> Key {
    let sk = format!("{WEBHOOK_PREFIX}{}#{}", time(created_at), part(id));
    Key::new(organizer_endpoints_partition(organizer), sk)
}

/// One attempt in an endpoint's log: by time, then the recording's stamp.
pub fn attempt(endpoint: &str, at: DateTime<Utc>, stamp: i64) -> Key {
    let sk = format!("{ATTEMPT_PREFIX}{}#{}", time(at), sortable(stamp));
    Key::new(endpoint_partition(endpoint), sk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn parts_cannot_run_into_each_other() {
        assert_ne!(organizer_uid("a#b", "c"), organizer_uid("a", "b#c"));
        assert_ne!(
            counter(&EventId::parse("222222222222").expect("id"), "a#b", "c").sk,
            { counter(&EventId::parse("222222222222").expect("id"), "a", "b#c").sk }
        );
        assert_eq!(part("olga@example.org"), "olga@example.org");
        assert_eq!(part("100%#~"), "100%25%23%7E");
    }

    #[test]
    fn long_parts_are_hashed_and_cannot_be_forged() {
        let long = "x".repeat(MAX_PART + 1);
        let hashed = part(&long).into_owned();
        assert_eq!(hashed.len(), 65);
        assert!(hashed.starts_with('~'));
        // A short part that looks like a hash is escaped, so it never equals one.
        assert_ne!(part(&hashed), hashed);
        assert_eq!(part(&"y".repeat(MAX_PART)).len(), MAX_PART);
    }

    #[test]
    fn a_series_range_holds_its_tracks_buckets_from_from_until_until() {
        let event = EventId::parse("222222222222").expect("id");
        let hour = |h: u32| {
            Utc.with_ymd_and_hms(2026, 3, 5, h, 0, 0)
                .single()
                .expect("time")
        };
        let (low, high) = series_range("response", hour(10), hour(12));
        let inside = |track: &str, h: u32, value: &str| {
            let sk = series(&event, track, hour(h), value).sk;
            low <= sk && sk <= high
        };
        assert!(inside("response", 10, "accepted"));
        assert!(inside("response", 11, "~"));
        assert!(!inside("response", 9, "zzz"));
        assert!(!inside("response", 13, ""));
        assert!(!inside("response#x", 11, "accepted"));
        assert!(!inside("respons", 11, "accepted"));
        // `until`'s own hour is inside the range; the store drops it by its `hour`.
        assert!(inside("response", 12, "accepted"));
        assert!(counter(&event, "response", "accepted").sk < low);
    }

    #[test]
    fn an_organizers_credentials_of_one_kind_are_a_prefix_oldest_first() {
        let at = |s: u32| {
            Utc.with_ymd_and_hms(2026, 3, 5, 16, 0, s)
                .single()
                .expect("time")
        };
        let key = |kind, s, hash| organizer_credential("olga@example.org", kind, at(s), hash);
        let prefix = credential_kind_prefix(CredentialKind::Session);
        let older = key(CredentialKind::Session, 1, "ff");
        let newer = key(CredentialKind::Session, 2, "00");
        assert!(older.sk.starts_with(&prefix) && newer.sk.starts_with(&prefix));
        assert!(older.sk < newer.sk);
        assert!(
            !key(CredentialKind::SignInLink, 1, "ff")
                .sk
                .starts_with(&prefix)
        );
        assert_eq!(
            domain_events_partition("Example.ORG"),
            domain_events_partition("example.org")
        );
    }

    #[test]
    fn times_sort_as_text_in_time_order() {
        let times = [
            Utc.with_ymd_and_hms(1960, 1, 1, 0, 0, 0)
                .single()
                .expect("time"),
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0)
                .single()
                .expect("time"),
            Utc.with_ymd_and_hms(2026, 3, 5, 16, 0, 0)
                .single()
                .expect("time"),
            Utc.with_ymd_and_hms(2026, 3, 5, 16, 0, 0)
                .single()
                .expect("time")
                + chrono::Duration::microseconds(1),
        ];
        let keys: Vec<String> = times.iter().map(|t| time(*t)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(keys.iter().all(|k| k.len() == 20));
        let now = times[2];
        assert!(due_sort(now, "zzz") < due_before_or_at(now));
        assert!(due_sort(times[3], "a") > due_before_or_at(now));
    }
}
