//! Rollcall on AWS Lambda: the four functions of `infra/template.yaml`, as thin binaries
//! (`src/bin/*.rs`, a few lines each) over what this library puts together:
//!
//! - [`api`]: the same axum router as `rollcall serve`, behind API Gateway (lambda_http);
//! - [`inbound`]: SES receipt notifications → the raw mail from S3 → the ingest use case;
//! - [`worker`]: `deliver-due` jobs → the outbox through SES, fan-out included;
//! - [`events`]: SES event publishing records → delivery signals.
//!
//! Everything comes from the environment the template sets ([`config`]); the SQS handlers
//! share one batch loop ([`batch`]) that answers with partial batch failures; every store
//! write that queues work for the outbox rings the worker's doorbell ([`effects`]), and the
//! change records a write makes are queued with it for the worker to tell Rollcall's event
//! stream.

pub mod api;
pub mod batch;
pub mod boot;
pub mod config;
pub mod effects;
pub mod events;
pub mod inbound;
pub mod logs;
pub mod worker;
