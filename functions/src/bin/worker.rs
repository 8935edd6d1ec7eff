//! `worker`: Rollcall's jobs from SQS → the outbox through SES.

use lambda_runtime::{LambdaEvent, service_fn};
use rollcall_aws::services::Services;
use rollcall_functions::{boot, config::Config, logs};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logs::init();
    let config = Config::from_env()?;
    let worker = Arc::new(boot::worker(&config, &Services::from_env().await).await?);
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| {
        let worker = worker.clone();
        async move { Ok::<_, lambda_runtime::Error>(worker.handle(event.payload).await.response()) }
    }))
    .await
}
