//! What an endpoint's answer means, and when a failed delivery is tried again.
//!
//! The schedule is Standard Webhooks' (as Svix sends: at once, then after 5 seconds, 5 minutes,
//! 30 minutes, 2, 5 and 10 hours), carried on with 14, 20 and 24 hours so that a receiver
//! that is down over a weekend still gets everything: about three days in all. Each wait is
//! jittered like the outbox's ([`jittered`]), so the deliveries that failed together during a
//! receiver's outage do not all come back at the same second.

use crate::usecase::deliver::retry::{Jitter, jittered};
use chrono::Duration;

/// The waits before the second, third, … attempt.
const SCHEDULE_SECONDS: [i64; 9] = [
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
];

/// How long the sender waits for an endpoint's answer before counting the attempt as failed.
pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// What became of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The endpoint answered with this HTTP status; `retry_after` is its `Retry-After`, if any.
    Status {
        code: u16,
        retry_after: Option<Duration>,
    },
    /// No answer within [`TIMEOUT`], or no connection at all.
    NoAnswer,
}

/// What the sender does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Delivered (any 2xx).
    Delivered,
    /// Try again after this wait.
    RetryAfter(Duration),
    /// Give this delivery up: the schedule is over.
    GiveUp,
    /// `410 Gone`: the receiver says the endpoint is no more; it is disabled, and its other
    /// deliveries wait for the organizer to enable it again.
    DisableEndpoint,
}

/// The next step after attempt number `attempt` (1 for the first) got `answer`.
///
/// A redirect is a failure like any other (the sender follows none: a `302` to loopback is
/// how an SSRF check is walked around), and `429` waits at least as long as its
/// `Retry-After` asks.
pub fn next(attempt: u32, answer: Answer, jitter: Jitter) -> Next {
    let retry_after = match answer {
        Answer::Status {
            code: 200..=299, ..
        } => return Next::Delivered,
        Answer::Status { code: 410, .. } => return Next::DisableEndpoint,
        Answer::Status {
            code: 429,
            retry_after,
        } => retry_after,
        Answer::Status { .. } | Answer::NoAnswer => None,
    };
    let Some(seconds) = usize::try_from(attempt)
        .ok()
        .and_then(|attempt| attempt.checked_sub(1))
        .and_then(|step| SCHEDULE_SECONDS.get(step))
    else {
        return Next::GiveUp;
    };
    let wait = jittered(Duration::seconds(*seconds), jitter);
    Next::RetryAfter(retry_after.map_or(wait, |asked| wait.max(asked)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Answer {
        Answer::Status {
            code,
            retry_after: None,
        }
    }

    #[test]
    fn the_schedule_runs_about_three_days_then_gives_up() {
        let mut total = Duration::zero();
        let mut attempt = 1;
        while let Next::RetryAfter(wait) = next(attempt, status(500), Jitter::NONE) {
            total += wait;
            attempt += 1;
        }
        assert_eq!(next(attempt, status(500), Jitter::NONE), Next::GiveUp);
        assert_eq!(attempt, 10, "ten attempts in all");
        assert!(
            total > Duration::days(3) && total < Duration::days(4),
            "{total}"
        );
        assert_eq!(
            next(1, Answer::NoAnswer, Jitter::NONE),
            Next::RetryAfter(Duration::seconds(5))
        );
        assert_eq!(next(0, Answer::NoAnswer, Jitter::NONE), Next::GiveUp);
    }

    #[test]
    fn jitter_spreads_a_wait_over_its_upper_half() {
        let shortest = next(3, status(503), Jitter::Fixed(0.0));
        let longest = next(3, status(503), Jitter::Fixed(1.0));
        assert_eq!(shortest, Next::RetryAfter(Duration::minutes(15)));
        assert_eq!(longest, Next::RetryAfter(Duration::minutes(30)));
    }

    #[test]
    fn answers_decide_delivered_disabled_and_retried() {
        assert_eq!(next(1, status(200), Jitter::NONE), Next::Delivered);
        assert_eq!(next(4, status(204), Jitter::NONE), Next::Delivered);
        assert_eq!(next(1, status(410), Jitter::NONE), Next::DisableEndpoint);
        // Redirects are not followed: a failed attempt.
        assert_eq!(
            next(1, status(302), Jitter::NONE),
            Next::RetryAfter(Duration::seconds(5))
        );
        assert_eq!(
            next(1, status(404), Jitter::NONE),
            Next::RetryAfter(Duration::seconds(5))
        );
    }

    #[test]
    fn too_many_requests_waits_at_least_its_retry_after() {
        let asked = Duration::minutes(10);
        assert_eq!(
            next(
                1,
                Answer::Status {
                    code: 429,
                    retry_after: Some(asked)
                },
                Jitter::NONE
            ),
            Next::RetryAfter(asked)
        );
        // A Retry-After shorter than the schedule's wait does not shorten it.
        assert_eq!(
            next(
                3,
                Answer::Status {
                    code: 429,
                    retry_after: Some(Duration::seconds(1))
                },
                Jitter::NONE
            ),
            Next::RetryAfter(Duration::minutes(30))
        );
    }
}
