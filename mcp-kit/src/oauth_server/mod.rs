//! A built-in OAuth 2.1 authorization server (feature `oauth-server`), for a site that has no
//! identity provider: clients get tokens for this server's `/mcp` after the user signs in and
//! consents. Authorization code with PKCE (S256) only, exact redirect URIs, RFC 8707
//! resources, RFC 9207 `iss`, rotating refresh tokens, and ES256 access tokens that any
//! resource server can check against the published JWKS.

mod authorize;
mod client_metadata;
mod clients;
pub(crate) mod commands;
mod connector;
mod cors;
mod keys;
mod login;
mod pages;
mod params;
mod pkce;
mod register;
mod scopes;
mod secret;
mod store;
mod throttle;
mod token;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::request::Parts;
use axum::routing::{get, post};
use futures_util::future::BoxFuture;
use serde_json::{Value, json};

pub use clients::{ClientOrigin, OAuthClient};
pub use scopes::{PermissionNamedScopes, ScopePolicy};
pub use users::UserSource;

use crate::auth::{AuthError, Authenticator, Principal, TokenCache};
use crate::config::{OAuthServerSettings, Settings};
use client_metadata::ClientMetadata;
use keys::Keys;
use pages::Pages;
use scopes::Scopes;
use store::Store;
use throttle::Throttle;

/// The permission that opens the "MCP connector" settings page.
pub const CONNECTOR_PERMISSION: &str = "mcp.change_connector_settings";

/// What went wrong inside the authorization server.
#[derive(Debug)]
#[non_exhaustive]
pub enum OAuthError {
    /// Input that cannot be accepted; the message says why.
    Invalid(String),
    /// The database failed.
    Database(sqlx::Error),
    /// Anything else; logged, never shown.
    Other(String),
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(message) | Self::Other(message) => f.write_str(message),
            Self::Database(error) => write!(f, "the OAuth database failed: {error}"),
        }
    }
}

impl std::error::Error for OAuthError {}

impl From<sqlx::Error> for OAuthError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error)
    }
}

/// The authorization server: its settings, database, keys and pages.
pub struct AuthorizationServer {
    settings: OAuthServerSettings,
    issuer: String,
    resource: String,
    scopes: Scopes,
    store: Store,
    keys: Keys,
    pages: Pages,
    client_metadata: ClientMetadata,
    users: Option<Arc<dyn UserSource>>,
    throttle: Throttle,
    registrations: crate::ratelimit::InMemory,
}

impl AuthorizationServer {
    /// The server `settings` describe, offering `scopes_supported` to whom `scope_policy`
    /// allows.
    pub(crate) fn new(
        settings: &Settings,
        scopes_supported: Vec<String>,
        scope_policy: Arc<dyn ScopePolicy>,
        users: Option<Arc<dyn UserSource>>,
    ) -> Result<Self, String> {
        let oauth = &settings.oauth_server;
        let resource = settings.resource_server_url.clone().ok_or(
            "the OAuth server needs `resource_server_url`: the public URL of /mcp, the audience of its tokens",
        )?;
        let issuer = match &settings.oauth_issuer_url {
            Some(issuer) => issuer_origin(issuer)?,
            None => origin(&resource).map_err(|e| format!("resource_server_url: {e}"))?,
        };
        Ok(Self {
            settings: oauth.clone(),
            store: Store::open(&oauth.database_url)?,
            keys: Keys::new(oauth.access_token_ttl),
            pages: Pages::new(&oauth.app_name, issuer.starts_with("https://")),
            client_metadata: ClientMetadata::new(oauth),
            scopes: Scopes::new(
                scopes_supported,
                settings.required_scopes.clone(),
                scope_policy,
            ),
            issuer,
            resource,
            users,
            throttle: Throttle::new(),
            registrations: crate::ratelimit::InMemory::default(),
        })
    }

