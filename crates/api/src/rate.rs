//! Rate limits per API key (`serve --rate-limit`): a token bucket per key, refilled at the limit's
//! rate up to its burst. A request beyond it is a 429 with `Retry-After`, before anything is read or
//! written. Counted per process: behind a load balancer with several processes, each allows the limit.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    extract::Request, http::StatusCode, middleware::Next, response::IntoResponse,
    response::Response,
};

use crate::{Problem, auth};

/// The limit: `per_second` requests a second on average per key, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests a second, on average.
    pub per_second: u32,
    /// Requests at once (the bucket's size).
    pub burst: u32,
}

/// Keys idle this long are forgotten (their bucket is full again anyway).
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Buckets kept before idle ones are swept.
const SWEEP_ABOVE: usize = 10_000;

/// The buckets of the keys seen, kept as each key's theoretical arrival time (the generic cell rate
/// algorithm, in whole nanoseconds: a request is allowed while its key's time is at most `burst - 1`
/// intervals ahead of now, and moves it one interval on).
#[derive(Debug, Default)]
pub struct RateLimits {
    limit: Option<RateLimit>,
    buckets: Mutex<HashMap<[u8; 32], Instant>>,
}

impl RateLimits {
    /// Limits every key to `limit`.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit: Some(limit),
            buckets: Mutex::default(),
        }
    }

    /// Takes one request of `key`'s: None if allowed, else how long until one more is.
    fn take(&self, key: [u8; 32]) -> Option<Duration> {
        let limit = self.limit?;
        let interval = Duration::from_nanos(1_000_000_000 / u64::from(limit.per_second.max(1)));
        let tolerance = interval.saturating_mul(limit.burst.max(1) - 1);
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|_, due| now.saturating_duration_since(*due) < FORGET_AFTER);
        }
        let due = buckets.entry(key).or_insert(now);
        let from = (*due).max(now);
        let ahead = from - now;
        if ahead > tolerance {
            return Some(ahead - tolerance);
        }
        *due = from + interval;
        None
    }

    /// The middleware: a request carrying a key beyond its limit is a 429 with `Retry-After` (whole
    /// seconds, at least 1); requests without a key are left to the key check (401).
    pub(crate) async fn layer(limits: Arc<RateLimits>, request: Request, next: Next) -> Response {
        if limits.limit.is_some()
            && let Some(key) = auth::bearer_key(request.headers())
            && let Some(wait) = limits.take(auth::hash_api_key(key))
        {
            let seconds = u32::try_from(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
                .unwrap_or(u32::MAX)
                .max(1);
            return Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "this API key sent more than its limit ({} a second, {} at once): try again in {seconds} s",
                    limits.limit.map_or(0, |l| l.per_second),
                    limits.limit.map_or(0, |l| l.burst)
                ),
            )
            .retry_after(seconds)
            .into_response();
        }
        next.run(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let limits = RateLimits::new(RateLimit {
            per_second: 10,
            burst: 3,
        });
        let (a, b) = ([1u8; 32], [2u8; 32]);
        for _ in 0..3 {
            assert_eq!(limits.take(a), None);
        }
        let wait = limits.take(a).expect("beyond the burst");
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        // Another key has its own bucket.
        assert_eq!(limits.take(b), None);
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(limits.take(a), None, "one refilled after 100 ms");
        assert!(limits.take(a).is_some());
        // No limit: everything passes.
        let none = RateLimits::default();
        for _ in 0..100 {
            assert_eq!(none.take(a), None);
        }
    }
}
