//! Logs: JSON lines on stdout, one object per event with its fields and the spans it happened
//! in (the runtime's span carries the Lambda request id; the batch loop's carries the SQS
//! message id). The template sets `LoggingConfig.LogFormat: JSON`, which Lambda passes on as
//! `AWS_LAMBDA_LOG_FORMAT`; here JSON is the default whatever it says, so logs are structured
//! on any deployment. The level comes from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else info.
//!
//! A level, not a filter: Lambda's setting is one (`TRACE` … `ERROR`, and `FATAL`, read as
//! error), and `EnvFilter`'s directives would bring the regex engine into the zip.

use tracing_subscriber::filter::LevelFilter;

pub fn init() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_target(false)
        .without_time() // CloudWatch stamps every line
        .with_max_level(level(
            std::env::var("AWS_LAMBDA_LOG_LEVEL")
                .or_else(|_| std::env::var("RUST_LOG"))
                .ok()
                .as_deref(),
        ))
        .try_init();
}

/// The level a setting names; info when it names none.
fn level(setting: Option<&str>) -> LevelFilter {
    match setting.map(str::trim) {
        Some(fatal) if fatal.eq_ignore_ascii_case("fatal") => LevelFilter::ERROR,
        Some(name) => name.parse().unwrap_or(LevelFilter::INFO),
        None => LevelFilter::INFO,
    }
}

#[cfg(test)]
mod tests {
    use super::level;
    use tracing_subscriber::filter::LevelFilter;

    #[test]
    fn lambda_log_levels_are_read_and_anything_else_is_info() {
        assert_eq!(level(Some("DEBUG")), LevelFilter::DEBUG);
        assert_eq!(level(Some("warn")), LevelFilter::WARN);
        assert_eq!(level(Some("FATAL")), LevelFilter::ERROR);
        assert_eq!(level(Some("rollcall=debug")), LevelFilter::INFO);
        assert_eq!(level(None), LevelFilter::INFO);
    }
}
