//! The `rollcall` subcommands other than `serve`.

pub mod inbox;
pub mod parse;
pub mod token;
