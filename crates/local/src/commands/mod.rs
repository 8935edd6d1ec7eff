//! The `rollcall` subcommands other than `serve`.

pub mod parse;
