//! End-to-end tests: a real `rollcall serve` process, real SMTP and HTTP sockets, a real
//! SQLite file in a temporary data folder.

mod bad_mail;
mod cli;
mod durability;
mod inbox_flow;
mod rsvp_loop;
