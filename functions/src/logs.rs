//! Logs: JSON lines on stdout, one object per event with its fields and the spans it happened
//! in (the runtime's span carries the Lambda request id; the batch loop's carries the SQS
//! message id). The template sets `LoggingConfig.LogFormat: JSON`, which Lambda passes on as
//! `AWS_LAMBDA_LOG_FORMAT`; here JSON is the default whatever it says, so logs are structured
//! on any deployment. The level comes from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else info.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_string());
    let filter =
        EnvFilter::try_new(level.to_ascii_lowercase()).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_target(false)
        .without_time() // CloudWatch stamps every line
        .with_env_filter(filter)
        .try_init();
}
