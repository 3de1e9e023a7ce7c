//! Opaque access tokens checked by asking the authorization server (RFC 7662), with answers
//! kept briefly so a busy client does not cost one round trip per request. Look-ups of one
//! token in flight together share one request, and only so many run at once, so anonymous
//! traffic cannot turn into a flood on the identity provider.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OnceCell, Semaphore};

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::token_cache::{TokenCache, TokenDigest, digest, held_until, unix_now};

/// Introspection requests in flight at most; more wait for a slot.
const MAX_IN_FLIGHT: usize = 16;

/// A look-up in flight, which later callers for the same token wait on.
type Pending = Arc<OnceCell<Result<Option<Principal>, String>>>;
use super::{AuthError, Authenticator, Principal, claims, fetch};

/// What an [`Introspection`] authenticator asks and accepts.
#[derive(Clone)]
pub struct IntrospectionConfig {
    /// The introspection endpoint.
    pub url: String,
    /// This server's client id at the authorization server, for HTTP Basic authentication.
    pub client_id: Option<String>,
    /// Its secret.
    pub client_secret: Option<String>,
    /// The `iss` an answer must carry, when it carries one.
    pub issuer: Option<String>,
    /// The `aud` an answer must include: this server's resource URL.
    pub audience: String,
    /// How long an answer is kept (never past the token's `exp`).
    pub cache_ttl: Duration,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
}

impl std::fmt::Debug for IntrospectionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionConfig")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "…"))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("cache_ttl", &self.cache_ttl)
            .finish()
    }
}

/// Checks tokens at an RFC 7662 introspection endpoint.
pub struct Introspection {
    config: IntrospectionConfig,
    client: reqwest::Client,
    cache: TokenCache,
    pending: Mutex<HashMap<TokenDigest, Pending>>,
    slots: Semaphore,
}

impl Introspection {
    /// An authenticator asking `config.url`.
    pub fn new(config: IntrospectionConfig) -> Self {
        Self {
            config,
            client: fetch::client(),
            cache: TokenCache::default(),
            pending: Mutex::default(),
            slots: Semaphore::new(MAX_IN_FLIGHT),
        }
    }

    async fn check(&self, token: &str) -> Result<Option<Principal>, AuthError> {
        let digest = digest(token);
        if let Some(verdict) = self.cache.get(&digest) {
            return Ok(verdict);
        }
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(digest)
            .or_default()
            .clone();
        let verdict = pending
            .get_or_init(|| async {
                let _slot = self.slots.acquire().await.expect("never closed");
                self.ask(token, digest).await.map_err(|e| e.0)
            })
            .await
            .clone();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&digest);
        verdict.map_err(AuthError)
    }

    /// Asks the endpoint about `token`, and keeps the verdict.
    async fn ask(&self, token: &str, digest: TokenDigest) -> Result<Option<Principal>, AuthError> {
        let mut request = self
            .client
            .post(&self.config.url)
            .form(&[("token", token), ("token_type_hint", "access_token")]);
        if let Some(id) = &self.config.client_id {
            request = request.basic_auth(id, self.config.client_secret.as_deref());
        }
        let what = format!("introspection endpoint {}", self.config.url);
        let answer = fetch::json_object(request, &what).await?;
        let (principal, exp) = self.judge(answer);
        let until = held_until(exp, self.config.cache_ttl);
        self.cache.insert(digest, principal.clone(), until);
        Ok(principal)
    }

    /// The principal an answer describes, and the token's expiry when it has one.
    fn judge(&self, answer: Map<String, Value>) -> (Option<Principal>, Option<u64>) {
        let refuse = |reason: &str| {
            tracing::info!(reason, "introspected token refused");
            (None, None)
        };
        if answer.get("active") != Some(&Value::Bool(true)) {
            return refuse("not active");
        }
        let now = unix_now();
        let leeway = self.config.leeway.as_secs();
        let exp = answer.get("exp").and_then(Value::as_u64);
        if exp.is_some_and(|exp| exp + leeway <= now) {
            return refuse("expired");
        }
        if answer
            .get("nbf")
            .and_then(Value::as_u64)
            .is_some_and(|nbf| nbf > now + leeway)
        {
            return refuse("not yet valid");
        }
        if let (Some(expected), Some(iss)) = (&self.config.issuer, answer.get("iss"))
            && iss.as_str() != Some(expected.as_str())
        {
            return refuse("wrong issuer");
        }
        let audience_matches = match answer.get("aud") {
            Some(Value::String(aud)) => *aud == self.config.audience,
            Some(Value::Array(auds)) => auds
                .iter()
                .any(|a| a.as_str() == Some(&self.config.audience)),
            _ => false,
        };
        if !audience_matches {
            return refuse("audience does not include this resource");
        }
        let Some(principal) = claims::principal(answer) else {
            return refuse("no `sub` or `client_id`");
        };
        (Some(principal), exp)
    }
}

impl Authenticator for Introspection {
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>> {
        Box::pin(self.check(token))
    }
}
