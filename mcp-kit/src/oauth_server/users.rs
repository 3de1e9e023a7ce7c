//! Who is signing in: the host application's own login, through a [`UserSource`], or the
//! built-in one: a users table with argon2 password hashes and a session cookie.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use axum::http::request::Parts;
use futures_util::future::BoxFuture;
use sqlx::AnyPool;

use super::OAuthError;
use super::pages::Pages;
use super::secret::{digest, now, token};
use crate::auth::Principal;

/// The host application's login, for an authorization server mounted inside it.
pub trait UserSource: Send + Sync + 'static {
    /// The signed-in user of `request` (read its session cookie, say), or `None`.
    fn user<'a>(&'a self, request: &'a Parts) -> BoxFuture<'a, Option<Principal>>;

    /// The user `subject` as they are now, or `None` when they no longer exist or may no
    /// longer sign in. Read at each refresh, so a removed user's clients lose access and a
    /// changed permission reaches them.
    fn find<'a>(&'a self, subject: &'a str) -> BoxFuture<'a, Option<Principal>>;

    /// Where a visitor signs in, to come back to `next` (a path on this server) afterwards.
    fn login_url(&self, next: &str) -> String;
}

/// Creates a user, or sets the password and permissions of an existing one. Returns whether
/// the user is new.
pub(crate) async fn save(
    db: &AnyPool,
    username: &str,
    password: &str,
    permissions: &[String],
) -> Result<bool, OAuthError> {
    if username.trim().is_empty() || username.chars().any(char::is_whitespace) {
        return Err(OAuthError::Invalid(
            "a username must be non-empty and contain no spaces".into(),
        ));
    }
    if password.chars().count() < 8 {
        return Err(OAuthError::Invalid(
            "a password must have at least 8 characters".into(),
        ));
    }
    let previous: Option<(String,)> =
        sqlx::query_as("SELECT password_hash FROM mcp_oauth_users WHERE username = $1")
            .bind(username)
            .fetch_optional(db)
            .await?;
    let changed = match previous {
        Some((previous,)) => !matches(password, previous).await?,
        None => false,
    };
    let hash = hash(password).map_err(|e| OAuthError::Other(format!("hashing a password: {e}")))?;
    let permissions = permissions.join(" ");
    let updated = sqlx::query(
        "UPDATE mcp_oauth_users SET password_hash = $1, permissions = $2 WHERE username = $3",
    )
    .bind(&hash)
    .bind(&permissions)
    .bind(username)
    .execute(db)
    .await?
    .rows_affected();
    if updated > 0 {
        // A new password signs the user out everywhere and ends what they granted: whoever
        // knew the old one may have used it. New permissions alone reach clients at their
        // next refresh.
        if changed {
            sqlx::query("DELETE FROM mcp_oauth_sessions WHERE username = $1")
                .bind(username)
                .execute(db)
                .await?;
            end_grants(db, username).await?;
        }
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO mcp_oauth_users (username, password_hash, permissions, created_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(username)
    .bind(&hash)
    .bind(&permissions)
    .bind(now())
    .execute(db)
    .await?;
    Ok(true)
}

/// The user, when `password` is theirs. Unknown users cost a hash too, so timing does not
/// tell which usernames exist.
pub(crate) async fn check_password(
    db: &AnyPool,
    username: &str,
    password: &str,
) -> Result<Option<Principal>, OAuthError> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT password_hash, permissions FROM mcp_oauth_users WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(db)
    .await?;
    let (hash, permissions, known) = match row {
        Some((hash, permissions)) => (hash, permissions, true),
        None => (unknown_user_hash().to_owned(), String::new(), false),
    };
    let matches = matches(password, hash).await?;
    Ok((matches && known).then(|| principal(username, &permissions)))
}

/// Whether `password` is the one `hash` was made from; on the blocking pool, as argon2 is
/// slow on purpose.
async fn matches(password: &str, hash: String) -> Result<bool, OAuthError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .map_err(|e| OAuthError::Other(format!("checking a password: {e}")))
}

/// A hash no password matches in practice, verified for unknown usernames.
fn unknown_user_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash(&token()).unwrap_or_default())
}

/// The argon2 hash of `password`, with a new salt, in PHC string form.
fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let hash = Argon2::default().hash_password(password.as_bytes(), &salt)?;
    Ok(hash.to_string())
}

/// A principal from its stored form: the subject, and its permissions space-separated.
pub(crate) fn principal(subject: &str, permissions: &str) -> Principal {
    let permissions: Vec<String> = permissions.split_whitespace().map(str::to_owned).collect();
    Principal::new(subject).with_permissions(permissions)
}

/// A principal's permissions, space-separated, as stored.
pub(crate) fn permissions_text(principal: &Principal) -> String {
    let permissions: Vec<&str> = principal.permissions.iter().map(String::as_str).collect();
    permissions.join(" ")
}

/// The permissions of the built-in user `username`, space-separated; `None` when there is
/// no such user.
pub(crate) async fn permissions_of(
    db: &AnyPool,
    username: &str,
) -> Result<Option<String>, OAuthError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT permissions FROM mcp_oauth_users WHERE username = $1")
            .bind(username)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(permissions,)| permissions))
}

/// Starts a session for `username`; returns the cookie's value.
pub(crate) async fn start_session(
    db: &AnyPool,
    username: &str,
    ttl: u64,
) -> Result<String, OAuthError> {
    let session = token();
    sqlx::query(
        "INSERT INTO mcp_oauth_sessions (session_hash, username, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(digest(&session))
    .bind(username)
    .bind(now() + ttl as i64)
    .execute(db)
    .await?;
    Ok(session)
}

/// The user whose session cookie `request` carries.
pub(crate) async fn from_session(
    db: &AnyPool,
    pages: &Pages,
    request: &Parts,
) -> Result<Option<Principal>, OAuthError> {
    let Some(session) = pages.session(&request.headers) else {
        return Ok(None);
    };
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT u.username, u.permissions FROM mcp_oauth_sessions s
         JOIN mcp_oauth_users u ON u.username = s.username
         WHERE s.session_hash = $1 AND s.expires_at > $2",
    )
    .bind(digest(session))
    .bind(now())
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(username, permissions)| principal(&username, &permissions)))
}

/// Ends the session `request` carries.
pub(crate) async fn end_session(
    db: &AnyPool,
    pages: &Pages,
    request: &Parts,
) -> Result<(), OAuthError> {
    if let Some(session) = pages.session(&request.headers) {
        sqlx::query("DELETE FROM mcp_oauth_sessions WHERE session_hash = $1")
            .bind(digest(session))
            .execute(db)
            .await?;
    }
    Ok(())
}

/// Ends every grant of `subject`: refresh tokens revoked, unused codes and remembered
/// consents deleted. Returns how many refresh token families were live.
pub(crate) async fn end_grants(db: &AnyPool, subject: &str) -> Result<u64, OAuthError> {
    let at = now();
    let (families,): (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT family) FROM mcp_oauth_refresh_tokens
         WHERE subject = $1 AND revoked_at IS NULL AND used_at IS NULL AND expires_at > $2",
    )
    .bind(subject)
    .bind(at)
    .fetch_one(db)
    .await?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE mcp_oauth_refresh_tokens SET revoked_at = $1
         WHERE subject = $2 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(subject)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM mcp_oauth_codes WHERE subject = $1 AND used_at IS NULL")
        .bind(subject)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM mcp_oauth_consents WHERE subject = $1")
        .bind(subject)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(u64::try_from(families).unwrap_or(0))
}
