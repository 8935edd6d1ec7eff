//! Rollcall on one machine: the SMTP inbox, the SQLite store and queue, the file and relay
//! mailers, the worker loops, and the wiring that `rollcall serve` runs.

pub mod app;
pub mod commands;
pub mod config;
pub mod connection_limits;
pub mod data_dir;
pub mod http_server;
pub mod intake;
pub mod mailer;
pub mod per_client;
pub mod smtp;
pub mod store;
pub mod trust;
pub mod worker;
