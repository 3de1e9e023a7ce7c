//! `/oauth/token`: authorization codes and refresh tokens exchanged for access tokens.
//!
//! Codes are single-use: a second use revokes the refresh tokens the first one gave. Refresh tokens rotate:
//! each use gives a new one, and a used one coming back revokes its whole family, since one of
//! the two holders is not the client.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::authorize::same_resource;
use super::secret::{digest, id, now, token};
use super::{AuthorizationServer, OAuthError, params, pkce, users};

/// An OAuth error answer (RFC 6749 §5.2).
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: String,
}

fn refuse(error: &'static str, description: impl Into<String>) -> Refusal {
    let status = if error == "invalid_client" {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    Refusal {
        status,
        error,
        description: description.into(),
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut response = (self.status, no_store(), axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6749 §5.2: a 401 names the authentication scheme expected.
            let challenge = header::HeaderValue::from_static(r#"Basic realm="oauth""#);
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
    ]
}

/// A failure of the server itself, as an OAuth `server_error`, details logged only.
pub(super) fn server_error(error: &OAuthError) -> Response {
    tracing::error!(%error, "the OAuth server failed");
    let body = json!({"error": "server_error", "error_description": "the server could not answer; try again later"});
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        no_store(),
        axum::Json(body),
    )
        .into_response()
}

/// `POST /oauth/token`, form-encoded.
pub(super) async fn exchange(
    State(server): State<Arc<AuthorizationServer>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return refuse(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        )
        .into_response();
    }
    let form = match params::single_valued(&body) {
        Ok(form) => form,
        Err(key) => {
            return refuse(
                "invalid_request",
                format!("`{key}` is given more than once"),
            )
            .into_response();
        }
    };
    if headers.contains_key(header::AUTHORIZATION) {
        return refuse(
            "invalid_client",
            "clients here are public: send client_id in the body, without credentials",
        )
        .into_response();
    }
    let result = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => redeem_code(&server, &form).await,
        Some("refresh_token") => refresh(&server, &form).await,
        Some(other) => Ok(Err(refuse(
            "unsupported_grant_type",
            format!("grant_type `{other}` is not supported"),
        ))),
        None => Ok(Err(refuse("invalid_request", "grant_type is missing"))),
    };
    match result {
        Ok(Ok(tokens)) => (no_store(), axum::Json(tokens)).into_response(),
        Ok(Err(refusal)) => refusal.into_response(),
        Err(error) => server_error(&error),
    }
}

type Outcome = Result<Result<Value, Refusal>, OAuthError>;

fn required<'f>(form: &'f HashMap<String, String>, key: &str) -> Result<&'f str, Refusal> {
    form.get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| refuse("invalid_request", format!("`{key}` is missing")))
}

/// What a code or refresh token grants: the columns both tables share.
#[derive(sqlx::FromRow)]
struct Granted {
    client_id: String,
    subject: String,
    permissions: String,
    scope: String,
    resource: String,
    family: String,
    /// When the grant ends, however often it is refreshed; `None` for grants made before
    /// grants had a lifetime, which get one at their next refresh.
    grant_expires_at: Option<i64>,
}

/// Checks the parts of a grant the client repeats at the token endpoint.
fn check_client(form: &HashMap<String, String>, granted: &Granted) -> Result<(), Refusal> {
    let client_id = required(form, "client_id")?;
    if client_id != granted.client_id {
        return Err(refuse(
            "invalid_grant",
            "the grant was issued to another client",
        ));
    }
    if let Some(resource) = form.get("resource")
        && !same_resource(resource, &granted.resource)
    {
        return Err(refuse(
            "invalid_target",
            format!("the grant is for {}, not {resource}", granted.resource),
        ));
    }
    Ok(())
}

/// A stored code.
#[derive(sqlx::FromRow)]
struct StoredCode {
    #[sqlx(flatten)]
    granted: Granted,
    redirect_uri: String,
    code_challenge: String,
    expires_at: i64,
    used_at: Option<i64>,
}

