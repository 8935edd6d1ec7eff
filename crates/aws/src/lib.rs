//! Rollcall on AWS serverless: the only crate that names the AWS SDK. Adapters for the core's
//! ports (DynamoDB store, SES v2 mailer, SQS, S3, SNS) and the parsing of what SES sends us
//! (receipt notifications, event publishing records). [`services::Services`] hands them out on
//! one SDK configuration.

pub mod archive;
pub mod dynamo;
pub mod mailer;
pub mod queue;
pub mod services;
pub mod ses;
pub mod stream;
#[cfg(feature = "emulator")]
pub mod testbed;
