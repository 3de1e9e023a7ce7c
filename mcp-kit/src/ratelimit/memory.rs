//! Counts kept in this process's memory: the default, right for one replica.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use super::{Rate, RateLimiter, Refusal};

/// Counts in this process's memory.
#[derive(Debug, Default)]
pub struct InMemory {
    /// Per key, the theoretical arrival time of the next call.
    cells: Mutex<HashMap<String, Instant>>,
}

impl InMemory {
    fn acquire_at(&self, key: &str, rate: Rate, now: Instant) -> Result<(), Duration> {
        let mut cells = self
            .cells
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cells.len() > 100_000 {
            cells.retain(|_, tat| *tat > now);
        }
        let tat = cells.get(key).copied().unwrap_or(now).max(now);
        let next = tat + rate.interval();
        if next > now + rate.per {
            return Err(next - (now + rate.per));
        }
        cells.insert(key.to_owned(), next);
        Ok(())
    }
}

impl RateLimiter for InMemory {
    fn acquire<'a>(&'a self, key: &'a str, rate: Rate) -> BoxFuture<'a, Result<(), Refusal>> {
        let result = self
            .acquire_at(key, rate, Instant::now())
            .map_err(Refusal::Wait);
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_spaces_calls() {
        let limiter = InMemory::default();
        let rate = Rate::per_seconds(3, 60);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.acquire_at("alice/add", rate, t0).is_ok());
        }
        let wait = limiter.acquire_at("alice/add", rate, t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        // Another key has its own count.
        assert!(limiter.acquire_at("bob/add", rate, t0).is_ok());
        // One interval later, one more call fits.
        assert!(
            limiter
                .acquire_at("alice/add", rate, t0 + Duration::from_secs(20))
                .is_ok()
        );
        assert!(
            limiter
                .acquire_at("alice/add", rate, t0 + Duration::from_secs(20))
                .is_err()
        );
    }
}
