//! Invitees, signals and counter deltas for the invitee cases, and a snapshot of everything a
//! refused commit could have touched.

use super::{OLGA, at, counters, due, insert, record};
use crate::SequentialIds;
use chrono::{DateTime, Duration, Utc};
use rollcall_core::change::{ChangeQuery, ChangeRecord, StoredChange};
use rollcall_core::event::{Event, EventId};
use rollcall_core::invitee::{Invitee, InviteeId, personal_uid};
use rollcall_core::outcome::Outcome;
use rollcall_core::ports::{
    Commit, Committed, CounterDelta, EventStore, InviteeWrite, MessageRecord, SignalRecord, Store,
};
use rollcall_core::status::{
    Answer, Channel, INVITEE_MODEL, InviteeStatus, Provenance, Signal, SignalKind,
};
use rollcall_core::tracking::track;

pub(super) const ANN: &str = "ann@example.org";
pub(super) const BOB: &str = "bob@example.org";
pub(super) const CAT: &str = "cat@example.org";

/// A web invitee of `event` with id `SequentialIds::nth_invitee(n)`, version 1, who has
/// accepted: its status carries stamps and an answer, which must survive storage.
pub(super) fn invitee(n: u64, event: &Event, email: &str) -> Invitee {
    let id = SequentialIds::nth_invitee(n);
    let mut invitee = Invitee {
        uid: personal_uid(&id, "rollcall.test"),
        id,
        event_id: event.id.clone(),
        email: email.to_string(),
        name: Some(format!("Invitee {n}")),
        joined_via: Channel::Web,
        sequence: 1,
        sent: Default::default(),
        status: InviteeStatus::initial(&INVITEE_MODEL),
        created_at: at(0),
        updated_at: at(0),
        version: 1,
    };
    let accepted = signal_for(
        &invitee,
        "web:n0",
        SignalKind::Answer(Answer::Accepted),
        at(0),
    );
    track(&mut invitee, vec![accepted.signal]);
    invitee
}

/// `invitee` as its next version would be: a new name, version + 1.
pub(super) fn next_version(invitee: &Invitee) -> Invitee {
    let mut next = invitee.clone();
    next.name = Some(format!(
        "{} (renamed)",
        invitee.name.as_deref().unwrap_or("")
    ));
    next.updated_at = invitee.updated_at + Duration::seconds(30);
    next.version += 1;
    next
}

pub(super) fn add(invitee: &Invitee) -> InviteeWrite {
    InviteeWrite {
        invitee: invitee.clone(),
        expected_version: None,
    }
}

pub(super) fn change(invitee: &Invitee, expected_version: u64) -> InviteeWrite {
    InviteeWrite {
        invitee: invitee.clone(),
        expected_version: Some(expected_version),
    }
}

/// A history entry for `invitee`, received at `received_at` (it happened a minute before).
pub(super) fn signal_for(
    invitee: &Invitee,
    key: &str,
    kind: SignalKind,
    received_at: DateTime<Utc>,
) -> SignalRecord {
    SignalRecord {
        event_id: invitee.event_id.clone(),
        invitee_id: invitee.id.clone(),
        signal: Signal {
            dedupe_key: key.to_string(),
            kind,
            occurred_at: received_at - Duration::minutes(1),
            received_at,
            channel: Channel::Web,
            provenance: Provenance {
                note: Some(format!("contract {key}")),
                ..Provenance::default()
            },
            comment: None,
        },
        effect: format!("effect of {key}"),
    }
}

pub(super) fn listed(invitee: &Invitee) -> SignalRecord {
    signal_for(invitee, "listed", SignalKind::Listed, at(0))
}

/// The record that `invitee` answered `new` at `event`, caused by signal `key`.
pub(super) fn answered_change(
    event: &Event,
    invitee: &Invitee,
    key: &str,
    new: &str,
) -> ChangeRecord {
    rollcall_core::change::InviteeChange {
        kind: rollcall_core::change::ChangeType::InviteeAnswered,
        invitee: invitee.id.clone(),
        email: invitee.email.clone(),
        name: invitee.name.clone(),
        cause: key.to_string(),
        track: Some(rollcall_core::status::RESPONSE),
        old: Some("needs-action".into()),
        new: Some(new.into()),
        channel: Channel::Web,
        occurrence: None,
        proposed_start: None,
        proposed_end: None,
        comment: Some(format!("comment of {key}")),
        at: at(0),
    }
    .record(event)
}

/// Every record of `organizer`'s stream, in order.
pub(super) async fn stream<S: Store>(store: &S, organizer: &str) -> Vec<StoredChange> {
    let all = ChangeQuery {
        limit: 10_000,
        ..ChangeQuery::default()
    };
    store
        .changes_of(organizer, &all)
        .await
        .expect("read changes")
}

pub(super) fn delta(event: &Event, track: &str, value: &str, delta: i64) -> CounterDelta {
    CounterDelta {
        event_id: event.id.clone(),
        track: track.to_string(),
        value: value.to_string(),
        delta,
        at: at(0),
    }
}

pub(super) fn with_message(message_id: &str) -> Option<MessageRecord> {
    let outcome = Outcome::rejected(format!("test commit {message_id}"));
    Some(record(message_id, outcome))
}

pub(super) async fn applied<S: EventStore>(store: &S, commit: Commit) {
    let result = store.commit(&commit).await;
    assert!(
        matches!(result, Ok(Committed::Applied)),
        "the commit should apply, got {result:?}"
    );
}

pub(super) async fn events_exist<S: EventStore>(store: &S, events: &[&Event]) {
    let writes = events.iter().map(|e| insert(e)).collect();
    let commit = Commit {
        events: writes,
        ..Commit::default()
    };
    applied(store, commit).await;
}

/// Everything a refused commit could have touched, as the ports show it.
#[derive(Debug, PartialEq)]
pub(super) struct Snapshot {
    events: Vec<Option<Event>>,
    invitees: Vec<Option<Invitee>>,
    listed: Vec<Invitee>,
    history: Vec<Vec<SignalRecord>>,
    counters: Vec<(String, String, i64)>,
    due: Vec<(String, u32)>,
    message: Option<MessageRecord>,
    changes: Vec<StoredChange>,
}

pub(super) async fn snapshot<S: Store>(
    store: &S,
    event: &EventId,
    events: &[&EventId],
    invitees: &[&InviteeId],
    message_id: &str,
) -> Snapshot {
    let mut snapshot = Snapshot {
        events: Vec::new(),
        invitees: Vec::new(),
        listed: store.invitees_of(event, None, 100).await.expect("list"),
        history: Vec::new(),
        counters: counters(store, event).await,
        due: due(store, at(86_400)).await,
        message: store.message_record(message_id).await.expect("record"),
        changes: stream(store, OLGA).await,
    };
    for id in events {
        snapshot
            .events
            .push(store.event(id).await.expect("read event"));
    }
    for id in invitees {
        snapshot
            .invitees
            .push(store.invitee(id).await.expect("read invitee"));
        snapshot
            .history
            .push(store.signals_of(id).await.expect("read history"));
    }
    snapshot
}
