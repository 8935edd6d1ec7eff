//! Rollcall on one machine: the SMTP inbox, the SQLite store and queue, the file and relay
//! mailers, the worker loops, and the wiring that `rollcall serve` runs.

pub mod commands;
pub mod smtp;
