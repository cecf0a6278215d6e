//! Bounded retries with exponential backoff and jitter, for throttling and transient errors.
//!
//! Invariants: an operation runs at most `max_attempts` times; only errors the classifier calls
//! retryable are retried; delays never exceed `max_delay` (a service's `Retry-After` is honoured
//! up to that cap). Tests use [`RetryPolicy::instant`], which never sleeps.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use super::error::ProviderError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first; at least 1.
    pub max_attempts: u32,
    /// Delay before the second attempt; doubled for each further attempt.
    pub base_delay: Duration,
    /// Upper bound of any single delay.
    pub max_delay: Duration,
    /// Randomize each delay within [delay/2, delay] so parallel callers spread out.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Retries without sleeping (tests).
    pub fn instant(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            jitter: false,
        }
    }

    /// No retries at all.
    pub fn none() -> Self {
        Self::instant(1)
    }

    /// The delay after failed attempt number `attempt` (1-based), before jitter and hints.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let delay = self.base_delay.saturating_mul(1u32 << exp);
        delay.min(self.max_delay)
    }

    fn delay_for(&self, attempt: u32, hint: Option<Duration>) -> Duration {
        let mut delay = self.backoff(attempt);
        if self.jitter && !delay.is_zero() {
            let half = delay / 2;
            let spread = half.as_nanos() as u64;
            let r = if spread == 0 {
                0
            } else {
                random_u64() % (spread + 1)
            };
            delay = half + Duration::from_nanos(r);
        }
        if let Some(hint) = hint {
            delay = delay.max(hint);
        }
        delay.min(self.max_delay)
    }
}

/// A fresh random number from the standard library's per-instance hash keys; good enough to
/// spread retry delays, and no dependency.
fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}

/// Runs `op` until it succeeds, fails with a non-retryable error, or attempts run out; returns
/// the last error then. `on_retry(attempt, &error, delay)` is called before each sleep (for
/// progress and logs).
pub async fn retry<T, F, Fut>(
    policy: &RetryPolicy,
    mut op: F,
    mut on_retry: impl FnMut(u32, &ProviderError, Duration),
) -> Result<T, ProviderError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let max = policy.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        match op(attempt).await {
            Ok(v) => return Ok(v),
            Err(e) if e.is_retryable() && attempt < max => {
                let delay = policy.delay_for(attempt, e.retry_after());
                on_retry(attempt, &e, delay);
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn throttled() -> ProviderError {
        ProviderError::Throttled {
            operation: "Encrypt".into(),
            message: "slow down".into(),
            retry_after: None,
        }
    }

    #[tokio::test]
    async fn retries_retryable_until_success() {
        let calls = Cell::new(0);
        let mut retries = Vec::new();
        let r = retry(
            &RetryPolicy::instant(5),
            |attempt| {
                calls.set(calls.get() + 1);
                async move {
                    if attempt < 3 {
                        Err(throttled())
                    } else {
                        Ok(attempt)
                    }
                }
            },
            |a, _, _| retries.push(a),
        )
        .await;
        assert_eq!(r, Ok(3));
        assert_eq!(calls.get(), 3);
        assert_eq!(retries, [1, 2]);
    }

    #[tokio::test]
    async fn stops_at_max_attempts() {
        let calls = Cell::new(0);
        let r: Result<(), _> = retry(
            &RetryPolicy::instant(4),
            |_| {
                calls.set(calls.get() + 1);
                async { Err(throttled()) }
            },
            |_, _, _| {},
        )
        .await;
        assert_eq!(r, Err(throttled()));
        assert_eq!(calls.get(), 4);
    }

    #[tokio::test]
    async fn does_not_retry_final_errors() {
        let calls = Cell::new(0);
        let r: Result<(), _> = retry(
            &RetryPolicy::instant(4),
            |_| {
                calls.set(calls.get() + 1);
                async { Err(ProviderError::not_found("DescribeKey", "k")) }
            },
            |_, _, _| {},
        )
        .await;
        assert!(r.unwrap_err().is_not_found());
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            jitter: false,
        };
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(4), Duration::from_millis(800));
        assert_eq!(p.backoff(5), Duration::from_secs(1));
        assert_eq!(p.backoff(40), Duration::from_secs(1));
        // Retry-After wins over the backoff, but not over the cap.
        assert_eq!(
            p.delay_for(1, Some(Duration::from_millis(500))),
            Duration::from_millis(500)
        );
        assert_eq!(
            p.delay_for(1, Some(Duration::from_secs(60))),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn jitter_stays_within_half_and_full() {
        let p = RetryPolicy {
            jitter: true,
            ..RetryPolicy::default()
        };
        for attempt in 1..6 {
            let full = p.backoff(attempt);
            for _ in 0..50 {
                let d = p.delay_for(attempt, None);
                assert!(d >= full / 2 && d <= full, "{d:?} vs {full:?}");
            }
        }
    }
}
