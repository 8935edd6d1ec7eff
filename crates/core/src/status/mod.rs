//! The generalized milestone status engine of DESIGN §3. A [`Model`] is data (tracks, values,
//! merge rules); [`apply`] is a pure function `(status, signal) -> (status', changes)` that the
//! store runs inside its de-duplicating transaction. No I/O, no clock, no randomness: like the
//! `itip` module, everything here is decided from its arguments alone.

mod engine;
mod model;
mod signal;
mod state;
mod stored;
#[cfg(test)]
mod tests;

pub use engine::{Applied, Change, Effect, apply, counter_deltas};
pub use model::{DELIVERY, INVITEE_MODEL, MergeRule, Model, REACHABILITY, RESPONSE, Track};
pub use signal::{Answer, Channel, MailKind, Provenance, Signal, SignalKind, Stamp};
pub use state::{GivenAnswer, InviteeStatus, OccurrenceAnswer, Proposal, TrackState};
pub use stored::StatusError;
