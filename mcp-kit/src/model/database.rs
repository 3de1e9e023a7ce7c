//! The database a model's tools use, SQLite or PostgreSQL, chosen by URL at run time.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::{Map, Value};

use super::sql::{Dialect, Sql};
use super::value::SqlValue;
use super::{ColumnSpec, Kind};

/// How long a call waits for a connection before reporting the database unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection pool, given to `Server::builder().state(…)` for the model tools to use.
/// Cheap to clone: clones share the pool.
#[derive(Debug, Clone)]
pub struct Database(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    options: Options,
    /// Made on first use, inside the runtime that uses it: sqlx ties a pool to its runtime.
    pool: OnceLock<Pool>,
}

#[derive(Debug, Clone)]
enum Options {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteConnectOptions),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgConnectOptions),
}

#[derive(Debug, Clone)]
enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

#[cfg(feature = "sqlite")]
impl From<sqlx::SqlitePool> for Database {
    fn from(pool: sqlx::SqlitePool) -> Self {
        let options = Options::Sqlite((*pool.connect_options()).clone());
        Self::with_pool(options, Pool::Sqlite(pool))
    }
}

#[cfg(feature = "postgres")]
impl From<sqlx::PgPool> for Database {
    fn from(pool: sqlx::PgPool) -> Self {
        let options = Options::Postgres((*pool.connect_options()).clone());
        Self::with_pool(options, Pool::Postgres(pool))
    }
}

impl Database {
    fn with_pool(options: Options, pool: Pool) -> Self {
        Self(Arc::new(Inner {
            options,
            pool: OnceLock::from(pool),
        }))
    }

