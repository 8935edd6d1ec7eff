//! The stored (JSON) form of an [`InviteeStatus`]: tracks as a map of name to value, read back
//! only if every track and value exists in the invitee model. A status that does not fit the
//! model is refused at load, so the engine never meets a value it cannot rank.

use super::model::INVITEE_MODEL;
use super::signal::{Answer, Stamp};
use super::state::{GivenAnswer, InviteeStatus, Proposal, TrackState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StatusError {
    #[error("the invitee model has no track {0:?}")]
    UnknownTrack(String),
    #[error("the invitee model's {track} track has no value {value:?}")]
    UnknownValue { track: String, value: String },
}

// Written by hand rather than `#[serde(into, try_from)]` on the state, so the state does not
// depend on its stored form.
impl Serialize for InviteeStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredStatus::from(self.clone()).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for InviteeStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<InviteeStatus, D::Error> {
        let stored = StoredStatus::deserialize(deserializer)?;
        InviteeStatus::try_from(stored).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredStatus {
    tracks: BTreeMap<String, StoredTrack>,
    #[serde(default)]
    latest_answer: Option<GivenAnswer>,
    #[serde(default)]
    reconfirmed: Option<Stamp>,
    /// Written for people and queries reading the JSON; recomputed, not trusted, on load.
    #[serde(default)]
    previous_answer: Option<(Answer, DateTime<Utc>)>,
    #[serde(default)]
    proposal: Option<Proposal>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    occurrences: BTreeMap<String, GivenAnswer>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredTrack {
    value: String,
    #[serde(default)]
    set_by: Option<Stamp>,
}

impl From<InviteeStatus> for StoredStatus {
    fn from(status: InviteeStatus) -> StoredStatus {
        StoredStatus {
            tracks: status
                .tracks
                .into_iter()
                .map(|t| {
                    let stored = StoredTrack {
                        value: t.value.to_string(),
                        set_by: t.set_by,
                    };
                    (t.track.to_string(), stored)
                })
                .collect(),
            latest_answer: status.latest_answer,
            reconfirmed: status.reconfirmed,
            previous_answer: status.previous_answer,
            proposal: status.proposal,
            occurrences: status.occurrences,
        }
    }
}

impl TryFrom<StoredStatus> for InviteeStatus {
    type Error = StatusError;

    fn try_from(mut stored: StoredStatus) -> Result<InviteeStatus, StatusError> {
        let mut status = InviteeStatus::initial(&INVITEE_MODEL);
        for state in &mut status.tracks {
            // A track the JSON lacks starts at its initial value: the model may have grown.
            let Some(track) = stored.tracks.remove(state.track) else {
                continue;
            };
            let value = INVITEE_MODEL
                .track(state.track)
                .and_then(|def| def.value(&track.value))
                .ok_or_else(|| StatusError::UnknownValue {
                    track: state.track.to_string(),
                    value: track.value.clone(),
                })?;
            *state = TrackState {
                track: state.track,
                value,
                set_by: track.set_by,
            };
        }
        // A track the model lacks would be dropped silently on the next write; refuse instead.
        if let Some(name) = stored.tracks.into_keys().next() {
            return Err(StatusError::UnknownTrack(name));
        }
        status.latest_answer = stored.latest_answer;
        status.reconfirmed = stored.reconfirmed;
        status.proposal = stored.proposal;
        status.occurrences = stored.occurrences;
        status.previous_answer = status.derive_previous_answer();
        Ok(status)
    }
}
