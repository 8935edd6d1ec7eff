//! Status models as data: named tracks, each an ordered list of values and a merge rule. The
//! engine knows nothing about invitees; it reads a [`Model`] and applies its rules.

use serde::{Deserialize, Serialize};

/// How a track settles when several signals want different values. Every rule is a maximum
/// under a total order, so applying signals in any order, any number of times, ends the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MergeRule {
    /// Monotonic: the value ranked highest in the track's list wins; the track never goes back.
    Rank,
    /// The value given latest by *occurred-at* wins. Ties are broken by the signal's dedupe key
    /// (never by arrival order, which differs between replays), so the order is total.
    Latest,
}

/// One track: its values in rank order (the first is the initial value) and its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Track {
    pub name: &'static str,
    /// Never empty: the first value is where every status starts.
    pub values: &'static [&'static str],
    pub rule: MergeRule,
}

impl Track {
    /// The value every status starts with.
    pub fn initial(&self) -> &'static str {
        // A track without values is a broken model; "" keeps the engine total rather than
        // panicking, and `INVITEE_MODEL` is checked by a test.
        self.values.first().copied().unwrap_or("")
    }

    /// The position of `value` in the list, or `None` if the track has no such value.
    pub fn rank(&self, value: &str) -> Option<usize> {
        self.values.iter().position(|v| *v == value)
    }

    /// The model's own `'static` spelling of `value`, so changes can borrow from the model.
    pub fn value(&self, value: &str) -> Option<&'static str> {
        self.values.iter().copied().find(|v| *v == value)
    }
}

/// A named set of tracks. Track names are unique within a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Model {
    pub name: &'static str,
    pub tracks: &'static [Track],
}

impl Model {
    pub fn track(&self, name: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.name == name)
    }
}

pub const DELIVERY: &str = "delivery";
pub const RESPONSE: &str = "response";
pub const REACHABILITY: &str = "reachability";

/// DESIGN §3, the invitee model.
pub const INVITEE_MODEL: Model = Model {
    name: "invitee",
    tracks: &[
        Track {
            name: DELIVERY,
            // `delayed`: the invitation met a temporary failure and is still being retried.
            values: &[
                "listed",
                "queued",
                "delayed",
                "sent",
                "delivered",
                "opened",
                "clicked",
            ],
            rule: MergeRule::Rank,
        },
        Track {
            name: RESPONSE,
            // Rank order matters only as a last tie-break between two signals with the same
            // occurred-at and dedupe key (a producer bug); the first value is still the initial.
            values: &[
                "needs-action",
                "accepted",
                "tentative",
                "declined",
                "delegated",
            ],
            rule: MergeRule::Latest,
        },
        Track {
            name: REACHABILITY,
            // The latest word about the address wins: a bounce, a complaint or an unsubscribe
            // stops mail, and its owner asking for mail again on their own page (a later
            // `resubscribed`, which asks for `ok`) starts it again; a later bounce stops it
            // once more. Delivery signals never touch this track, so a late `delivered` never
            // resurrects a bounced address.
            values: &["ok", "bounced", "complained", "unsubscribed"],
            rule: MergeRule::Latest,
        },
    ],
};
