//! The use cases: the async operations the adapters call. Each takes the ports it needs, reads
//! through them, decides with the pure rules of the modules beside this one (the status engine,
//! iTIP, the event model, tracking) and writes what it decided in one commit.
//!
//! - [`ingest`]: a message that arrived at `invites@` or an `rsvp+` address.
//! - [`rsvp`], [`confirm`], [`invite`], [`delegation`]: what guests and organizers do on the web
//!   and the API.
//! - [`deliver`]: the outbox worked off (mail, fan-out, the paced send loop).
//! - [`dispatch`]: change records told to the event stream, queued in the commit that wrote
//!   them.
//! - [`provider`]: delivery events from the mail provider.
//! - [`access`]: sign-in links, sessions and API tokens.
//! - [`endpoints`]: the organizer's webhook endpoints.
//! - [`report`]: the dashboard's read side (reports, lists, exports).

pub mod access;
pub mod confirm;
pub mod delegation;
pub mod deliver;
pub mod dispatch;
pub mod endpoints;
pub mod ingest;
pub mod invite;
pub mod provider;
pub mod report;
pub mod rsvp;
