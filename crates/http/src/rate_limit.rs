//! In-memory token buckets for the forms that write: per client address and per event. They
//! live in one process (the local server, or one Lambda instance), which is enough to blunt a
//! script; they are not a quota.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before idle (full) ones are dropped.
const PRUNE_AT: usize = 10_000;
/// Above this many busy buckets new keys share one overflow bucket, so memory stays bounded.
const HARD_CAP: usize = 100_000;
const OVERFLOW_KEY: &str = "(overflow)";

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Up to `capacity` requests at once, refilled at `capacity` per `window`.
#[derive(Debug)]
pub struct Limiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    pub fn new(capacity: u32, window: Duration) -> Limiter {
        let capacity = f64::from(capacity.max(1));
        Limiter {
            capacity,
            per_second: capacity / window.as_secs_f64().max(0.001),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long until one is available.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else {
            // A panic elsewhere poisoned the map: fail open rather than refuse everyone.
            return Ok(());
        };
        if buckets.len() >= PRUNE_AT && !buckets.contains_key(key) {
            let (capacity, rate) = (self.capacity, self.per_second);
            buckets.retain(|_, b| refilled(b, now, capacity, rate) < capacity);
        }
        let key = if buckets.len() >= HARD_CAP && !buckets.contains_key(key) {
            OVERFLOW_KEY
        } else {
            key
        };
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: self.capacity,
            updated: now,
        });
        bucket.tokens = refilled(bucket, now, self.capacity, self.per_second);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

fn refilled(bucket: &Bucket, now: Instant, capacity: f64, per_second: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * per_second).min(capacity)
}

/// The limits the RSVP and answer forms share.
#[derive(Debug)]
pub struct RateLimits {
    /// Per client address (an IPv6 client by its /64).
    pub per_client: Limiter,
    /// Per event, whoever writes.
    pub per_event: Limiter,
    /// Sign-in link requests per email address: 3 in 10 minutes.
    pub per_address: Limiter,
}

impl RateLimits {
    /// `per_client` and `per_event` requests per minute.
    pub fn per_minute(per_client: u32, per_event: u32) -> RateLimits {
        RateLimits {
            per_client: Limiter::new(per_client, Duration::from_secs(60)),
            per_event: Limiter::new(per_event, Duration::from_secs(60)),
            per_address: Limiter::new(3, Duration::from_secs(600)),
        }
    }
}

impl Default for RateLimits {
    /// 10 RSVPs a minute from one client, 120 a minute for one event.
    fn default() -> Self {
        RateLimits::per_minute(10, 120)
    }
}

/// The bucket a client address falls into: an IPv4 address, or the /64 of an IPv6 one (one
/// subscriber usually holds a whole /64).
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Seconds for a `Retry-After` header, at least 1.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_request_in_a_minute_waits() {
        let limiter = Limiter::new(10, Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..10 {
            assert_eq!(limiter.check("a", now), Ok(()));
        }
        let wait = limiter.check("a", now).err();
        assert_eq!(wait.map(retry_after_seconds), Some(6));
        assert_eq!(limiter.check("b", now), Ok(()), "another client");
        assert_eq!(limiter.check("a", now + Duration::from_secs(6)), Ok(()));
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap_or(IpAddr::from([0; 4]));
        let b: IpAddr = "2001:db8:1:2:ffff::9"
            .parse()
            .unwrap_or(IpAddr::from([0; 4]));
        assert_eq!(client_key(a), client_key(b));
        assert_eq!(client_key(a), "2001:db8:1:2::/64");
    }
}
