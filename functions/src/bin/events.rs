//! `events`: SES event publishing records from SQS → delivery signals.

use lambda_runtime::{LambdaEvent, service_fn};
use rollcall_aws::services::Services;
use rollcall_functions::{boot, config::Config, logs};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logs::init();
    let config = Config::from_env()?;
    let events = Arc::new(boot::events(&config, &Services::from_env().await));
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| {
        let events = events.clone();
        async move { Ok::<_, lambda_runtime::Error>(events.handle(event.payload).await.response()) }
    }))
    .await
}
