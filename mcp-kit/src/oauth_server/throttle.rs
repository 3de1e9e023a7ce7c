//! Limits on password guessing: a username with too many recent failures is refused for a
//! while, and only a few password hashes are computed at once, so sign-in attempts cannot
//! take the server's memory or cores.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

/// Failures allowed per username within [`WINDOW`].
const FAILURES: u32 = 10;
/// How long failures count, and how long a username stays refused after too many.
const WINDOW: Duration = Duration::from_secs(300);
/// The most usernames tracked; past it, the oldest entries go.
const TRACKED: usize = 10_000;

/// Failed sign-ins by username, and the hashing slots.
pub(crate) struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
    hashing: Semaphore,
}

impl Throttle {
    pub(crate) fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            failures: Mutex::default(),
            hashing: Semaphore::new(cores),
        }
    }

    /// `Err(seconds to wait)` when `username` failed too often lately.
    pub(crate) fn check(&self, username: &str) -> Result<(), u64> {
        let failures = self.lock();
        match failures.get(username) {
            Some((count, since)) if *count >= FAILURES && since.elapsed() < WINDOW => {
                Err((WINDOW - since.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed sign-in for `username`.
    pub(crate) fn failed(&self, username: &str) {
        let mut failures = self.lock();
        if failures.len() >= TRACKED {
            failures.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        if failures.len() >= TRACKED {
            failures.clear();
        }
        let entry = failures
            .entry(username.to_owned())
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    /// Forgets the failures of `username`, once it signed in.
    pub(crate) fn succeeded(&self, username: &str) {
        self.lock().remove(username);
    }

    /// A slot to hash a password in; waits while all are taken.
    pub(crate) async fn hashing(&self) -> SemaphorePermit<'_> {
        self.hashing
            .acquire()
            .await
            .expect("the semaphore is never closed")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_refused_after_too_many_failures() {
        let throttle = Throttle::new();
        for _ in 0..FAILURES - 1 {
            throttle.failed("alice");
        }
        assert!(throttle.check("alice").is_ok());
        throttle.failed("alice");
        let wait = throttle.check("alice").expect_err("refused");
        assert!(wait > 0 && wait <= WINDOW.as_secs());
        assert!(
            throttle.check("bob").is_ok(),
            "other users are not affected"
        );
        throttle.succeeded("alice");
        assert!(throttle.check("alice").is_ok());
    }
}
