//! Conformance of the iMIP reader against real invitations from real clients.

mod corpus;
mod snapshots;
