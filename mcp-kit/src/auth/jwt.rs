//! OAuth access tokens as JWTs (RFC 9068), verified against the issuer's JWKS: signature with
//! an allowed algorithm, issuer, audience (this resource, RFC 8707), expiry and not-before.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use jsonwebtoken::{Algorithm, AlgorithmFamily, Validation};
use serde_json::{Map, Value};

use super::jwks::{Jwks, Key};
use super::token_cache::TokenCache;
use super::{AuthError, Authenticator, Principal, claims};

/// Checks JWT access tokens.
pub struct JwtAuthenticator {
    jwks: Jwks,
    /// One per allowed algorithm: jsonwebtoken wants every algorithm of a validation to be of
    /// the key's family.
    validations: Vec<Validation>,
    /// Tokens already verified: a signature check costs hundreds of microseconds.
    verified: TokenCache,
    /// The longest a verified token is trusted without checking again.
    recheck: Duration,
    require_access_token_type: bool,
}

/// What a [`JwtAuthenticator`] accepts.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// Where the issuer publishes its keys.
    pub jwks_url: String,
    /// The `iss` every token must carry.
    pub issuer: String,
    /// The `aud` every token must include: this server's resource URL.
    pub audience: String,
    /// Signature algorithms accepted, by JOSE name (`RS256`, `ES256`, `PS256`, `EdDSA`, …).
    pub algorithms: Vec<String>,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// How long fetched keys are trusted before they are fetched again.
    pub jwks_cache_ttl: Duration,
    /// The shortest time between two fetches of the keys.
    pub jwks_min_refresh_interval: Duration,
    /// Accept only `typ: at+jwt` tokens (RFC 9068).
    pub require_access_token_type: bool,
}

impl JwtAuthenticator {
    /// Checks the configuration: at least one algorithm, each a public-key one.
    pub fn new(config: JwtConfig) -> Result<Self, String> {
        let mut algorithms = Vec::new();
        for name in &config.algorithms {
            let algorithm: Algorithm = name.parse().map_err(|_| {
                format!("auth.jwt.algorithms: `{name}` is not a JOSE algorithm name")
            })?;
            if algorithm.family() == AlgorithmFamily::Hmac {
                return Err(format!(
                    "auth.jwt.algorithms: `{name}` needs a shared secret; a JWKS publishes public keys"
                ));
            }
            algorithms.push(algorithm);
        }
        if algorithms.is_empty() {
            return Err("auth.jwt.algorithms is empty: no token could be accepted".into());
        }
        let validations = algorithms
            .into_iter()
            .map(|algorithm| {
                let mut validation = Validation::new(algorithm);
                validation.set_issuer(&[&config.issuer]);
                validation.set_audience(&[&config.audience]);
                validation.set_required_spec_claims(&["exp", "iss", "aud"]);
                validation.validate_nbf = true;
                validation.leeway = config.leeway.as_secs();
                validation
            })
            .collect();
        Ok(Self {
            jwks: Jwks::new(
                config.jwks_url,
                config.jwks_cache_ttl,
                config.jwks_min_refresh_interval,
            ),
            validations,
            verified: TokenCache::default(),
            recheck: config.jwks_cache_ttl.min(Duration::from_secs(300)),
            require_access_token_type: config.require_access_token_type,
        })
    }

    async fn check(&self, token: &str) -> Result<Option<Principal>, AuthError> {
        let verify = self.verify(token);
        self.verified.signed(token, self.recheck, verify).await
    }

    async fn verify(&self, token: &str) -> Result<Option<Principal>, AuthError> {
        let Ok(header) = jsonwebtoken::decode_header(token) else {
            tracing::debug!("bearer token is not a JWT");
            return Ok(None);
        };
        let access_token_type = header.typ.as_deref().is_some_and(|typ| {
            typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt")
        });
        if self.require_access_token_type && !access_token_type {
            tracing::info!(typ = ?header.typ, "JWT refused: not typed as an access token (at+jwt)");
            return Ok(None);
        }
        let Some(validation) = self
            .validations
            .iter()
            .find(|v| v.algorithms[0] == header.alg)
        else {
            tracing::info!(alg = ?header.alg, "JWT refused: algorithm not allowed");
            return Ok(None);
        };
        let kid = header.kid.as_deref();
        let mut keys = self.jwks.keys().await?;
        if find(&keys, header.alg, kid).is_none()
            && let Some(refreshed) = self.jwks.refresh(&keys).await?
        {
            keys = refreshed;
        }
        let Some(key) = find(&keys, header.alg, kid) else {
            tracing::info!(?kid, alg = ?header.alg, "JWT refused: no key of the JWKS fits");
            return Ok(None);
        };
        match jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, validation) {
            Ok(data) => {
                let principal = claims::principal(data.claims);
                if principal.is_none() {
                    tracing::info!("JWT refused: no `sub` or `client_id` claim");
                }
                Ok(principal)
            }
            Err(error) => {
                tracing::info!(reason = %error, "JWT refused");
                Ok(None)
            }
        }
    }
}

/// The key for a token: the one its `kid` names, or without a `kid` the only key that fits.
fn find<'k>(keys: &'k Arc<[Key]>, algorithm: Algorithm, kid: Option<&str>) -> Option<&'k Key> {
    let mut fitting = keys.iter().filter(|key| key.fits(algorithm, kid));
    let key = fitting.next()?;
    (kid.is_some() || fitting.next().is_none()).then_some(key)
}

impl Authenticator for JwtAuthenticator {
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>> {
        Box::pin(self.check(token))
    }
}
