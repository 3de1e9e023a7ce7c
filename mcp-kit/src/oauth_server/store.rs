//! The database: SQLite or PostgreSQL through sqlx's `Any` driver, opened lazily, with its
//! tables created on first use. Every statement is written to run on both.

use std::str::FromStr as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use tokio::sync::OnceCell;

use super::OAuthError;
use super::secret::now;

/// Integers are `BIGINT` (SQLite reads them as `INTEGER`), flags 0 or 1, times seconds since
/// the epoch: the types both databases share.
///
/// Each entry of [`MIGRATIONS`] is one version of the schema, applied once, in order; the
/// versions applied are kept in `mcp_oauth_schema`. A change to the schema is a new entry,
/// never an edit of an old one.
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

/// The database, connected on first use (building a server needs neither the database up
/// nor a runtime), with its tables created then.
pub(crate) struct Store {
    options: AnyConnectOptions,
    max_connections: u32,
    pool: OnceCell<AnyPool>,
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
        static DRIVERS: std::sync::Once = std::sync::Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
        if postgres && !cfg!(feature = "postgres") {
            return Err(
                "oauth_server.database_url is PostgreSQL, but mcp-kit was built without its \
                 `postgres` feature"
                    .into(),
            );
        }
        if !postgres && !url.starts_with("sqlite:") {
            return Err(format!(
                "oauth_server.database_url `{}` is neither sqlite:… nor postgres://…",
                url.split(':').next().unwrap_or_default()
            ));
        }
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| format!("oauth_server.database_url: {e}"))?;
        // Each connection to an in-memory SQLite database is a database of its own.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        Ok(Self {
            max_connections: if in_memory { 1 } else { 8 },
            options,
            pool: OnceCell::new(),
            swept: Mutex::new(None),
        })
    }

    /// The pool, once connected and the tables exist.
    pub(crate) async fn db(&self) -> Result<&AnyPool, OAuthError> {
        let pool = self
            .pool
            .get_or_try_init(|| async {
                let pool = AnyPoolOptions::new()
                    .max_connections(self.max_connections)
                    .connect_with(self.options.clone())
                    .await?;
                migrate(&pool).await?;
                Ok::<_, sqlx::Error>(pool)
            })
            .await?;
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

/// Brings the schema up to the last of [`MIGRATIONS`].
async fn migrate(pool: &AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query("CREATE TABLE IF NOT EXISTS mcp_oauth_schema (version BIGINT PRIMARY KEY)")
        .execute(pool)
        .await?;
    let (applied,): (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM mcp_oauth_schema")
        .fetch_one(pool)
        .await?;
    let applied = applied.unwrap_or(0);
    for (version, statements) in (1..).zip(MIGRATIONS) {
        if version <= applied {
            continue;
        }
        let mut tx = pool.begin().await?;
        for statement in *statements {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO mcp_oauth_schema (version) VALUES ($1)")
            .bind(version)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, "OAuth database schema updated");
    }
    Ok(())
}
