//! When the outbox tries again. A message that fails temporarily waits an exponentially
//! growing, jittered, capped time between attempts, for a lifetime (default five days, as SMTP
//! queues keep mail: RFC 5321 §4.5.4.1 asks for at least 4–5 days) after which it is given up
//! on. A paused outbox is probed by one sender at a time, with the same growing, jittered,
//! capped waits, so an outage is never a hot loop.

use chrono::{DateTime, Duration, Utc};

/// Where the randomness of the jitter comes from. The use case takes it from its settings, so
/// tests can make every wait exact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// Drawn from the thread's generator (rand, as ids are).
    Random,
    /// Always this share of the jittered half, 0.0 to 1.0 (1.0: the full exponential step).
    Fixed(f64),
}

impl Jitter {
    /// No jitter: every wait is the full exponential step.
    pub const NONE: Jitter = Jitter::Fixed(1.0);

    fn fraction(self) -> f64 {
        match self {
            Jitter::Random => rand::random::<f64>(),
            Jitter::Fixed(fraction) if fraction.is_finite() => fraction.clamp(0.0, 1.0),
            Jitter::Fixed(_) => 1.0,
        }
    }
}

/// `base * 2^step`, capped at `cap` (and never negative).
pub fn exponential(base: Duration, step: u32, cap: Duration) -> Duration {
    let factor = 1i32.checked_shl(step.min(20)).unwrap_or(i32::MAX);
    base.checked_mul(factor)
        .unwrap_or(cap)
        .min(cap)
        .max(Duration::zero())
}

/// "Equal jitter": half of `wait` is kept and the other half scaled by the jitter, so senders
/// that failed together (a fan-out of 500 meeting SES throttling) spread out instead of coming
/// back at once, and no wait is ever shorter than half its step (no hot retry).
pub fn jittered(wait: Duration, jitter: Jitter) -> Duration {
    let kept = wait / 2;
    let spread = (wait - kept).num_milliseconds() as f64 * jitter.fraction();
    kept + Duration::milliseconds(spread.round() as i64)
}

/// When a message that has now failed `attempts` times (temporarily) is tried again, or
/// `None` if its lifetime, counted from `since`, is over: then it fails for good. The last
/// retry is moved up to the end of the lifetime, so a message is always tried once more at
/// its end rather than given up on early.
pub fn next_attempt(
    base: Duration,
    cap: Duration,
    lifetime: Duration,
    jitter: Jitter,
    attempts: u32,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let deadline = since + lifetime;
    if now >= deadline {
        return None;
    }
    let wait = jittered(exponential(base, attempts.saturating_sub(1), cap), jitter);
    Some((now + wait).min(deadline))
}

/// A length of time as the settings take it: a whole number and a unit, `s`, `m`, `h` or
/// `d` (`90s`, `10m`, `1h`, `5d`). Written here because the few lines beat a dependency for
/// two settings; it refuses zero, negative, fractional and unit-less text.
pub fn parse_span(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit: write e.g. 90s, 10m, 1h or 5d"))?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a whole number"))?;
    let span = match unit {
        "s" => Duration::try_seconds(number),
        "m" => Duration::try_minutes(number),
        "h" => Duration::try_hours(number),
        "d" => Duration::try_days(number),
        _ => return Err(format!("`{text}`: the unit must be s, m, h or d")),
    }
    .ok_or_else(|| format!("`{text}` is too long"))?;
    if span <= Duration::zero() {
        return Err(format!("`{text}` must be longer than zero"));
    }
    Ok(span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
            .single()
            .unwrap_or_default()
            + Duration::seconds(seconds)
    }

    #[test]
    fn waits_double_from_the_base_up_to_the_cap() {
        let (base, cap) = (Duration::seconds(5), Duration::hours(1));
        let waits: Vec<i64> = (0..12)
            .map(|step| exponential(base, step, cap).num_seconds())
            .collect();
        assert_eq!(
            waits,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        assert_eq!(exponential(base, u32::MAX, cap), cap, "no overflow");
    }

    #[test]
    fn jitter_keeps_half_the_wait_and_spreads_the_other_half() {
        let wait = Duration::seconds(60);
        assert_eq!(jittered(wait, Jitter::Fixed(0.0)), Duration::seconds(30));
        assert_eq!(jittered(wait, Jitter::Fixed(0.5)), Duration::seconds(45));
        assert_eq!(jittered(wait, Jitter::NONE), wait);
        assert_eq!(jittered(wait, Jitter::Fixed(7.0)), wait, "clamped");
        assert_eq!(jittered(wait, Jitter::Fixed(f64::NAN)), wait);
        for _ in 0..200 {
            let drawn = jittered(wait, Jitter::Random);
            assert!(drawn >= Duration::seconds(30) && drawn <= wait, "{drawn:?}");
        }
    }

    #[test]
    fn random_jitter_spreads_senders_that_failed_together() {
        let waits: std::collections::HashSet<i64> = (0..50)
            .map(|_| jittered(Duration::minutes(10), Jitter::Random).num_milliseconds())
            .collect();
        assert!(waits.len() > 10, "{waits:?}");
    }

    #[test]
    fn a_message_is_retried_until_its_lifetime_ends_and_once_at_its_end() {
        let (base, cap, life) = (Duration::seconds(5), Duration::hours(1), Duration::hours(3));
        let next =
            |attempts, now| next_attempt(base, cap, life, Jitter::NONE, attempts, at(0), now);
        assert_eq!(next(1, at(0)), Some(at(5)));
        assert_eq!(next(2, at(5)), Some(at(15)));
        assert_eq!(next(12, at(3_000)), Some(at(6_600)), "capped at an hour");
        // The wait would pass the end: the last try is at the end itself.
        assert_eq!(next(12, at(9_000)), Some(at(10_800)));
        assert_eq!(next(13, at(10_800)), None, "over: fail for good");
        assert_eq!(next(1, at(20_000)), None);
        // With jitter, never sooner than half the step.
        let jittered = next_attempt(base, cap, life, Jitter::Fixed(0.0), 3, at(0), at(100));
        assert_eq!(jittered, Some(at(110)));
    }

    #[test]
    fn spans_have_a_whole_number_and_a_unit() {
        assert_eq!(parse_span("90s"), Ok(Duration::seconds(90)));
        assert_eq!(parse_span("10m"), Ok(Duration::minutes(10)));
        assert_eq!(parse_span(" 1h "), Ok(Duration::hours(1)));
        assert_eq!(parse_span("5d"), Ok(Duration::days(5)));
        for bad in [
            "",
            "5",
            "d",
            "0s",
            "-1h",
            "1.5h",
            "3w",
            "1hh",
            "99999999999999999999d",
        ] {
            assert!(parse_span(bad).is_err(), "{bad:?}");
        }
    }
}
