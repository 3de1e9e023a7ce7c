//! Rate limits per principal and tool (the seed's `WRITE_RATE_LIMIT`), with the generic cell
//! rate algorithm: `calls` per `per`, a burst of up to `calls`, no fixed-window edge bursts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

/// `calls` calls per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Calls allowed in a window.
    pub calls: u32,
    /// The window.
    pub per: Duration,
}

impl Rate {
    /// `calls` per `seconds` seconds.
    pub const fn per_seconds(calls: u32, seconds: u64) -> Self {
        Self {
            calls,
            per: Duration::from_secs(seconds),
        }
    }

    fn interval(&self) -> Duration {
        self.per / self.calls.max(1)
    }
}

/// Counts calls. `Err` carries how long to wait.
pub trait RateLimiter: Send + Sync + 'static {
    /// Takes one call for `key` at `rate`, or says how long until one is free.
    fn acquire<'a>(&'a self, key: &'a str, rate: Rate) -> BoxFuture<'a, Result<(), Duration>>;
}

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
    fn acquire<'a>(&'a self, key: &'a str, rate: Rate) -> BoxFuture<'a, Result<(), Duration>> {
        let result = self.acquire_at(key, rate, Instant::now());
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
