//! The identity provider's signing keys (a JWK Set), fetched on first use, kept for a while,
//! fetched again when a token names a key not seen yet. Fetches are spaced out, so tokens with
//! made-up key ids cannot turn the server into a load generator against the provider.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::AuthError;
use super::fetch;

/// One usable verification key.
pub(crate) struct Key {
    pub(crate) id: Option<String>,
    /// The algorithm the set pins the key to, if it does.
    pub(crate) algorithm: Option<Algorithm>,
    pub(crate) key: DecodingKey,
}

impl Key {
    /// Whether this key may verify a token with header `alg` and `kid`.
    pub(crate) fn fits(&self, algorithm: Algorithm, id: Option<&str>) -> bool {
        self.key.family() == algorithm.family()
            && self.algorithm.is_none_or(|pinned| pinned == algorithm)
            && id.is_none_or(|id| self.id.as_deref() == Some(id))
    }
}

/// The keys at a JWKS URL.
pub(crate) struct Jwks {
    url: String,
    client: reqwest::Client,
    ttl: Duration,
    min_interval: Duration,
    state: Mutex<State>,
    /// Held while fetching, so concurrent requests share one fetch.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    keys: Arc<[Key]>,
    fetched: Option<Instant>,
    attempted: Option<Instant>,
}

impl Jwks {
    pub(crate) fn new(url: String, ttl: Duration, min_interval: Duration) -> Self {
        Self {
            url,
            client: fetch::client(),
            ttl,
            min_interval,
            state: Mutex::default(),
            fetching: tokio::sync::Mutex::const_new(()),
        }
    }

    /// The current keys: fetched when none are held or they are older than the TTL.
    pub(crate) async fn keys(&self) -> Result<Arc<[Key]>, AuthError> {
        if let Some(keys) = self.fresh() {
            return Ok(keys);
        }
        let _fetching = self.fetching.lock().await;
        if let Some(keys) = self.fresh() {
            return Ok(keys);
        }
        let failed_recently = {
            let state = self.state();
            state.attempted != state.fetched && self.recent(state.attempted)
        };
        if failed_recently {
            return Err(self.unavailable("the last fetch failed moments ago"));
        }
        self.fetch().await
    }

    /// Fetches the keys again because a token named one that `seen` lacks, unless the set
    /// was fetched (or tried) less than the minimum interval ago; then `None`.
    pub(crate) async fn refresh(&self, seen: &Arc<[Key]>) -> Result<Option<Arc<[Key]>>, AuthError> {
        let _fetching = self.fetching.lock().await;
        {
            let state = self.state();
            if !Arc::ptr_eq(&state.keys, seen) {
                // Another request fetched while this one waited.
                return Ok(Some(state.keys.clone()));
            }
            if self.recent(state.attempted) {
                return Ok(None);
            }
        }
        self.fetch().await.map(Some)
    }

    fn fresh(&self) -> Option<Arc<[Key]>> {
        let state = self.state();
        let fresh = state.fetched.is_some_and(|at| at.elapsed() < self.ttl);
        fresh.then(|| state.keys.clone())
    }

    fn recent(&self, at: Option<Instant>) -> bool {
        at.is_some_and(|at| at.elapsed() < self.min_interval)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn fetch(&self) -> Result<Arc<[Key]>, AuthError> {
        let started = Instant::now();
        self.state().attempted = Some(started);
        let document = fetch::json_object(self.client.get(&self.url), &self.what()).await?;
        let set: JwkSet = serde_json::from_value(document.into())
            .map_err(|e| self.unavailable(&format!("not a JWK Set ({e})")))?;
        let keys: Arc<[Key]> = set.keys.iter().filter_map(usable).collect();
        tracing::info!(url = %self.url, keys = keys.len(), "fetched the JWKS");
        let mut state = self.state();
        state.keys = keys.clone();
        state.fetched = Some(started);
        Ok(keys)
    }

    fn what(&self) -> String {
        format!("JWKS {}", self.url)
    }

    fn unavailable(&self, problem: &str) -> AuthError {
        AuthError(format!("{}: {problem}", self.what()))
    }
}

/// A signing key of the set, or `None` for encryption keys and key types not supported.
fn usable(jwk: &Jwk) -> Option<Key> {
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return None;
    }
    // A key pinned to an algorithm we do not verify with (e.g. `RSA-OAEP`) is not a signing key.
    let algorithm = match jwk.common.key_algorithm {
        Some(pinned) => Some(Algorithm::try_from(pinned).ok()?),
        None => None,
    };
    let key = DecodingKey::from_jwk(jwk)
        .inspect_err(|e| tracing::debug!(kid = ?jwk.common.key_id, error = %e, "skipping a JWK"))
        .ok()?;
    Some(Key {
        id: jwk.common.key_id.clone(),
        algorithm,
        key,
    })
}
