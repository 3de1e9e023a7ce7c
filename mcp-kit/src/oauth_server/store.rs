//! The database: SQLite or PostgreSQL through sqlx's `Any` driver, opened lazily, with its
//! tables created on first use. Every statement is written to run on both.

use std::str::FromStr as _;

use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use tokio::sync::OnceCell;

use super::OAuthError;

/// Integers are `BIGINT` (SQLite reads them as `INTEGER`), flags 0 or 1, times seconds since
/// the epoch: the types both databases share.
const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS mcp_oauth_clients (
        client_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        redirect_uris TEXT NOT NULL,
        skip_consent BIGINT NOT NULL,
        origin TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
    )",
    "CREATE TABLE IF NOT EXISTS mcp_oauth_requests (
        request_hash TEXT PRIMARY KEY,
        csrf_hash TEXT NOT NULL,
        subject TEXT NOT NULL,
        permissions TEXT NOT NULL,
        client_id TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        code_challenge TEXT NOT NULL,
        scope TEXT NOT NULL,
        resource TEXT NOT NULL,
        state TEXT,
        expires_at BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS mcp_oauth_codes (
        code_hash TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        permissions TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        code_challenge TEXT NOT NULL,
        scope TEXT NOT NULL,
        resource TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT,
        family TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS mcp_oauth_refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        family TEXT NOT NULL,
        client_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        permissions TEXT NOT NULL,
        scope TEXT NOT NULL,
        resource TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT,
        revoked_at BIGINT
    )",
    "CREATE INDEX IF NOT EXISTS mcp_oauth_refresh_tokens_family
        ON mcp_oauth_refresh_tokens (family)",
    "CREATE TABLE IF NOT EXISTS mcp_oauth_consents (
        subject TEXT NOT NULL,
        client_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        granted_at BIGINT NOT NULL,
        PRIMARY KEY (subject, client_id)
    )",
    "CREATE TABLE IF NOT EXISTS mcp_oauth_keys (
        kid TEXT PRIMARY KEY,
        algorithm TEXT NOT NULL,
        private_key TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        retired_at BIGINT
    )",
    "CREATE TABLE IF NOT EXISTS mcp_oauth_users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        permissions TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS mcp_oauth_sessions (
        session_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        expires_at BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS mcp_oauth_connector (
        id BIGINT PRIMARY KEY,
        enabled BIGINT NOT NULL,
        app_name TEXT NOT NULL,
        redirect_uris TEXT NOT NULL,
        skip_consent BIGINT NOT NULL,
        client_id TEXT
    )",
];

/// The database, connected on first use (building a server needs neither the database up
/// nor a runtime), with its tables created then.
pub(crate) struct Store {
    options: AnyConnectOptions,
    pool: OnceCell<AnyPool>,
}

impl Store {
    /// Checks `url`; connects later.
    pub(crate) fn open(url: &str) -> Result<Self, String> {
        static DRIVERS: std::sync::Once = std::sync::Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| format!("oauth_server.database_url: {e}"))?;
        Ok(Self {
            options,
            pool: OnceCell::new(),
        })
    }

    /// The pool, once connected and the tables exist.
    pub(crate) async fn db(&self) -> Result<&AnyPool, OAuthError> {
        let pool = self
            .pool
            .get_or_try_init(|| async {
                let pool = AnyPoolOptions::new()
                    .max_connections(8)
                    .connect_with(self.options.clone())
                    .await?;
                for statement in SCHEMA {
                    sqlx::query(statement).execute(&pool).await?;
                }
                Ok::<_, sqlx::Error>(pool)
            })
            .await?;
        Ok(pool)
    }
}
