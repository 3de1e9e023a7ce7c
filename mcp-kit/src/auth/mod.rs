//! Who is calling: bearer tokens turned into a [`Principal`] by a chain of [`Authenticator`]s,
//! tried in the order `auth_backends` gives.

#[cfg(feature = "oauth")]
mod claims;
#[cfg(feature = "oauth")]
pub(crate) mod fetch;
#[cfg(feature = "oauth")]
mod introspection;
#[cfg(feature = "oauth")]
mod jwks;
#[cfg(feature = "oauth")]
mod jwt;
mod principal;
mod static_bearer;
#[cfg(feature = "oauth")]
mod token_cache;

use std::sync::Arc;

use futures_util::future::BoxFuture;

#[cfg(feature = "oauth-server")]
pub(crate) use claims::principal as principal_from_claims;
#[cfg(feature = "oauth")]
pub use introspection::{Introspection, IntrospectionConfig};
#[cfg(feature = "oauth")]
pub use jwt::{JwtAuthenticator, JwtConfig};
pub use principal::Principal;
pub use static_bearer::{StaticToken, StaticTokens, sha256_hex};
#[cfg(feature = "oauth-server")]
pub(crate) use token_cache::TokenCache;

/// Turns a bearer token into a [`Principal`].
///
/// `Ok(None)` means "not mine": the next authenticator in the chain is tried.
/// `Err` means the token could not be checked (e.g. an identity provider is unreachable); the
/// request is refused, never let through.
pub trait Authenticator: Send + Sync + 'static {
    /// Checks `token`.
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>>;
}

/// A token that could not be checked. The message is logged, not sent.
#[derive(Debug)]
pub struct AuthError(pub String);

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AuthError {}

/// An async function from token to principal, as an [`Authenticator`].
pub struct Resolver<F>(pub F);

impl<F, Fut> Authenticator for Resolver<F>
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<Principal>> + Send + 'static,
{
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>> {
        let resolved = (self.0)(token.to_owned());
        Box::pin(async move { Ok(resolved.await) })
    }
}

/// What the chain concluded about a request's credentials.
#[derive(Debug)]
pub enum Outcome {
    /// No `Authorization: Bearer` credentials.
    Anonymous,
    /// A backend recognised the token.
    Authenticated(Principal),
    /// No backend recognised the token.
    Invalid,
    /// A backend failed; the token may or may not be good.
    Unavailable(AuthError),
}

/// The authenticators, in order.
#[derive(Clone, Default)]
pub struct AuthChain {
    backends: Vec<(String, Arc<dyn Authenticator>)>,
}

impl AuthChain {
    pub(crate) fn new(backends: Vec<(String, Arc<dyn Authenticator>)>) -> Self {
        Self { backends }
    }

    /// Whether any backend is configured.
    pub fn is_empty(&self) -> bool {
        self.backends.is_empty()
    }

    /// Tries each backend in turn with `token`.
    pub async fn authenticate(&self, token: Option<&str>) -> Outcome {
        let Some(token) = token else {
            return Outcome::Anonymous;
        };
        let mut failure = None;
        for (name, backend) in &self.backends {
            match backend.authenticate(token).await {
                Ok(Some(principal)) => return Outcome::Authenticated(principal),
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(backend = %name, %error, "authenticator failed; refusing the request");
                    failure = Some(error);
                }
            }
        }
        failure.map_or(Outcome::Invalid, Outcome::Unavailable)
    }
}
