//! The Lambda functions against moto's server mode, in one test binary: each module was a
//! binary of its own, and every one of them linked the whole AWS SDK again (a cold build spent
//! minutes in those links alone).

mod support;

mod aws_loop;
mod dashboard;
mod outbox_outage;
mod redelivery;
mod sender_trust;
