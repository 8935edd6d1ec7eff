//! The state the engine merges into: one invitee's status (a value per track, and the
//! bookkeeping beside the tracks) and its parts. The engine (`engine.rs`) changes it; its
//! stored form (`stored.rs`) reads and writes it; neither is needed to read it.

use super::model::{Model, RESPONSE};
use super::signal::{Answer, Channel, Stamp};
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
/// `previous_answer` order-independent. Only [`super::apply`] changes it; it is stored as JSON (see
/// `stored.rs`) and checked against the invitee model when read back.
#[derive(Debug, Clone, PartialEq, Eq)]
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
