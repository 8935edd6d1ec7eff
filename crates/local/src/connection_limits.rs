//! `rollcall serve` flags for what slow or greedy clients may hold of the web site and the
//! SMTP inbox: timeouts and connection caps (see `http_server` and `smtp`).

use crate::http_server::HttpLimits;
use clap::Args;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct ConnectionLimits {
    /// Seconds a web client has to send a request's complete headers, on a new connection and
    /// after each response on a kept-alive one; then the connection is closed.
    #[arg(long, env = "ROLLCALL_HTTP_HEADER_TIMEOUT", default_value = "15", value_parser = positive_seconds)]
    pub http_header_timeout: Duration,
    /// Seconds a web connection with no request under way may stay silent before it is closed
    /// (at most the header timeout takes effect).
    #[arg(long, env = "ROLLCALL_HTTP_IDLE_TIMEOUT", default_value = "5", value_parser = positive_seconds)]
    pub http_idle_timeout: Duration,
    /// Seconds a web request may take until its response starts (then 503 and close); a
    /// response that makes no progress for this long (the client stopped reading) is abandoned.
    #[arg(long, env = "ROLLCALL_HTTP_REQUEST_TIMEOUT", default_value = "30", value_parser = positive_seconds)]
    pub http_request_timeout: Duration,
    /// Web connections served at once; further ones wait to be accepted.
    #[arg(long, env = "ROLLCALL_HTTP_MAX_CONNECTIONS", default_value_t = 512)]
    pub http_max_connections: usize,
    /// Web connections one client (an IPv4 address or IPv6 /64) may hold open; further ones
    /// are closed at once. 0: no cap (e.g. behind a reverse proxy).
    #[arg(
        long,
        env = "ROLLCALL_HTTP_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 32
    )]
    pub http_max_connections_per_client: usize,
    /// SMTP sessions one client outside the trusted networks (an IPv4 address or IPv6 /64) may
    /// hold open; further ones get `421 4.7.0`. 0: no cap.
    #[arg(
        long,
        env = "ROLLCALL_SMTP_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 8
    )]
    pub smtp_max_connections_per_client: usize,
    /// Seconds an SMTP client has to send a message's data, from `354` to the final dot.
    #[arg(long, env = "ROLLCALL_SMTP_DATA_TIMEOUT", default_value = "600", value_parser = positive_seconds)]
    pub smtp_data_timeout: Duration,
    /// Least average speed, in bytes per second, of a message's data after its first 30
    /// seconds; a slower client gets `421 4.4.2`. 0 turns the check off.
    #[arg(long, env = "ROLLCALL_SMTP_MIN_DATA_RATE", default_value_t = 500)]
    pub smtp_min_data_rate: u64,
    /// Seconds an SMTP client outside the trusted networks waits for the greeting; one that
    /// talks before it is refused with `554 5.5.1`. 0 turns the wait off.
    #[arg(long, env = "ROLLCALL_SMTP_GREET_DELAY", default_value = "2", value_parser = seconds)]
    pub smtp_greet_delay: Duration,
}

impl ConnectionLimits {
    pub fn http(&self) -> HttpLimits {
        HttpLimits {
            header_timeout: self.http_header_timeout,
            idle_timeout: self.http_idle_timeout,
            request_timeout: self.http_request_timeout,
            max_connections: self.http_max_connections,
            max_connections_per_client: self.http_max_connections_per_client,
        }
    }
}

/// Like [`seconds`], but not zero: a timeout of nothing would refuse every client.
fn positive_seconds(text: &str) -> Result<Duration, String> {
    match seconds(text)? {
        Duration::ZERO => Err("expected more than 0 seconds".to_string()),
        duration => Ok(duration),
    }
}

/// A duration in seconds, fractions allowed (`15`, `0.5`); at most a day.
fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds, got `{text}`"))?;
    if !(0.0..=86_400.0).contains(&value) {
        return Err(format!("expected 0 to 86400 seconds, got `{text}`"));
    }
    Ok(Duration::from_secs_f64(value))
}

#[cfg(test)]
mod tests {
    use super::{positive_seconds, seconds};
    use std::time::Duration;

    #[test]
    fn seconds_take_whole_and_fractional_values_and_refuse_the_rest() {
        assert_eq!(seconds("15"), Ok(Duration::from_secs(15)));
        assert_eq!(seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(seconds("0"), Ok(Duration::ZERO));
        for bad in ["-1", "abc", "", "NaN", "inf", "100000"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
        assert!(positive_seconds("0").is_err());
        assert_eq!(positive_seconds("0.5"), Ok(Duration::from_millis(500)));
    }
}