    /// The issuer: the URL its metadata is found under.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The routes: metadata, JWKS, authorize, token, registration, login, connector page.
    pub(crate) fn router(self: &Arc<Self>) -> Router {
        let metadata = get(
            |axum::extract::State(server): axum::extract::State<Arc<Self>>| async move {
                axum::Json(server.metadata())
            },
        );
        // What clients call from code, browser-based ones too: open to any origin, without
        // credentials.
        let mut for_clients = Router::new()
            .route("/.well-known/oauth-authorization-server", metadata.clone())
            // OpenID discovery's URL, where some clients look first; the document is the
            // RFC 8414 one (no ID tokens are issued).
            .route("/.well-known/openid-configuration", metadata)
            .route("/oauth/jwks", get(jwks))
            .route("/oauth/token", post(token::exchange));
        if self.settings.dynamic_registration {
            for_clients = for_clients.route("/oauth/register", post(register::register));
        }
        let mut for_people = Router::new()
            .route(
                "/oauth/authorize",
                get(authorize::start).post(authorize::decide),
            )
            .route(
                "/oauth/connector",
                get(connector::show).post(connector::save),
            );
        if self.users.is_none() {
            for_people = for_people
                .route("/oauth/login", get(login::form).post(login::submit))
                .route("/oauth/logout", post(login::logout));
        }
        for_clients
            .layer(axum::middleware::map_response(cors::allow_any_origin))
            .route_layer(axum::middleware::from_fn(cors::preflight))
            .merge(for_people)
            .layer(DefaultBodyLimit::max(64 * 1024))
            .with_state(self.clone())
    }

