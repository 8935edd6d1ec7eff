//! The engine: `apply(model, status, signal) -> Applied`, a pure function. Every part of an
//! [`InviteeStatus`] is the maximum of what the signals so far contribute, under a total order
//! that ignores arrival. A maximum is commutative, associative and idempotent, so any order of
//! the same signals, with any repeats, ends in the same status and the same counters.

use super::model::{MergeRule, Model, Track};
use super::signal::{Signal, SignalKind, Stamp};
use super::state::{GivenAnswer, InviteeStatus, Proposal, TrackState};
use serde::{Deserialize, Serialize};

/// A track that moved: one row of an invitee's timeline and two counter bumps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Change {
    pub track: &'static str,
    pub from: &'static str,
    pub to: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// The status differs: a track moved, or its bookkeeping did (an earlier time for a
    /// value already reached, a late answer remembered as the previous one, a proposal).
    Changed,
    /// Valid but superseded or already known: a `delivered` after `opened`, an answer older
    /// than the current one, the same signal again. Nothing to write.
    NoChange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub status: InviteeStatus,
    /// Track moves only, in model order; empty when only bookkeeping changed.
    pub changes: Vec<Change>,
    pub effect: Effect,
}

/// Merges one signal into a status. A signal whose (track, value) the model lacks changes
/// nothing: models and signal kinds are both static, so that is a wiring mistake, not input.
pub fn apply(model: &Model, status: &InviteeStatus, signal: &Signal) -> Applied {
    let mut next = status.clone();
    let stamp = signal.stamp();
    if let Some((track, value)) = signal.kind.target() {
        merge_track(model, &mut next, track, value, &stamp);
    }
    match &signal.kind {
        SignalKind::Answer(answer) if answer.is_given() => {
            let given = GivenAnswer {
                stamp: stamp.clone(),
                answer: *answer,
                channel: Some(signal.channel),
            };
            raise(&mut next.latest_answer, given);
        }
        SignalKind::Reconfirm => raise(&mut next.reconfirmed, stamp.clone()),
        SignalKind::Counter {
            proposed_start,
            proposed_end,
            comment,
        } => {
            let proposal = Proposal {
                stamp: stamp.clone(),
                proposed_start: proposed_start.clone(),
                proposed_end: proposed_end.clone(),
                comment: comment.clone(),
            };
            raise(&mut next.proposal, proposal);
        }
        SignalKind::OccurrenceAnswer { occurrence, answer } => {
            let given = GivenAnswer {
                stamp: stamp.clone(),
                answer: *answer,
                channel: Some(signal.channel),
            };
            let mut slot = next.occurrences.remove(occurrence);
            raise(&mut slot, given);
            next.occurrences
                .extend(slot.map(|given| (occurrence.clone(), given)));
        }
        _ => {}
    }
    next.previous_answer = next.derive_previous_answer();

    let changes = status
        .tracks
        .iter()
        .zip(&next.tracks)
        .filter(|(before, after)| before.value != after.value)
        .map(|(before, after)| Change {
            track: after.track,
            from: before.value,
            to: after.value,
        })
        .collect();
    let effect = if next == *status {
        Effect::NoChange
    } else {
        Effect::Changed
    };
    Applied {
        status: next,
        changes,
        effect,
    }
}

/// −1 for each change's old value, +1 for its new one, so the store can bump per-event
/// counters in the same transaction as the status.
pub fn counter_deltas(changes: &[Change]) -> Vec<(&'static str, &'static str, i64)> {
    changes
        .iter()
        .flat_map(|c| [(c.track, c.from, -1), (c.track, c.to, 1)])
        .collect()
}

/// `slot = max(slot, candidate)`, with `None` below everything.
fn raise<T: Ord>(slot: &mut Option<T>, candidate: T) {
    if slot.as_ref().is_none_or(|current| candidate > *current) {
        *slot = Some(candidate);
    }
}

fn merge_track(model: &Model, status: &mut InviteeStatus, track: &str, value: &str, stamp: &Stamp) {
    let Some(def) = model.track(track) else {
        return;
    };
    let Some(value) = def.value(value) else {
        return;
    };
    let Some(current) = status.tracks.iter_mut().find(|t| t.track == def.name) else {
        return;
    };
    if wins(def, value, stamp, current) {
        current.value = value;
        current.set_by = Some(stamp.clone());
    }
}

/// Whether (value, stamp) beats the track's current state under the track's total order.
fn wins(def: &Track, value: &str, stamp: &Stamp, current: &TrackState) -> bool {
    let (rank, current_rank) = (def.rank(value), def.rank(current.value));
    match def.rule {
        // Higher rank wins; at equal rank the earliest stamp is kept, and an unset initial
        // value counts as later than any signal, so the first signal to ask for it records
        // itself no matter when it arrives.
        MergeRule::Rank => {
            rank > current_rank
                || (rank == current_rank && current.set_by.as_ref().is_none_or(|set| stamp < set))
        }
        // Latest stamp wins; an unset initial value is older than any signal. Rank breaks a
        // tie between two kinds under one stamp, which only a misbehaving producer sends, so
        // the order stays total even then.
        MergeRule::Latest => current
            .set_by
            .as_ref()
            .is_none_or(|set| (stamp, rank) > (set, current_rank)),
    }
}
