//! A database the runtime keeps its own rows in (the authorization server's, the tasks'):
//! SQLite or PostgreSQL through sqlx's `Any` driver, chosen by URL, connected on first use
//! (building a server needs neither the database up nor a runtime), with its schema brought
//! up to date then. Statements are written to run on both.

use std::str::FromStr as _;

use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use tokio::sync::OnceCell;

/// The versions of one schema. Each entry is applied once, in order, and recorded in
/// `table`; a change is a new entry, never an edit of an old one.
pub(crate) struct Schema {
    pub(crate) table: &'static str,
    pub(crate) migrations: &'static [&'static [&'static str]],
}

pub(crate) struct Database {
    options: AnyConnectOptions,
    sqlite: bool,
    max_connections: u32,
    schema: &'static Schema,
    pool: OnceCell<AnyPool>,
}

impl Database {
    /// Checks `url`, the value of the setting `setting`; connects later.
    pub(crate) fn open(url: &str, setting: &str, schema: &'static Schema) -> Result<Self, String> {
        static DRIVERS: std::sync::Once = std::sync::Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
        if postgres && !cfg!(feature = "postgres") {
            return Err(format!(
                "{setting} is PostgreSQL, but mcp-kit was built without its `postgres` feature"
            ));
        }
        if !postgres && !url.starts_with("sqlite:") {
            return Err(format!(
                "{setting} `{}` is neither sqlite:… nor postgres://…",
                url.split(':').next().unwrap_or_default()
            ));
        }
        let options = AnyConnectOptions::from_str(url).map_err(|e| format!("{setting}: {e}"))?;
        // Each connection to an in-memory SQLite database is a database of its own.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        Ok(Self {
            max_connections: if in_memory { 1 } else { 8 },
            sqlite: !postgres,
            options,
            schema,
            pool: OnceCell::new(),
        })
    }

    /// The pool, once connected and the schema is up to date.
    pub(crate) async fn pool(&self) -> Result<&AnyPool, sqlx::Error> {
        self.pool
            .get_or_try_init(|| async {
                let mut pool = AnyPoolOptions::new().max_connections(self.max_connections);
                if self.sqlite {
                    pool = pool.after_connect(|connection, _| Box::pin(sqlite_pragmas(connection)));
                }
                let pool = pool.connect_with(self.options.clone()).await?;
                migrate(&pool, self.schema).await?;
                Ok(pool)
            })
            .await
    }
}

/// A write-ahead log, synced at checkpoints: a commit survives the process dying (not the
/// machine losing power) and costs no `fsync`; readers do not wait on the writer, and
/// processes sharing the file wait for each other's writes rather than fail.
async fn sqlite_pragmas(connection: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    use sqlx::Executor as _;
    connection
        .execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000",
        )
        .await?;
    Ok(())
}

/// Brings `schema` up to its last version.
async fn migrate(pool: &AnyPool, schema: &Schema) -> Result<(), sqlx::Error> {
    let table = schema.table;
    sqlx::query(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (version BIGINT PRIMARY KEY)"
    ))
    .execute(pool)
    .await?;
    let (applied,): (Option<i64>,) = sqlx::query_as(&format!("SELECT MAX(version) FROM {table}"))
        .fetch_one(pool)
        .await?;
    let applied = applied.unwrap_or(0);
    for (version, statements) in (1..).zip(schema.migrations) {
        if version <= applied {
            continue;
        }
        let mut tx = pool.begin().await?;
        for statement in *statements {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        sqlx::query(&format!("INSERT INTO {table} (version) VALUES ($1)"))
            .bind(version)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(table, version, "database schema updated");
    }
    Ok(())
}
