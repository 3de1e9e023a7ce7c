//! Verdicts on tokens, kept briefly by the token's SHA-256 (never the token itself), so a
//! client sending the same token on every request pays for one check, not one per request.
//! Refusals are kept apart, fewer and shorter, so a flood of made-up tokens can neither push
//! out the verdicts of real ones nor grow the cache; a full table drops the least recently
//! used verdict, never all of them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::Principal;
use crate::lock::lock;

/// The most acceptances kept; past it, expired ones go, then the least recently used.
const MAX_ENTRIES: usize = 10_000;

/// The most refusals kept, and for how long at most.
const MAX_REFUSALS: usize = 1_000;
const REFUSAL_TTL: Duration = Duration::from_secs(30);

/// A token's SHA-256: the cache's key.
pub(crate) type TokenDigest = [u8; 32];

pub(crate) fn digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

/// Seconds since the Unix epoch, the unit of `exp` and `nbf`.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// When a verdict on a token expiring at `exp` stops holding: at `exp` (when known) and at
/// most `cap` from now.
pub(crate) fn held_until(exp: Option<u64>, cap: Duration) -> Instant {
    let left = exp.map_or(cap, |exp| {
        Duration::from_secs(exp.saturating_sub(unix_now()))
    });
    Instant::now() + left.min(cap)
}

/// Verdicts: acceptances and refusals, apart.
#[derive(Default)]
pub(crate) struct TokenCache {
    accepted: Mutex<Verdicts<Principal>>,
    refused: Mutex<Verdicts<()>>,
}

/// Verdicts by token digest: what, until when, and when last used.
struct Verdicts<T> {
    entries: HashMap<TokenDigest, (T, Instant, Instant)>,
}

impl<T> Default for Verdicts<T> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
        }
    }
}

impl<T: Clone> Verdicts<T> {
    fn get(&mut self, digest: &TokenDigest) -> Option<T> {
        let now = Instant::now();
        let (verdict, until, used) = self.entries.get_mut(digest)?;
        if *until <= now {
            return None;
        }
        *used = now;
        Some(verdict.clone())
    }

    fn insert(&mut self, digest: TokenDigest, verdict: T, until: Instant, max: usize) {
        let now = Instant::now();
        if self.entries.len() >= max && !self.entries.contains_key(&digest) {
            self.entries.retain(|_, (_, until, _)| *until > now);
            if self.entries.len() >= max {
                let least_recent = self
                    .entries
                    .iter()
                    .min_by_key(|(_, (_, _, used))| *used)
                    .map(|(digest, _)| *digest);
                if let Some(least_recent) = least_recent {
                    self.entries.remove(&least_recent);
                }
            }
        }
        self.entries.insert(digest, (verdict, until, now));
    }
}

impl TokenCache {
    /// The verdict on `digest` (`Some(None)`: refused), if one is held and still good.
    pub(crate) fn get(&self, digest: &TokenDigest) -> Option<Option<Principal>> {
        if let Some(principal) = lock(&self.accepted).get(digest) {
            return Some(Some(principal));
        }
        lock(&self.refused).get(digest).map(|()| None)
    }

    /// The principal of a signed token: the one held for it, or else what `verify` finds,
    /// held until the token's `exp` and at most `recheck`. Refusals are not held.
    pub(crate) async fn signed<E>(
        &self,
        token: &str,
        recheck: Duration,
        verify: impl Future<Output = Result<Option<Principal>, E>>,
    ) -> Result<Option<Principal>, E> {
        let digest = digest(token);
        if let Some(Some(principal)) = self.get(&digest) {
            return Ok(Some(principal));
        }
        let principal = verify.await?;
        if let Some(principal) = &principal {
            // Signed tokens are accepted only with an `exp`.
            let exp = principal
                .claims
                .get("exp")
                .and_then(serde_json::Value::as_u64);
            let until = held_until(Some(exp.unwrap_or(0)), recheck);
            self.insert(digest, Some(principal.clone()), until);
        }
        Ok(principal)
    }

    /// Holds `verdict` on `digest` until `until` (a refusal, at most [`REFUSAL_TTL`]).
    pub(crate) fn insert(&self, digest: TokenDigest, verdict: Option<Principal>, until: Instant) {
        match verdict {
            Some(principal) => lock(&self.accepted).insert(digest, principal, until, MAX_ENTRIES),
            None => {
                let until = until.min(Instant::now() + REFUSAL_TTL);
                lock(&self.refused).insert(digest, (), until, MAX_REFUSALS);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_kept_apart_and_cannot_push_out_an_accepted_token() {
        let cache = TokenCache::default();
        let later = Instant::now() + Duration::from_secs(300);
        let good = digest("good-token");
        cache.insert(good, Some(Principal::new("carol")), later);
        // 100,000 distinct bad tokens, ten times the table's bound.
        for n in 0..100_000 {
            cache.insert(digest(&format!("bad-{n}")), None, later);
        }
        assert_eq!(
            cache.get(&good).flatten().map(|p| p.subject),
            Some("carol".to_owned())
        );
        assert_eq!(lock(&cache.refused).entries.len(), MAX_REFUSALS);
        assert_eq!(lock(&cache.accepted).entries.len(), 1);
    }
}
