//! Test support for Rollcall.
//!
//! - [`InMemoryStore`]: the reference adapter of [`EventStore`], [`InviteeStore`] and
//!   [`OutboxStore`]; its doc comments are the written form of the store contract.
//! - [`contract`] and [`store_contract_tests!`]: the executable form of the same contract,
//!   which every store adapter runs against itself.
//! - [`SequentialIds`], [`RecordingMailer`], [`PlainComposer`], [`MemoryRawMail`],
//!   [`RecordingSink`], [`RecordingWebhooks`]:
//!   deterministic stand-ins for the other ports.
//! - [`GuardedStore`]: a store that keeps something alive (a temporary directory) as long as
//!   it lives.
//! - [`fixture_path`]: files under the workspace's `tests/fixtures`.
//!
//! [`EventStore`]: rollcall_core::ports::EventStore
//! [`InviteeStore`]: rollcall_core::ports::InviteeStore
//! [`OutboxStore`]: rollcall_core::ports::OutboxStore

pub mod contract;
mod contract_macro;
mod fixtures;
mod guarded;
mod ids;
mod mailer;
mod memory_store;
mod raw_mail;
mod sink;

pub use fixtures::{fixture_path, read_fixture};
pub use guarded::GuardedStore;
pub use ids::SequentialIds;
pub use mailer::{FailWith, PlainComposer, RecordingMailer};
pub use memory_store::{InMemoryStore, OutboxEntry, OutboxState};
pub use raw_mail::MemoryRawMail;
pub use sink::{RecordingSink, RecordingWebhooks};