    /// The RFC 8414 metadata document.
    fn metadata(&self) -> Value {
        let at = |path: &str| format!("{}{path}", self.issuer);
        let mut metadata = json!({
            "issuer": self.issuer,
            "authorization_endpoint": at("/oauth/authorize"),
            "token_endpoint": at("/oauth/token"),
            "jwks_uri": at("/oauth/jwks"),
            "scopes_supported": self.scopes.offered(),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["none"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
            "client_id_metadata_document_supported": self.client_metadata.enabled(),
        });
        if self.settings.dynamic_registration {
            metadata["registration_endpoint"] = at("/oauth/register").into();
        }
        metadata
    }

    /// The signed-in user of `request`: the host application's, or the built-in login's.
    async fn user(&self, request: &Parts) -> Result<Option<Principal>, OAuthError> {
        match &self.users {
            Some(source) => Ok(source.user(request).await),
            None => users::from_session(self.store.db().await?, &self.pages, request).await,
        }
    }

    /// Where a visitor signs in before coming back to `next`.
    fn login_url(&self, next: &str) -> String {
        match &self.users {
            Some(source) => source.login_url(next),
            None => format!(
                "/oauth/login?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ),
        }
    }

    /// The client `client_id` names: a stored one, or one its metadata document describes.
    async fn client(&self, client_id: &str) -> Result<Result<OAuthClient, String>, OAuthError> {
        if self.client_metadata.is_document_url(client_id) {
            return Ok(self.client_metadata.client(client_id).await);
        }
        match clients::find(self.store.db().await?, client_id).await? {
            Some(client) if client.revoked => {
                Ok(Err(format!("the client `{client_id}` is revoked")))
            }
            Some(client) => Ok(Ok(client)),
            None => Ok(Err(format!("there is no client `{client_id}`"))),
        }
    }

    /// Creates the client named `name`, or updates it: the same name gives the same client id.
    /// Returns the client and whether it was created.
    pub async fn ensure_client(
        &self,
        name: &str,
        redirect_uris: &[String],
        skip_consent: bool,
    ) -> Result<(OAuthClient, bool), OAuthError> {
        for uri in redirect_uris {
            clients::check_redirect_uri(uri).map_err(OAuthError::Invalid)?;
        }
        if redirect_uris.is_empty() || name.trim().is_empty() {
            return Err(OAuthError::Invalid(
                "a client needs a name and at least one redirect URI".into(),
            ));
        }
        let new = clients::NewClient {
            name: name.trim(),
            redirect_uris,
            skip_consent,
            origin: ClientOrigin::Command,
        };
        clients::ensure_named(self.store.db().await?, &new).await
    }

    /// Every stored client, oldest first.
    pub async fn clients(&self) -> Result<Vec<OAuthClient>, OAuthError> {
        clients::list(self.store.db().await?).await
    }

    /// Revokes a client and its refresh tokens. `false` when there is no such client.
    pub async fn revoke_client(&self, client_id: &str) -> Result<bool, OAuthError> {
        clients::revoke(self.store.db().await?, client_id).await
    }

    /// Creates a user of the built-in login, or sets an existing one's password and
    /// permissions. Returns whether the user is new.
    pub async fn save_user(
        &self,
        username: &str,
        password: &str,
        permissions: &[String],
    ) -> Result<bool, OAuthError> {
        users::save(self.store.db().await?, username, password, permissions).await
    }

    /// Ends every grant of the user `subject`: their refresh tokens, unused codes and
    /// remembered consents. Returns how many grants (refresh token families) ended.
    pub async fn revoke_grants(&self, subject: &str) -> Result<u64, OAuthError> {
        users::end_grants(self.store.db().await?, subject).await
    }

    /// Deletes what can no longer be used as of `at` (seconds since the epoch), as the
    /// server does by itself every few minutes.
    #[doc(hidden)]
    pub async fn sweep_as_of(&self, at: i64) -> Result<(), OAuthError> {
        self.store.sweep(self.store.db().await?, at).await
    }

    /// Starts signing tokens with a new key; the old ones stay published until the tokens
    /// they signed expire. Returns the new key's id.
    pub async fn rotate_key(&self) -> Result<String, OAuthError> {
        self.keys.rotate(&self.store).await
    }

    /// The authenticator for `/mcp` that accepts this server's access tokens.
    pub(crate) fn authenticator(self: &Arc<Self>) -> Arc<dyn Authenticator> {
        Arc::new(IssuedTokens {
            server: self.clone(),
            verified: TokenCache::default(),
        })
    }
}

/// `scheme://host[:port]` of an `http(s)` URL.
fn origin(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("`{url}` is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(format!("`{url}` is not an http(s) URL"));
    }
    Ok(parsed.origin().ascii_serialization())
}

/// The issuer `oauth_issuer_url` names: an origin, since the server's routes and metadata
/// live at the root (RFC 8414 would want the metadata under any path).
fn issuer_origin(issuer: &str) -> Result<String, String> {
    let origin = origin(issuer).map_err(|e| format!("oauth_issuer_url: {e}"))?;
    if issuer.trim_end_matches('/') != origin {
        return Err(format!(
            "oauth_issuer_url `{issuer}` has a path; the built-in OAuth server is served at the \
             root, so its issuer is an origin such as `{origin}`"
        ));
    }
    Ok(origin)
}

async fn jwks(
    axum::extract::State(server): axum::extract::State<Arc<AuthorizationServer>>,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    match server.keys.jwks(&server.store).await {
        Ok(set) => axum::Json(set).into_response(),
        Err(error) => token::server_error(&error),
    }
}

/// Accepts access tokens this server issued for this resource.
struct IssuedTokens {
    server: Arc<AuthorizationServer>,
    /// Tokens already verified: a signature check costs far more than the rest of a call.
    verified: TokenCache,
}

/// The longest a verified token is trusted without checking it again.
const RECHECK: std::time::Duration = std::time::Duration::from_secs(300);

impl Authenticator for IssuedTokens {
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>> {
        let server = &self.server;
        let verify = async move {
            let verified = server
                .keys
                .verify(&server.store, token, &server.issuer, &server.resource)
                .await;
            verified.map_err(|e| AuthError(e.to_string()))
        };
        Box::pin(self.verified.signed(token, RECHECK, verify))
    }
}
