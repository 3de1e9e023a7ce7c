//! The authorization server's tables, in a [`Database`].

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::AnyPool;

use super::OAuthError;
use super::secret::now;
use crate::database::{Database, Schema};

/// Integers are `BIGINT` (SQLite reads them as `INTEGER`), flags 0 or 1, times seconds since
/// the epoch: the types both databases share.
///
static SCHEMA: Schema = Schema {
    table: "mcp_oauth_schema",
    migrations: MIGRATIONS,
};

const MIGRATIONS: &[&[&str]] = &[
    &[
        "CREATE TABLE IF NOT EXISTS mcp_oauth_clients (
        client_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        redirect_uris TEXT NOT NULL,
        skip_consent BIGINT NOT NULL,
        origin TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
    )",
        // `oauth-client create` finds its client by name.
        "CREATE UNIQUE INDEX IF NOT EXISTS mcp_oauth_clients_command_name
        ON mcp_oauth_clients (name) WHERE origin = 'cli'",
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
    ],
    &[
        // Version 2: a grant's absolute lifetime, carried by its code and refresh tokens.
        "ALTER TABLE mcp_oauth_codes ADD COLUMN grant_expires_at BIGINT",
        "ALTER TABLE mcp_oauth_refresh_tokens ADD COLUMN grant_expires_at BIGINT",
    ],
];

/// The database, connected on first use, with its expired rows swept now and then.
pub(crate) struct Store {
    database: Database,
    swept: Mutex<Option<Instant>>,
}

/// How often expired rows are deleted.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// Statements that delete what can no longer be used. Used codes are kept a day past their
/// expiry, so a late replay still finds (and revokes) what they gave. `$1` is now.
const SWEEP: &[&str] = &[
    "DELETE FROM mcp_oauth_requests WHERE expires_at < $1",
    "DELETE FROM mcp_oauth_sessions WHERE expires_at < $1",
    "DELETE FROM mcp_oauth_codes WHERE expires_at < $1 - 86400",
    "DELETE FROM mcp_oauth_refresh_tokens WHERE expires_at < $1",
    // Registered clients that never finished a flow (no consent, no token) within a day:
    // registration needs no credentials, so such rows would otherwise pile up for ever.
    "DELETE FROM mcp_oauth_clients
     WHERE origin = 'registered' AND created_at < $1 - 86400
       AND client_id NOT IN (SELECT client_id FROM mcp_oauth_consents)
       AND client_id NOT IN (SELECT client_id FROM mcp_oauth_refresh_tokens)",
];

impl Store {
    /// Checks `url`; connects later.
    pub(crate) fn open(url: &str) -> Result<Self, String> {
        Ok(Self {
            database: Database::open(url, "oauth_server.database_url", &SCHEMA)?,
            swept: Mutex::new(None),
        })
    }

    /// The pool, once connected and the tables exist.
    pub(crate) async fn db(&self) -> Result<&AnyPool, OAuthError> {
        let pool = self.database.pool().await?;
        self.sweep_now_and_then(pool);
        Ok(pool)
    }

    /// Deletes expired rows in the background, at most every [`SWEEP_EVERY`].
    fn sweep_now_and_then(&self, pool: &AnyPool) {
        {
            let mut swept = self.swept.lock().unwrap_or_else(|p| p.into_inner());
            if swept.is_some_and(|at| at.elapsed() < SWEEP_EVERY) {
                return;
            }
            *swept = Some(Instant::now());
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            if let Err(error) = Self::sweep_at(&pool, now()).await {
                tracing::warn!(%error, "could not delete expired OAuth rows");
            }
        });
    }

    /// Deletes what can no longer be used as of `at`.
    pub(crate) async fn sweep(&self, pool: &AnyPool, at: i64) -> Result<(), OAuthError> {
        Ok(Self::sweep_at(pool, at).await?)
    }

    async fn sweep_at(pool: &AnyPool, at: i64) -> Result<(), sqlx::Error> {
        for statement in SWEEP {
            sqlx::query(statement).bind(at).execute(pool).await?;
        }
        Ok(())
    }
}
