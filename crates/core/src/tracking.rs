//! Applying status signals to an invitee, with everything the store must record alongside:
//! the history entries and the counter deltas, so one commit carries all of it.

use crate::invitee::Invitee;
use crate::ports::{Commit, CounterDelta, InviteeWrite, SignalRecord};
use crate::status::{Effect, INVITEE_MODEL, Signal, SignalKind, apply, counter_deltas};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default)]
pub struct Tracked {
    pub records: Vec<SignalRecord>,
    pub counters: Vec<CounterDelta>,
}

impl Tracked {
    /// The commit that writes `invitee` (changed by `track`) in place of version `expected`,
    /// with these history entries and counter deltas.
    pub fn into_commit(self, mut invitee: Invitee, expected: u64, now: DateTime<Utc>) -> Commit {
        invitee.version = expected + 1;
        invitee.updated_at = now;
        Commit {
            invitees: vec![InviteeWrite {
                invitee,
                expected_version: Some(expected),
            }],
            signals: self.records,
            counters: self.counters,
            ..Commit::default()
        }
    }

    pub fn extend(&mut self, other: Tracked) {
        self.records.extend(other.records);
        self.counters.extend(other.counters);
    }
}

/// Counters beside the model's tracks, for reports: what was said through which channel,
/// from which email domains, and how many counter-proposals came. They count signals
/// recorded (each once, by its de-duplication key), not current states, so they too come
/// out the same whatever order the signals arrive in.
pub const ANSWERS_BY_CHANNEL: &str = "answers-by-channel";
pub const ANSWERS_BY_DOMAIN: &str = "answers-by-domain";
pub const INVITEES_BY_DOMAIN: &str = "invitees-by-domain";
pub const PROPOSALS: &str = "proposals";

/// The counters a brand-new invitee adds: one for the initial value of every track, and one
/// for their email domain.
pub fn initial_counters(invitee: &Invitee) -> Vec<CounterDelta> {
    let delta = |track: &str, value: &str| CounterDelta {
        event_id: invitee.event_id.clone(),
        track: track.to_string(),
        value: value.to_string(),
        delta: 1,
        at: invitee.created_at,
    };
    INVITEE_MODEL
        .tracks
        .iter()
        .filter_map(|track| Some(delta(track.name, track.values.first()?)))
        .chain([delta(INVITEES_BY_DOMAIN, email_domain(&invitee.email))])
        .collect()
}

/// The part after the last `@`, which addresses Rollcall stores always have.
pub fn email_domain(email: &str) -> &str {
    email.rsplit_once('@').map_or(email, |(_, domain)| domain)
}

/// When a signal counts in a time series: when it happened, but never later than when
/// Rollcall heard of it (a calendar's DTSTAMP can claim any time at all).
fn counted_at(signal: &Signal) -> DateTime<Utc> {
    signal.occurred_at.min(signal.received_at)
}

/// Applies `signals` in order, updating `invitee.status`; returns the history entries and the
/// counter deltas. `note` is added to every entry's effect (why it was applied or ignored).
pub fn track(invitee: &mut Invitee, signals: Vec<Signal>) -> Tracked {
    let mut tracked = Tracked::default();
    for signal in signals {
        let applied = apply(&INVITEE_MODEL, &invitee.status, &signal);
        let effect = match applied.effect {
            Effect::Changed => applied
                .changes
                .iter()
                .map(|c| format!("{} {} → {}", c.track, c.from, c.to))
                .collect::<Vec<_>>()
                .join(", "),
            Effect::NoChange => {
                "no change (older than, or the same as, what is recorded)".to_string()
            }
        };
        let effect = if effect.is_empty() {
            "recorded".to_string()
        } else {
            effect
        };
        let at = counted_at(&signal);
        let counter = |track: &str, value: &str, delta: i64| CounterDelta {
            event_id: invitee.event_id.clone(),
            track: track.to_string(),
            value: value.to_string(),
            delta,
            at,
        };
        tracked.counters.extend(
            counter_deltas(&applied.changes)
                .into_iter()
                .map(|(track, value, delta)| counter(track, value, delta)),
        );
        match &signal.kind {
            SignalKind::Answer(_) => tracked.counters.extend([
                counter(ANSWERS_BY_CHANNEL, signal.channel.as_str(), 1),
                counter(ANSWERS_BY_DOMAIN, email_domain(&invitee.email), 1),
            ]),
            SignalKind::Counter { .. } => tracked.counters.push(counter(PROPOSALS, "counter", 1)),
            _ => {}
        }
        tracked.records.push(crate::ports::SignalRecord {
            event_id: invitee.event_id.clone(),
            invitee_id: invitee.id.clone(),
            signal,
            effect,
        });
        invitee.status = applied.status;
    }
    tracked
}
