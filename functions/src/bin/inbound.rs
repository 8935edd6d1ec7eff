//! `inbound`: SES receipt notifications from SQS → raw mail from S3 → ingest.

use lambda_runtime::{LambdaEvent, service_fn};
use rollcall_aws::services::Services;
use rollcall_functions::{boot, config::Config, logs};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logs::init();
    let config = Config::from_env()?;
    let inbound = Arc::new(boot::inbound(&config, &Services::from_env().await).await?);
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| {
        let inbound = inbound.clone();
        async move { Ok::<_, lambda_runtime::Error>(inbound.handle(event.payload).await.response()) }
    }))
    .await
}
