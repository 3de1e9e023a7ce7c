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

    /// Counts a sign-in attempt for `username` before its password is checked, so attempts
    /// in flight together count too; `Err(seconds to wait)` when it failed too often lately.
    /// The attempt stays counted as a failure unless [`Attempt::succeeded`] says otherwise.
    pub(crate) fn reserve(&self, username: &str) -> Result<Attempt<'_>, u64> {
        let mut failures = self.lock();
        let now = Instant::now();
        if let Some(entry) = failures.get_mut(username)
            && now.duration_since(entry.1) >= WINDOW
        {
            *entry = (0, now);
        }
        if let Some((count, since)) = failures.get(username)
            && *count >= FAILURES
        {
            return Err((WINDOW - now.duration_since(*since)).as_secs().max(1));
        }
        if !failures.contains_key(username) && failures.len() >= TRACKED {
            make_room(&mut failures, now);
        }
        failures.entry(username.to_owned()).or_insert((0, now)).0 += 1;
        Ok(Attempt {
            throttle: self,
            username: username.to_owned(),
        })
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

/// One sign-in attempt, counted as a failure until it succeeds.
pub(crate) struct Attempt<'a> {
    throttle: &'a Throttle,
    username: String,
}

impl Attempt<'_> {
    /// The password was right: the username's failures are forgotten.
    pub(crate) fn succeeded(self) {
        self.throttle.lock().remove(&self.username);
    }

    /// The password could not be checked (the database failed): not a guess.
    pub(crate) fn uncounted(self) {
        if let Some(entry) = self.throttle.lock().get_mut(&self.username) {
            entry.0 = entry.0.saturating_sub(1);
        }
    }
}

/// Frees one place: the expired entries go, else the oldest that is not locked out (the
/// oldest locked-out one only when all are), never all of them, so a flood of new usernames
/// cannot lift a lockout that is still running.
fn make_room(failures: &mut HashMap<String, (u32, Instant)>, now: Instant) {
    failures.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
    if failures.len() < TRACKED {
        return;
    }
    let oldest = failures
        .iter()
        .min_by_key(|(_, (count, since))| (*count >= FAILURES, *since))
        .map(|(username, _)| username.clone());
    if let Some(oldest) = oldest {
        failures.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_refused_after_too_many_failures() {
        let throttle = Throttle::new();
        for _ in 0..FAILURES {
            drop(throttle.reserve("alice").expect("allowed"));
        }
        let wait = throttle.reserve("alice").err().expect("refused");
        assert!(wait > 0 && wait <= WINDOW.as_secs());
        let bob = throttle
            .reserve("bob")
            .expect("other users are not affected");
        bob.succeeded();
    }

    #[test]
    fn attempts_in_flight_count_and_a_success_forgets_the_failures() {
        let throttle = Throttle::new();
        let in_flight: Vec<_> = (0..FAILURES)
            .map(|_| throttle.reserve("alice").expect("allowed"))
            .collect();
        assert!(
            throttle.reserve("alice").is_err(),
            "in-flight attempts count"
        );
        let mut in_flight = in_flight.into_iter();
        in_flight.next().expect("one").succeeded();
        assert!(throttle.reserve("alice").is_ok());
    }

    #[test]
    fn a_flood_of_usernames_does_not_lift_a_running_lockout() {
        let throttle = Throttle::new();
        for _ in 0..FAILURES {
            drop(throttle.reserve("alice").expect("allowed"));
        }
        for n in 0..TRACKED + 10 {
            drop(throttle.reserve(&format!("user{n}")).expect("allowed"));
        }
        assert!(throttle.lock().len() <= TRACKED);
        assert!(
            throttle.reserve("alice").is_err(),
            "alice is still locked out"
        );
    }
}
