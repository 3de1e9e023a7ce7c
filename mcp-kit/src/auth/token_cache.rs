//! Verdicts on tokens, kept briefly by the token's SHA-256 (never the token itself), so a
//! client sending the same token on every request pays for one check, not one per request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::Principal;

/// The most verdicts kept; past it, expired ones are dropped, then all.
const MAX_ENTRIES: usize = 10_000;

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

/// Verdicts (`None`: refused) and when each stops holding.
#[derive(Default)]
pub(crate) struct TokenCache {
    entries: Mutex<HashMap<TokenDigest, (Option<Principal>, Instant)>>,
}

impl TokenCache {
    /// The verdict on `digest`, if one is held and still good.
    pub(crate) fn get(&self, digest: &TokenDigest) -> Option<Option<Principal>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (verdict, until) = entries.get(digest)?;
        (*until > Instant::now()).then(|| verdict.clone())
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

    /// Holds `verdict` on `digest` until `until`.
    pub(crate) fn insert(&self, digest: TokenDigest, verdict: Option<Principal>, until: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let now = Instant::now();
            entries.retain(|_, (_, until)| *until > now);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(digest, (verdict, until));
    }
}
