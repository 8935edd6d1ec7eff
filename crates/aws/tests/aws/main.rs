//! The AWS adapters against moto's server mode and SES's own fixtures, in one test binary:
//! each module was a binary of its own, and every one of them linked the whole AWS SDK again.

mod adapters;
mod dynamo_contract;
mod ses_event_flow;
mod ses_events;
mod ses_receipt;
