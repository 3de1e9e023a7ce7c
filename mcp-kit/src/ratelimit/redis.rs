//! Counts kept in Redis, so every replica behind a load balancer shares one limit. The cell
//! rate algorithm runs in one Lua script on Redis's own clock: atomic, and immune to skew
//! between the replicas' clocks.

use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use super::{Rate, RateLimiter, Refusal};

/// `KEYS[1]`: the cell. `ARGV`: the interval and the window, in microseconds. Returns 0 when
/// the call fits, else the microseconds until it would.
const GCRA: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next = tat + interval
if next > now + window then return next - (now + window) end
redis.call('SET', KEYS[1], next, 'PX', math.ceil((next - now) / 1000))
return 0
";

/// Counts in a Redis server.
pub struct Redis {
    client: redis::Client,
    /// Made on first use, so a server starts while Redis is still coming up; it reconnects
    /// by itself after.
    connection: OnceCell<ConnectionManager>,
    script: Script,
    prefix: String,
}

impl Redis {
    /// Counts at `url` (`redis://host:port/db`), under keys starting `mcp-kit:ratelimit:`.
    /// Connects on first use.
    pub fn new(url: &str) -> Result<Self, String> {
        let client =
            redis::Client::open(url).map_err(|e| format!("`{url}` is not a Redis URL: {e}"))?;
        Ok(Self {
            client,
            connection: OnceCell::new(),
            script: Script::new(GCRA),
            prefix: "mcp-kit:ratelimit:".into(),
        })
    }

    async fn take(&self, key: &str, rate: Rate) -> Result<(), Refusal> {
        let unavailable = |e: redis::RedisError| Refusal::Unavailable(format!("Redis: {e}"));
        let mut connection = self
            .connection
            .get_or_try_init(|| {
                // A call waits at most about a second for Redis, never minutes of retries.
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(Duration::from_millis(500)))
                    .set_response_timeout(Some(Duration::from_millis(500)))
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await
            .map_err(unavailable)?
            .clone();
        let wait: u64 = self
            .script
            .key(format!("{}{key}", self.prefix))
            .arg(micros(rate.interval()))
            .arg(micros(rate.per))
            .invoke_async(&mut connection)
            .await
            .map_err(unavailable)?;
        match wait {
            0 => Ok(()),
            wait => Err(Refusal::Wait(Duration::from_micros(wait))),
        }
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

impl RateLimiter for Redis {
    fn acquire<'a>(&'a self, key: &'a str, rate: Rate) -> BoxFuture<'a, Result<(), Refusal>> {
        Box::pin(self.take(key, rate))
    }
}
