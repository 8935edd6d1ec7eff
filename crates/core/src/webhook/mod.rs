//! Signed webhooks (issue 12 §3): the rules that need no I/O, so that both runtimes' senders
//! and the API that registers endpoints apply the same ones.
//!
//! - [`signature`]: Standard Webhooks secrets (`whsec_…`) and signatures
//!   (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`), several at once during a rotation.
//! - [`target`]: which URLs and which addresses an endpoint may point at (`https` only unless
//!   the operator allows `http`; never loopback, private, link-local, metadata, multicast or
//!   other non-public addresses unless the operator allows private targets).
//! - [`attempts`]: what an answer means for the delivery and the endpoint, and when a failed
//!   delivery is tried again (the Standard Webhooks schedule, jittered, for about three days).
//!
//! - [`endpoint`]: a registered endpoint (its URL, types, secrets) and its delivery log.
//!
//! The deliveries themselves are outbox items fanned out from each dispatch of change records
//! ([`crate::usecase::deliver`]).

pub mod attempts;
pub mod endpoint;
pub mod signature;
pub mod target;
