//! Rollcall's core: the iMIP reader, the event model, iTIP decisions and the use cases that
//! drive them through port traits. No I/O, no runtime, no SQL: adapters live in other crates.

pub mod change;
pub mod event;
pub mod ical;
pub mod ids;
pub mod imip;
pub mod invitee;
pub mod ipnet;
pub mod itip;
pub mod limits;
pub mod notice;
pub mod outcome;
pub mod ports;
pub mod present;
pub mod quota;
pub mod read_error;
pub mod recurrence;
pub mod retry;
pub mod schedule;
pub mod status;
pub mod suppression;
#[cfg(test)]
mod test_support;
pub mod tokens;
pub mod tracking;
pub mod usecase;
pub mod webhook;

pub use limits::Limits;
