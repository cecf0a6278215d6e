//! Running many remote calls with a concurrency limit, results in input order.
//!
//! Used by bulk refresh: a config may hold hundreds of keys and the clouds throttle bursts.
//! Invariants: at most `limit` futures are in flight; the result vector has one entry per input,
//! at the input's index; `progress(done, total)` is called once per completion, in completion
//! order, with `done` strictly increasing up to `total`.

use std::future::Future;

use futures_util::stream::{FuturesUnordered, StreamExt};

/// The default number of remote calls in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Runs `futures` with at most `limit` (min 1) in flight; returns their outputs in input order.
pub async fn run_bounded<I, Fut, T>(
    futures: I,
    limit: usize,
    mut progress: impl FnMut(usize, usize),
) -> Vec<T>
where
    I: IntoIterator<Item = Fut>,
    Fut: Future<Output = T>,
{
    let mut pending: Vec<(usize, Fut)> = futures.into_iter().enumerate().collect();
    let total = pending.len();
    // Pop from the back; reverse so inputs start in their original order.
    pending.reverse();
    let limit = limit.max(1);
    let mut results: Vec<Option<T>> = (0..total).map(|_| None).collect();
    let mut in_flight = FuturesUnordered::new();
    let mut done = 0;
    loop {
        while in_flight.len() < limit {
            match pending.pop() {
                Some((index, fut)) => in_flight.push(async move { (index, fut.await) }),
                None => break,
            }
        }
        match in_flight.next().await {
            Some((index, value)) => {
                results[index] = Some(value);
                done += 1;
                progress(done, total);
            }
            None => break,
        }
    }
    // Every index was filled exactly once above: each input was pushed and polled to completion.
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn keeps_order_and_limit() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let futs = (0..40u64).map(|i| {
            let in_flight = in_flight.clone();
            let peak = peak.clone();
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Later inputs finish sooner, so completion order differs from input order.
                tokio::time::sleep(Duration::from_millis(40 - i)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                i * 10
            }
        });
        let mut seen = Vec::new();
        let out = run_bounded(futs, 5, |done, total| seen.push((done, total))).await;
        assert_eq!(out, (0..40u64).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 5);
        assert_eq!(seen.len(), 40);
        assert_eq!(seen.last(), Some(&(40, 40)));
        assert!(seen.windows(2).all(|w| w[0].0 + 1 == w[1].0));
    }

    #[tokio::test]
    async fn empty_and_zero_limit() {
        let out: Vec<u8> =
            run_bounded(Vec::<std::future::Ready<u8>>::new(), 16, |_, _| panic!()).await;
        assert!(out.is_empty());
        let out = run_bounded((0..3).map(std::future::ready), 0, |_, _| {}).await;
        assert_eq!(out, [0, 1, 2]);
    }
}
