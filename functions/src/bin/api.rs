//! `api`: the web pages and forms behind API Gateway.

use rollcall_aws::services::Services;
use rollcall_functions::{api, boot, config::Config, logs};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    logs::init();
    let config = Config::from_env()?;
    let state = boot::api(&config, &Services::from_env().await).await?;
    lambda_http::run(api::app(state)).await
}
