//! Applying status signals to an invitee, with everything the store must record alongside:
//! the history entries and the counter deltas, so one commit carries all of it.

use crate::invitee::Invitee;
use crate::ports::{Commit, CounterDelta, InviteeWrite, SignalRecord};
use crate::status::{Effect, INVITEE_MODEL, Signal, apply, counter_deltas};
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

/// The counters a brand-new invitee adds: one for the initial value of every track.
pub fn initial_counters(invitee: &Invitee) -> Vec<CounterDelta> {
    INVITEE_MODEL
        .tracks
        .iter()
        .filter_map(|track| {
            Some(CounterDelta {
                event_id: invitee.event_id.clone(),
                track: track.name.to_string(),
                value: track.values.first()?.to_string(),
                delta: 1,
            })
        })
        .collect()
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
        tracked
            .counters
            .extend(
                counter_deltas(&applied.changes)
                    .into_iter()
                    .map(|(track, value, delta)| CounterDelta {
                        event_id: invitee.event_id.clone(),
                        track: track.to_string(),
                        value: value.to_string(),
                        delta,
                    }),
            );
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