async fn redeem_code(server: &AuthorizationServer, form: &HashMap<String, String>) -> Outcome {
    let (code, redirect_uri, verifier) = match (
        required(form, "code"),
        required(form, "redirect_uri"),
        required(form, "code_verifier"),
    ) {
        (Ok(code), Ok(uri), Ok(verifier)) => (code, uri, verifier),
        (Err(refusal), _, _) | (_, Err(refusal), _) | (_, _, Err(refusal)) => {
            return Ok(Err(refusal));
        }
    };
    let db = server.store.db().await?;
    let row: Option<StoredCode> = sqlx::query_as(
        "SELECT client_id, subject, permissions, redirect_uri, code_challenge, scope,
                resource, family, grant_expires_at, expires_at, used_at
         FROM mcp_oauth_codes WHERE code_hash = $1",
    )
    .bind(digest(code))
    .fetch_optional(db)
    .await?;
    let Some(StoredCode {
        granted,
        redirect_uri: stored_uri,
        code_challenge: challenge,
        expires_at,
        used_at,
    }) = row
    else {
        return Ok(Err(refuse("invalid_grant", "the code is not known")));
    };
    let spent = Spend::Code(code);
    if used_at.is_some() {
        return Ok(Err(reused(db, &granted, &spent).await?));
    }
    if expires_at <= now() {
        return Ok(Err(refuse("invalid_grant", "the code has expired")));
    }
    // Every check comes before the code is taken, so a refused request leaves it usable.
    if let Err(refusal) = check_client(form, &granted) {
        return Ok(Err(refusal));
    }
    if redirect_uri != stored_uri {
        return Ok(Err(refuse(
            "invalid_grant",
            "redirect_uri differs from the one the code was sent to",
        )));
    }
    if !pkce::verify(verifier, &challenge) {
        return Ok(Err(refuse(
            "invalid_grant",
            "code_verifier does not match the code_challenge",
        )));
    }
    if let Err(problem) = server.client(&granted.client_id).await? {
        return Ok(Err(refuse("invalid_client", problem)));
    }
    match issue(server, db, &granted, &granted.scope, &spent).await? {
        Some(tokens) => Ok(Ok(tokens)),
        None => Ok(Err(reused(db, &granted, &spent).await?)),
    }
}

