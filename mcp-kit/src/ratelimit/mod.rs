//! Rate limits per principal and tool, with the generic cell rate algorithm: `calls` per
//! `per`, a burst of up to `calls`, no fixed-window edge bursts.

mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::time::Duration;

use futures_util::future::BoxFuture;

pub use memory::InMemory;
#[cfg(feature = "redis")]
pub use redis::Redis;

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

    /// The time one call takes up.
    pub fn interval(&self) -> Duration {
        self.per / self.calls.max(1)
    }
}

/// Why a call was not admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Over the limit: the next call fits after this long.
    Wait(Duration),
    /// The counts cannot be reached; the detail is logged, not sent.
    Unavailable(String),
}

/// Counts calls.
pub trait RateLimiter: Send + Sync + 'static {
    /// Takes one call for `key` at `rate`, or says why not.
    fn acquire<'a>(&'a self, key: &'a str, rate: Rate) -> BoxFuture<'a, Result<(), Refusal>>;
}