    /// Connects to `url`: `sqlite:path` (the file is created when absent, in WAL mode, with
    /// foreign keys on) or `postgres://…`. A call waits at most 5 s for a connection.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let db = Self::connect_lazy(url)?;
        match db.pool() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => drop(pool.acquire().await?),
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => drop(pool.acquire().await?),
        }
        Ok(db)
    }

    /// As [`connect`](Self::connect), but connects on first use, in the runtime of that use:
    /// for a server built before its runtime starts, as `Server::builder().run()` does.
    pub fn connect_lazy(url: &str) -> Result<Self, sqlx::Error> {
        #[cfg(feature = "postgres")]
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = url.parse()?;
            return Ok(Self::lazy(Options::Postgres(options)));
        }
        #[cfg(feature = "sqlite")]
        if url.starts_with("sqlite:") {
            let options = url
                .parse::<sqlx::sqlite::SqliteConnectOptions>()?
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .foreign_keys(true);
            return Ok(Self::lazy(Options::Sqlite(options)));
        }
        Err(sqlx::Error::Configuration(
            format!(
                "`{}` is not a database URL this build serves ({})",
                url.split(':').next().unwrap_or_default(),
                SUPPORTED
            )
            .into(),
        ))
    }

    fn lazy(options: Options) -> Self {
        Self(Arc::new(Inner {
            options,
            pool: OnceLock::new(),
        }))
    }

    fn pool(&self) -> &Pool {
        self.0.pool.get_or_init(|| match &self.0.options {
            #[cfg(feature = "sqlite")]
            Options::Sqlite(options) => Pool::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_lazy_with(options.clone()),
            ),
            #[cfg(feature = "postgres")]
            Options::Postgres(options) => Pool::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_lazy_with(options.clone()),
            ),
        })
    }

    /// The SQLite pool, for queries of your own.
    #[cfg(feature = "sqlite")]
    pub fn sqlite(&self) -> Option<&sqlx::SqlitePool> {
        match self.pool() {
            Pool::Sqlite(pool) => Some(pool),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The PostgreSQL pool, for queries of your own.
    #[cfg(feature = "postgres")]
    pub fn postgres(&self) -> Option<&sqlx::PgPool> {
        match self.pool() {
            Pool::Postgres(pool) => Some(pool),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        match self.0.pool.get() {
            #[cfg(feature = "sqlite")]
            Some(Pool::Sqlite(pool)) => pool.close().await,
            #[cfg(feature = "postgres")]
            Some(Pool::Postgres(pool)) => pool.close().await,
            None => {}
        }
    }

    /// Runs the migrations not yet applied, e.g. `db.migrate(&sqlx::migrate!()).await?`.
    pub async fn migrate(&self, migrator: &sqlx::migrate::Migrator) -> Result<(), sqlx::Error> {
        match self.pool() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => migrator.run(pool).await?,
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => migrator.run(pool).await?,
        }
        Ok(())
    }

    /// Whether this is PostgreSQL, e.g. to pick its migrations.
    pub fn is_postgres(&self) -> bool {
        self.dialect() == Dialect::Postgres
    }

    pub(crate) fn dialect(&self) -> Dialect {
        match &self.0.options {
            #[cfg(feature = "sqlite")]
            Options::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Options::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `sql` and reads each row's `columns`, in order, as a JSON object.
    pub(crate) async fn fetch(
        &self,
        sql: Sql,
        columns: &[&ColumnSpec],
    ) -> Result<Vec<Map<String, Value>>, sqlx::Error> {
        match self.pool() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => sqlite::fetch(pool, sql, columns).await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => postgres::fetch(pool, sql, columns).await,
        }
    }
}

const SUPPORTED: &str = match (cfg!(feature = "sqlite"), cfg!(feature = "postgres")) {
    (true, true) => "sqlite: and postgres:",
    (true, false) => "sqlite:; PostgreSQL needs mcp-kit's `postgres` feature",
    (false, _) => "postgres:; SQLite needs mcp-kit's `sqlite` feature",
};

/// The same code for each backend, with its concrete types: sqlx's generic bounds for
/// "encodes and decodes these seven types" are longer than the code.
macro_rules! backend {
    ($module:ident, $pool:ty) => {
        mod $module {
            use super::*;
            use sqlx::Row as _;

            pub(super) async fn fetch(
                pool: &$pool,
                sql: Sql,
                columns: &[&ColumnSpec],
            ) -> Result<Vec<Map<String, Value>>, sqlx::Error> {
                let mut query = sqlx::query(&sql.text);
                for value in sql.binds {
                    query = match value {
                        SqlValue::I16(v) => query.bind(v),
                        SqlValue::I32(v) => query.bind(v),
                        SqlValue::I64(v) => query.bind(v),
                        SqlValue::F32(v) => query.bind(v),
                        SqlValue::F64(v) => query.bind(v),
                        SqlValue::Bool(v) => query.bind(v),
                        SqlValue::Text(v) => query.bind(v),
                        #[cfg(feature = "chrono")]
                        SqlValue::Date(v) => query.bind(v),
                        #[cfg(feature = "chrono")]
                        SqlValue::DateTime(v) => query.bind(v),
                    };
                }
                let rows = query.fetch_all(pool).await?;
                rows.iter()
                    .map(|row| {
                        columns
                            .iter()
                            .enumerate()
                            .map(|(i, column)| {
                                let value = match column.kind {
                                    Kind::I16 => SqlValue::I16(row.try_get(i)?),
                                    Kind::I32 => SqlValue::I32(row.try_get(i)?),
                                    Kind::I64 => SqlValue::I64(row.try_get(i)?),
                                    Kind::F32 => SqlValue::F32(row.try_get(i)?),
                                    Kind::F64 => SqlValue::F64(row.try_get(i)?),
                                    Kind::Bool => SqlValue::Bool(row.try_get(i)?),
                                    Kind::Text => SqlValue::Text(row.try_get(i)?),
                                    #[cfg(feature = "chrono")]
                                    Kind::Date => SqlValue::Date(row.try_get(i)?),
                                    #[cfg(feature = "chrono")]
                                    Kind::DateTime => SqlValue::DateTime(row.try_get(i)?),
                                    #[cfg(not(feature = "chrono"))]
                                    Kind::Date | Kind::DateTime => {
                                        unreachable!("date columns need the `chrono` feature")
                                    }
                                };
                                Ok((column.name.to_owned(), value.to_json()))
                            })
                            .collect()
                    })
                    .collect()
            }
        }
    };
}

#[cfg(feature = "sqlite")]
backend!(sqlite, sqlx::SqlitePool);
#[cfg(feature = "postgres")]
backend!(postgres, sqlx::PgPool);
