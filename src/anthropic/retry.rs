//! Bounded retries with exponential backoff and jitter for the Admin API client.
//!
//! Invariants: at most `max_attempts` requests per call; the delay before retry *n* is
//! `initial_backoff * 2^(n-1)` capped at `max_backoff`, scaled by a random factor in [0.5, 1.0]
//! (so concurrent callers spread out); a server `retry-after` is never undercut, and a call gives
//! up rather than wait longer than `max_retry_after`.

use std::time::Duration;

/// How a client retries throttling (429), server errors (5xx) and connection failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = no retries).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `retry-after` the client is willing to honour; longer asks end the call.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: one attempt per call.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Retries with millisecond delays, for tests.
    pub fn fast(max_attempts: u32) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(2),
        }
    }

    /// The delay before the attempt after `failed_attempt` (1-based), without a `retry-after`.
    pub fn backoff(&self, failed_attempt: u32) -> Duration {
        let exponent = failed_attempt.saturating_sub(1).min(20);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let factor: f64 = rand::random_range(0.5..=1.0);
        base.mul_f64(factor)
    }

    /// The delay before the next attempt, honouring a server `retry-after`. `None` means: give up
    /// now, because the server asked for a longer wait than `max_retry_after`.
    pub fn delay(&self, failed_attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(failed_attempt)),
        }
    }
}

/// Parses a `retry-after` header given in seconds (the form the Admin API sends). HTTP dates are
/// not used by the API and fall back to the computed backoff.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let trimmed = value.trim();
    if let Ok(secs) = trimmed.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    trimmed
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 86_400.0)
        .map(Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(5),
        };
        for attempt in 1..=10 {
            let d = p.backoff(attempt);
            let full = Duration::from_millis(100 * (1u64 << (attempt - 1)))
                .min(Duration::from_millis(1000));
            assert!(d <= full && d >= full / 2, "attempt {attempt}: {d:?}");
        }
    }

    #[test]
    fn retry_after_is_respected_and_bounded() {
        let p = RetryPolicy::fast(3);
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1))
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(3))), None);
        assert!(p.delay(1, None).is_some());
    }

    #[test]
    fn parses_retry_after_seconds() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
