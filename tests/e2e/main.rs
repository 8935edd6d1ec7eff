//! End-to-end tests: a real `rollcall serve` process, real SMTP and HTTP sockets, a real
//! SQLite file in a temporary data folder.

mod bad_mail;
mod cli;
mod dashboard;
mod durability;
mod inbox_flow;
mod limits;
mod outbox_outage;
mod recurring;
mod reply_shapes;
mod rsvp_edges;
mod rsvp_loop;
mod sender_trust;
mod slow_clients;
mod suppression;
mod trust_rules;
mod webhook_signatures;
mod webhooks;