/// A stored refresh token.
#[derive(sqlx::FromRow)]
struct StoredRefreshToken {
    #[sqlx(flatten)]
    granted: Granted,
    expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

async fn refresh(server: &AuthorizationServer, form: &HashMap<String, String>) -> Outcome {
    let refresh_token = match required(form, "refresh_token") {
        Ok(token) => token,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let db = server.store.db().await?;
    let row: Option<StoredRefreshToken> = sqlx::query_as(
        "SELECT family, client_id, subject, permissions, scope, resource, grant_expires_at,
                expires_at,
                used_at, revoked_at
         FROM mcp_oauth_refresh_tokens WHERE token_hash = $1",
    )
    .bind(digest(refresh_token))
    .fetch_optional(db)
    .await?;
    let Some(StoredRefreshToken {
        mut granted,
        expires_at,
        used_at,
        revoked_at,
    }) = row
    else {
        return Ok(Err(refuse(
            "invalid_grant",
            "the refresh token is not known",
        )));
    };
    if revoked_at.is_some() {
        return Ok(Err(refuse("invalid_grant", "the refresh token is revoked")));
    }
    let spent = Spend::RefreshToken(refresh_token);
    if used_at.is_some() {
        return Ok(Err(reused(db, &granted, &spent).await?));
    }
    if granted.grant_expires_at.is_some_and(|end| end <= now()) {
        return Ok(Err(refuse(
            "invalid_grant",
            "the grant has reached its lifetime; sign in again",
        )));
    }
    if expires_at <= now() {
        return Ok(Err(refuse(
            "invalid_grant",
            "the refresh token has expired",
        )));
    }
    // Every check comes before the token is spent, so a refused request leaves it usable.
    if let Err(refusal) = check_client(form, &granted) {
        return Ok(Err(refusal));
    }
    if let Err(problem) = server.client(&granted.client_id).await? {
        return Ok(Err(refuse("invalid_client", problem)));
    }
    // The user is read again, so a changed permission or a removed user reaches connected
    // clients at their next refresh.
    let permissions = match &server.users {
        None => users::permissions_of(db, &granted.subject).await?,
        Some(source) => source
            .find(&granted.subject)
            .await
            .map(|user| users::permissions_text(&user)),
    };
    match permissions {
        Some(permissions) => granted.permissions = permissions,
        None => return Ok(Err(refuse("invalid_grant", "the user no longer exists"))),
    }
    // What the user may hold is decided again, so a scope whose permission was taken away
    // is gone from the next token.
    let user = users::principal(&granted.subject, &granted.permissions);
    granted.scope = server.scopes.held_by(&user, &granted.scope);
    // A refresh may narrow the scope, never widen it.
    let scope = match form.get("scope") {
        Some(asked) => {
            let held: Vec<&str> = granted.scope.split_whitespace().collect();
            if let Some(extra) = asked.split_whitespace().find(|s| !held.contains(s)) {
                return Ok(Err(refuse(
                    "invalid_scope",
                    format!("the scope `{extra}` was not granted"),
                )));
            }
            asked.split_whitespace().collect::<Vec<_>>().join(" ")
        }
        None => granted.scope.clone(),
    };
    match issue(server, db, &granted, &scope, &spent).await? {
        Some(tokens) => Ok(Ok(tokens)),
        None => Ok(Err(reused(db, &granted, &spent).await?)),
    }
}

/// A code or refresh token used a second time: one of its two holders is not the client,
/// so everything the grant gave is revoked.
async fn reused(
    db: &sqlx::AnyPool,
    granted: &Granted,
    spent: &Spend<'_>,
) -> Result<Refusal, OAuthError> {
    revoke_family(db, &granted.family).await?;
    let (what, description) = match spent {
        Spend::Code(_) => (
            "an authorization code",
            "the code was already used; the tokens it gave are revoked",
        ),
        Spend::RefreshToken(_) => (
            "a refresh token",
            "the refresh token was already used; every token of its family is revoked",
        ),
    };
    tracing::warn!(client_id = %granted.client_id, "{what} was used twice; its tokens are revoked");
    Ok(refuse("invalid_grant", description))
}

/// Revokes every refresh token of `family`.
async fn revoke_family(db: &sqlx::AnyPool, family: &str) -> Result<(), OAuthError> {
    sqlx::query(
        "UPDATE mcp_oauth_refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(family)
    .execute(db)
    .await?;
    Ok(())
}

/// What a grant is exchanged for: taken only if still unused, so of two concurrent uses one
/// wins.
enum Spend<'a> {
    Code(&'a str),
    RefreshToken(&'a str),
}

/// A signed access token and a new refresh token of the grant's family, for `spent`; `None`
/// when it was used meanwhile. Signing comes first, outside the transaction: loading the
/// keys may write to the database.
async fn issue(
    server: &AuthorizationServer,
    db: &sqlx::AnyPool,
    granted: &Granted,
    scope: &str,
    spent: &Spend<'_>,
) -> Result<Option<Value>, OAuthError> {
    let at = now();
    let ttl = server.settings.access_token_ttl as i64;
    let mut claims = Map::new();
    claims.insert("iss".into(), server.issuer.clone().into());
    claims.insert("sub".into(), granted.subject.clone().into());
    claims.insert("aud".into(), granted.resource.clone().into());
    claims.insert("client_id".into(), granted.client_id.clone().into());
    claims.insert("scope".into(), scope.into());
    claims.insert("iat".into(), at.into());
    claims.insert("exp".into(), (at + ttl).into());
    claims.insert("jti".into(), id().into());
    if !granted.permissions.is_empty() {
        claims.insert("permissions".into(), granted.permissions.clone().into());
    }
    let access_token = server.keys.sign(&server.store, &claims).await?;
    let (spend, secret) = match spent {
        Spend::Code(code) => (
            "UPDATE mcp_oauth_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
            *code,
        ),
        Spend::RefreshToken(token) => (
            "UPDATE mcp_oauth_refresh_tokens SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL",
            *token,
        ),
    };
    let mut tx = db.begin().await?;
    let taken = sqlx::query(spend)
        .bind(at)
        .bind(digest(secret))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if taken == 0 {
        return Ok(None);
    }
    let refresh_token = token();
    let grant_expires_at = granted
        .grant_expires_at
        .unwrap_or(at + server.settings.grant_lifetime as i64);
    let expires_at = (at + server.settings.refresh_token_ttl as i64).min(grant_expires_at);
    sqlx::query(
        "INSERT INTO mcp_oauth_refresh_tokens (token_hash, family, client_id, subject, permissions,
            scope, resource, expires_at, grant_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(digest(&refresh_token))
    .bind(&granted.family)
    .bind(&granted.client_id)
    .bind(&granted.subject)
    .bind(&granted.permissions)
    .bind(&granted.scope)
    .bind(&granted.resource)
    .bind(expires_at)
    .bind(grant_expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": refresh_token,
        "scope": scope,
    })))
}
