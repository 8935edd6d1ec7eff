//! The `rollcall` subcommands other than `serve`.

pub mod inbox;
pub mod outbox;
pub mod parse;
pub mod suppressions;
pub mod token;
