//! The engine: `apply(model, status, signal) -> Applied`, a pure function. Every part of an
//! [`InviteeStatus`] is the maximum of what the signals so far contribute, under a total order
//! that ignores arrival. A maximum is commutative, associative and idempotent, so any order of
//! the same signals, with any repeats, ends in the same status and the same counters.

use super::model::{MergeRule, Model, RESPONSE, Track};
use super::signal::{Answer, Channel, Signal, SignalKind, Stamp};
use super::stored::StoredStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One track's current value and the signal that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackState {
    pub track: &'static str,
    pub value: &'static str,
    /// `None` while the track holds its initial value and no signal has asked for it. On a
    /// rank track, the earliest signal that reached the value (when it was first delivered,
    /// say); on a latest track, the signal that gave it.
    pub set_by: Option<Stamp>,
}

/// An answer and the signal that gave it: a real one (never `needs-action`) for the series;
/// for one occurrence, whatever its REPLY said.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GivenAnswer {
    pub stamp: Stamp,
    pub answer: Answer,
    /// Where it was given; `None` for answers stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
}

/// The latest COUNTER, kept beside the answer. Ordered by its stamp first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Proposal {
    pub stamp: Stamp,
    pub proposed_start: Option<String>,
    pub proposed_end: Option<String>,
    pub comment: Option<String>,
}

/// One invitee's status: a value per track of the model plus the bookkeeping that keeps
/// `previous_answer` order-independent. Only [`apply`] changes it; it is stored as JSON (see
/// `stored.rs`) and checked against the invitee model when read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "StoredStatus", try_from = "StoredStatus")]
pub struct InviteeStatus {
    pub(super) tracks: Vec<TrackState>,
    /// The latest real answer ever given, reconfirm or not.
    pub(super) latest_answer: Option<GivenAnswer>,
    /// The latest reconfirm (the organizer's latest change of time).
    pub(super) reconfirmed: Option<Stamp>,
    /// Derived from the three fields above after every change; never merged on its own.
    pub(super) previous_answer: Option<(Answer, DateTime<Utc>)>,
    pub(super) proposal: Option<Proposal>,
    /// The latest answer given for single occurrences, by RECURRENCE-ID (contract string).
    /// Callers only ever name real occurrences of the series, which bounds the map.
    pub(super) occurrences: BTreeMap<String, GivenAnswer>,
}

/// Where one occurrence's answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OccurrenceAnswer {
    pub answer: Answer,
    /// The channel of the answer while it is a real one.
    pub channel: Option<Channel>,
    /// Given for this occurrence alone (it stands over the series answer, being later).
    pub own: bool,
}

impl InviteeStatus {
    /// Every track at its initial value, set by no signal.
    pub fn initial(model: &Model) -> InviteeStatus {
        InviteeStatus {
            tracks: model
                .tracks
                .iter()
                .map(|t| TrackState {
                    track: t.name,
                    value: t.initial(),
                    set_by: None,
                })
                .collect(),
            latest_answer: None,
            reconfirmed: None,
            previous_answer: None,
            proposal: None,
            occurrences: BTreeMap::new(),
        }
    }

    /// The current value of `track`, if the status has that track.
    pub fn value(&self, track: &str) -> Option<&'static str> {
        self.track(track).map(|t| t.value)
    }

    pub fn track(&self, name: &str) -> Option<&TrackState> {
        self.tracks.iter().find(|t| t.track == name)
    }

    /// In the model's track order.
    pub fn tracks(&self) -> &[TrackState] {
        &self.tracks
    }

    /// While a reconfirm is the current `response` (nobody answered after the time changed):
    /// the real answer that was current before it, and when it was given. `None` otherwise.
    pub fn previous_answer(&self) -> Option<(Answer, DateTime<Utc>)> {
        self.previous_answer
    }

    pub fn latest_answer(&self) -> Option<&GivenAnswer> {
        self.latest_answer.as_ref()
    }

    /// The channel of the answer that stands now, while `response` is an answer: on a latest
    /// track that is the latest answer given. `None` while waiting for one, and for an answer
    /// stored before channels were kept.
    pub fn standing_answer_channel(&self) -> Option<Channel> {
        let response = self.track(RESPONSE)?;
        if response.value == Answer::NeedsAction.as_str() {
            return None;
        }
        self.latest_answer.as_ref()?.channel
    }

    /// The answer for one occurrence: its own answer when that is later than whatever set the
    /// series answer (an answer for the whole series, or the organizer's time change, given
    /// after it covers every occurrence again), else the series answer. Latest wins, like the
    /// `response` track, so the outcome does not depend on arrival order.
    pub fn answer_for(&self, occurrence: &str) -> OccurrenceAnswer {
        let series = self.track(RESPONSE);
        let own = self.occurrences.get(occurrence).filter(|given| {
            series
                .and_then(|s| s.set_by.as_ref())
                .is_none_or(|set| given.stamp > *set)
        });
        match own {
            Some(given) => OccurrenceAnswer {
                answer: given.answer,
                channel: given.channel.filter(|_| given.answer.is_given()),
                own: true,
            },
            None => OccurrenceAnswer {
                answer: series
                    .and_then(|s| Answer::parse(s.value))
                    .unwrap_or(Answer::NeedsAction),
                channel: self.standing_answer_channel(),
                own: false,
            },
        }
    }

    /// The occurrences whose own answer stands over the series answer, in id order.
    pub fn own_occurrence_answers(&self) -> impl Iterator<Item = (&str, OccurrenceAnswer)> {
        self.occurrences
            .keys()
            .map(|id| (id.as_str(), self.answer_for(id)))
            .filter(|(_, answer)| answer.own)
    }

    pub fn reconfirmed(&self) -> Option<&Stamp> {
        self.reconfirmed.as_ref()
    }

    pub fn proposal(&self) -> Option<&Proposal> {
        self.proposal.as_ref()
    }

    /// What this status contributes to per-event counters: +1 on each track's value. The
    /// store adds this for a new invitee (with the initial status), then folds
    /// [`counter_deltas`]; recounting from final statuses gives the same numbers.
    pub fn counted(&self) -> Vec<(&'static str, &'static str, i64)> {
        self.tracks.iter().map(|t| (t.track, t.value, 1)).collect()
    }

    /// `previous_answer` as a function of merged state, which is what makes it commutative.
    /// If the latest reconfirm R is the current response, every answer sorts before R, so
    /// "the latest real answer at or before R" is simply the latest real answer.
    pub(super) fn derive_previous_answer(&self) -> Option<(Answer, DateTime<Utc>)> {
        let reconfirm = self.reconfirmed.as_ref()?;
        let response = self.track(RESPONSE)?;
        (response.set_by.as_ref() == Some(reconfirm))
            .then_some(self.latest_answer.as_ref())
            .flatten()
            .map(|given| (given.answer, given.stamp.occurred_at))
    }
}

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
