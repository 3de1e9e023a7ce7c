//! The database a model's tools use, SQLite or PostgreSQL, chosen by URL at run time.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;

use super::sql::{Dialect, Sql};
use super::value::SqlValue;
use super::{ColumnSpec, IncludeSpec, Kind};

/// How long a call waits for a connection before reporting the database unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection idle this long is pinged before it is used: the server may have closed it
/// meanwhile. One used more recently is not: the pool pinged it when it came back, as sqlx does
/// on every release, and a second ping would be one more round trip per call.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Rows SQLite's worker thread sends ahead of the call reading them. sqlx's 50 is less than a
/// page of 50 and the row after it, so the worker stopped mid-page until the call caught up: about
/// four more thread switches a call. This holds a page of the default largest size (200).
#[cfg(feature = "sqlite")]
const ROW_BUFFER: usize = 256;

/// Turns SQLite's memory statistics off, once, before the process's first SQLite connection.
/// SQLite counts every allocation under one process-wide lock for `sqlite3_status`, which no
/// server reads; a page of rows makes hundreds of them, about 6% of the page's CPU. SQLite
/// refuses the setting once it has started (an application that opened a connection of its
/// own first keeps its statistics), so nothing running is changed.
#[cfg(feature = "sqlite")]
fn stop_sqlite_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `SQLITE_CONFIG_MEMSTATUS` takes one `int`, as passed. SQLite reads the flag to
        // choose whether to count an allocation, never to find memory, and refuses the call
        // (SQLITE_MISUSE, ignored) once started.
        unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0);
        }
    });
}

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
    /// foreign keys on) or `postgres://…`. A call waits at most 5 s for a connection. A
    /// connection idle for a second or more is pinged before it is used, one used more recently
    /// is not: after a restart of the database, a call on a connection from just before it
    /// reports the database unavailable, and the connection is replaced. SQLite's worker thread
    /// sends a whole page ahead of the call reading it. The first SQLite URL in a process turns
    /// SQLite's memory statistics off (`SQLITE_CONFIG_MEMSTATUS`, after which
    /// `sqlite3_memory_used` reads 0), unless something in the process started SQLite before.
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
            stop_sqlite_memory_statistics();
            let options = url
                .parse::<sqlx::sqlite::SqliteConnectOptions>()?
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .foreign_keys(true)
                .row_buffer_size(ROW_BUFFER);
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
            Options::Sqlite(options) => {
                Pool::Sqlite(pool_options().connect_lazy_with(options.clone()))
            }
            #[cfg(feature = "postgres")]
            Options::Postgres(options) => {
                Pool::Postgres(pool_options().connect_lazy_with(options.clone()))
            }
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

    /// Runs `sql` and writes the first `limit` rows, each as a JSON object of its `columns`
    /// and of the rows its `includes` name, read in one more statement each.
    /// The values of the `keep` columns of the last row written come back too, for a cursor.
    pub(crate) async fn fetch(
        &self,
        sql: Sql,
        columns: &[&ColumnSpec],
        limit: usize,
        keep: &[usize],
        includes: &[IncludeSpec],
    ) -> Result<JsonRows, sqlx::Error> {
        match self.pool() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => sqlite::fetch(pool, sql, columns, limit, keep, includes).await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => {
                postgres::fetch(pool, sql, columns, limit, keep, includes).await
            }
        }
    }

    /// Runs a `SELECT COUNT(*)`.
    pub(crate) async fn count(&self, sql: Sql) -> Result<i64, sqlx::Error> {
        match self.pool() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => sqlite::count(pool, sql).await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => postgres::count(pool, sql).await,
        }
    }
}

/// Rows a statement read, written as JSON straight from the database's values: no value is
/// copied into an intermediate tree on the way to the response.
pub(crate) struct JsonRows {
    /// The rows as JSON objects, `,`-separated.
    pub(crate) text: String,
    /// How many were written.
    pub(crate) count: usize,
    /// Whether the statement read more rows than were written.
    pub(crate) more: bool,
    /// The `keep` columns of the last row written.
    pub(crate) last: Vec<Value>,
}

/// One value of a row as it is written, borrowed from the row where it can be.
enum Cell<'r> {
    Integer(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Text(Option<&'r str>),
    #[cfg(feature = "chrono")]
    Date(Option<chrono::NaiveDate>),
    #[cfg(feature = "chrono")]
    DateTime(Option<chrono::DateTime<chrono::Utc>>),
}

impl serde::Serialize for Cell<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Integer(v) => v.serialize(serializer),
            // Not a JSON number: written as null, as `serde_json` writes it.
            Self::Float(v) => v.serialize(serializer),
            Self::Bool(v) => v.serialize(serializer),
            Self::Text(v) => v.serialize(serializer),
            #[cfg(feature = "chrono")]
            Self::Date(v) => match v {
                Some(date) => serializer.collect_str(date),
                None => serializer.serialize_none(),
            },
            #[cfg(feature = "chrono")]
            Self::DateTime(v) => match v {
                Some(time) => serializer
                    .serialize_str(&time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                None => serializer.serialize_none(),
            },
        }
    }
}

/// A row's object keys as JSON, `"id":` then `,"title":` and so on: escaped once per statement,
/// not once per row.
struct Keys(Vec<Vec<u8>>);

impl Keys {
    fn new(columns: &[&ColumnSpec]) -> Self {
        let keys = columns.iter().enumerate().map(|(i, column)| {
            let mut key = if i == 0 { Vec::new() } else { vec![b','] };
            serde_json::to_writer(&mut key, column.name).expect("a string serializes");
            key.push(b':');
            key
        });
        Self(keys.collect())
    }

    fn get(&self, i: usize) -> &[u8] {
        &self.0[i]
    }
}

/// The error of a column that does not decode as its kind, naming the column.
fn undecodable(column: &str, source: impl Into<sqlx::error::BoxDynError>) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: format!("{column:?}"),
        source: source.into(),
    }
}

fn pool_options<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
    use sqlx::Connection as _;
    sqlx::pool::PoolOptions::new()
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(false)
        .before_acquire(|connection: &mut DB::Connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}

const SUPPORTED: &str = match (cfg!(feature = "sqlite"), cfg!(feature = "postgres")) {
    (true, true) => "sqlite: and postgres:",
    (true, false) => "sqlite:; PostgreSQL needs mcp-kit's `postgres` feature",
    (false, _) => "postgres:; SQLite needs mcp-kit's `sqlite` feature",
};

/// The same code for each backend, with its concrete types: sqlx's generic bounds for
/// "encodes and decodes these seven types" are longer than the code.
macro_rules! backend {
    ($module:ident, $dialect:expr, $db:ty, $pool:ty, $row:ty, typed_columns: $typed:literal) => {
        mod $module {
            use std::collections::{HashMap, HashSet};

            use futures_util::TryStreamExt as _;
            use serde_json::value::RawValue;
            use sqlx::Row as _;

            use super::*;

            /// Whether a statement's columns have one type each, so that a value's type need
            /// not be checked cell by cell.
            const TYPED_COLUMNS: bool = $typed;

            type Query<'q> = sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>;

            fn query(text: &str, binds: Vec<SqlValue>) -> Query<'_> {
                let mut query = sqlx::query(text);
                for value in binds {
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
                query
            }

            pub(super) async fn count(pool: &$pool, sql: Sql) -> Result<i64, sqlx::Error> {
                query(&sql.text, sql.binds)
                    .fetch_one(pool)
                    .await?
                    .try_get(0)
            }

            pub(super) async fn fetch(
                pool: &$pool,
                sql: Sql,
                columns: &[&ColumnSpec],
                limit: usize,
                keep: &[usize],
                includes: &[IncludeSpec],
            ) -> Result<JsonRows, sqlx::Error> {
                let mut page = Page::new(columns, limit);
                if includes.is_empty() {
                    // Each row is written as it arrives; only the last one stays, for the cursor.
                    let mut rows = query(&sql.text, sql.binds).fetch(pool);
                    while let Some(row) = rows.try_next().await? {
                        page.push(row, &[])?;
                    }
                } else {
                    let rows = query(&sql.text, sql.binds).fetch_all(pool).await?;
                    let written = &rows[..rows.len().min(limit)];
                    let mut embedded = Vec::with_capacity(includes.len());
                    for include in includes {
                        let at = columns
                            .iter()
                            .position(|c| c.name == include.column)
                            .expect("the derive checks that an include's key is exposed");
                        let found = related(pool, include, written, at, columns[at].kind).await?;
                        embedded.push(Embedded {
                            name: include.name,
                            at,
                            kind: columns[at].kind,
                            found,
                        });
                    }
                    for row in rows {
                        page.push(row, &embedded)?;
                    }
                }
                page.finish(keep)
            }

            /// The rows of one statement as they are written: the first `limit`, and whether
            /// more came.
            struct Page<'a> {
                columns: &'a [&'a ColumnSpec],
                keys: Keys,
                limit: usize,
                text: Vec<u8>,
                count: usize,
                more: bool,
                last: Option<$row>,
            }

            impl<'a> Page<'a> {
                fn new(columns: &'a [&'a ColumnSpec], limit: usize) -> Self {
                    Self {
                        columns,
                        keys: Keys::new(columns),
                        limit,
                        text: Vec::with_capacity(limit.min(100) * columns.len() * 24),
                        count: 0,
                        more: false,
                        last: None,
                    }
                }

                fn push(&mut self, row: $row, embedded: &[Embedded]) -> Result<(), sqlx::Error> {
                    if self.count == self.limit {
                        self.more = true;
                        return Ok(());
                    }
                    if self.count == 0 {
                        check_types(&row, self.columns)?;
                    } else {
                        self.text.push(b',');
                    }
                    write_row(&mut self.text, &row, self.columns, &self.keys, embedded)?;
                    self.count += 1;
                    self.last = Some(row);
                    Ok(())
                }

                fn finish(self, keep: &[usize]) -> Result<JsonRows, sqlx::Error> {
                    let last = match &self.last {
                        Some(row) => keep
                            .iter()
                            .map(|&i| Ok(value(row, i, self.columns[i].kind)?.to_json()))
                            .collect::<Result<_, sqlx::Error>>()?,
                        None => Vec::new(),
                    };
                    Ok(JsonRows {
                        text: String::from_utf8(self.text).expect("JSON is UTF-8"),
                        count: self.count,
                        more: self.more,
                        last,
                    })
                }
            }

            /// The rows of one include, by the JSON of their key.
            struct Embedded {
                name: &'static str,
                at: usize,
                kind: Kind,
                found: HashMap<String, Box<RawValue>>,
            }

            /// The rows `rows` name in their column `at`, read at once, by the JSON of their
            /// key. A row deleted since is not there: its key embeds null.
            async fn related(
                pool: &$pool,
                include: &IncludeSpec,
                rows: &[$row],
                at: usize,
                kind: Kind,
            ) -> Result<HashMap<String, Box<RawValue>>, sqlx::Error> {
                let mut seen = HashSet::new();
                let mut keys = Vec::new();
                for row in rows {
                    let key = value(row, at, kind)?;
                    if !key.is_null() && seen.insert(key.to_json().to_string()) {
                        keys.push(key);
                    }
                }
                let mut found = HashMap::with_capacity(keys.len());
                if keys.is_empty() {
                    return Ok(found);
                }
                let spec = include.related;
                let columns: Vec<_> = spec.exposed().collect();
                let pk = columns
                    .iter()
                    .position(|c| c.name == spec.pk)
                    .expect("a model exposes its primary key");
                let mut sql = Sql::new($dialect);
                sql.select(spec.table, columns.iter().map(|c| c.name))
                    .push(" WHERE ")
                    .ident(spec.pk)
                    .push(" IN (");
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.bind(key);
                }
                sql.push(")");
                let rows = query(&sql.text, sql.binds).fetch_all(pool).await?;
                if let Some(first) = rows.first() {
                    check_types(first, &columns)?;
                }
                let object_keys = Keys::new(&columns);
                for row in rows {
                    let key = value(&row, pk, columns[pk].kind)?.to_json().to_string();
                    let mut text = Vec::new();
                    write_row(&mut text, &row, &columns, &object_keys, &[])?;
                    let text = String::from_utf8(text).expect("JSON is UTF-8");
                    let raw = RawValue::from_string(text).expect("a row is one JSON value");
                    found.insert(key, raw);
                }
                Ok(found)
            }

            /// A row as a JSON object of its columns, then the rows it embeds (null for a row
            /// deleted since).
            fn write_row(
                text: &mut Vec<u8>,
                row: &$row,
                columns: &[&ColumnSpec],
                keys: &Keys,
                embedded: &[Embedded],
            ) -> Result<(), sqlx::Error> {
                let json = |e: serde_json::Error| sqlx::Error::Decode(e.into());
                text.push(b'{');
                for (i, column) in columns.iter().enumerate() {
                    text.extend_from_slice(keys.get(i));
                    serde_json::to_writer(&mut *text, &cell(row, i, column)?).map_err(json)?;
                }
                for include in embedded {
                    let key = value(row, include.at, include.kind)?.to_json().to_string();
                    text.push(b',');
                    serde_json::to_writer(&mut *text, include.name).map_err(json)?;
                    text.push(b':');
                    let found = include.found.get(&key);
                    text.extend_from_slice(found.map_or("null", |raw| raw.get()).as_bytes());
                }
                text.push(b'}');
                Ok(())
            }

            /// Checks once per statement, where the backend types each column rather than each
            /// value, that every column decodes as its kind; its cells are then read unchecked.
            fn check_types(row: &$row, columns: &[&ColumnSpec]) -> Result<(), sqlx::Error> {
                use sqlx::{Column as _, Type};
                if !TYPED_COLUMNS {
                    return Ok(());
                }
                for (i, column) in columns.iter().enumerate() {
                    let ty = row.column(i).type_info();
                    let fits = match column.kind {
                        Kind::I16 => <i16 as Type<$db>>::compatible(ty),
                        Kind::I32 => <i32 as Type<$db>>::compatible(ty),
                        Kind::I64 => <i64 as Type<$db>>::compatible(ty),
                        Kind::F32 => <f32 as Type<$db>>::compatible(ty),
                        Kind::F64 => <f64 as Type<$db>>::compatible(ty),
                        Kind::Bool => <bool as Type<$db>>::compatible(ty),
                        Kind::Text => <&str as Type<$db>>::compatible(ty),
                        #[cfg(feature = "chrono")]
                        Kind::Date => <chrono::NaiveDate as Type<$db>>::compatible(ty),
                        #[cfg(feature = "chrono")]
                        Kind::DateTime => {
                            <chrono::DateTime<chrono::Utc> as Type<$db>>::compatible(ty)
                        }
                        #[cfg(not(feature = "chrono"))]
                        Kind::Date | Kind::DateTime => false,
                    };
                    if !fits {
                        return Err(undecodable(
                            column.name,
                            format!(
                                "the column is of SQL type {}, which does not decode as {:?}",
                                sqlx::TypeInfo::name(ty),
                                column.kind
                            ),
                        ));
                    }
                }
                Ok(())
            }

            /// A cell: null, or a `T`. Where the backend types each value rather than each
            /// column, the value's type is checked here; elsewhere [`check_types`] has checked
            /// the column. (sqlx's `try_get` would ask SQLite a value's type three times.)
            fn get<'r, T>(row: &'r $row, i: usize, name: &str) -> Result<Option<T>, sqlx::Error>
            where
                T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
            {
                use sqlx::ValueRef as _;
                let value = row.try_get_raw(i)?;
                if value.is_null() {
                    return Ok(None);
                }
                if !TYPED_COLUMNS {
                    let ty = value.type_info();
                    if !T::compatible(&ty) {
                        return Err(undecodable(
                            name,
                            format!(
                                "a value of SQL type {}, which does not decode as {}",
                                sqlx::TypeInfo::name(&*ty),
                                std::any::type_name::<T>()
                            ),
                        ));
                    }
                }
                T::decode(value)
                    .map(Some)
                    .map_err(|source| undecodable(name, source))
            }

            fn cell<'r>(
                row: &'r $row,
                i: usize,
                column: &ColumnSpec,
            ) -> Result<Cell<'r>, sqlx::Error> {
                let name = column.name;
                Ok(match column.kind {
                    Kind::I16 => Cell::Integer(get::<i16>(row, i, name)?.map(i64::from)),
                    Kind::I32 => Cell::Integer(get::<i32>(row, i, name)?.map(i64::from)),
                    Kind::I64 => Cell::Integer(get(row, i, name)?),
                    Kind::F32 => Cell::Float(get::<f32>(row, i, name)?.map(f64::from)),
                    Kind::F64 => Cell::Float(get(row, i, name)?),
                    Kind::Bool => Cell::Bool(get(row, i, name)?),
                    Kind::Text => Cell::Text(get(row, i, name)?),
                    #[cfg(feature = "chrono")]
                    Kind::Date => Cell::Date(get(row, i, name)?),
                    #[cfg(feature = "chrono")]
                    Kind::DateTime => Cell::DateTime(get(row, i, name)?),
                    #[cfg(not(feature = "chrono"))]
                    Kind::Date | Kind::DateTime => {
                        unreachable!("date columns need the `chrono` feature")
                    }
                })
            }

            fn value(row: &$row, i: usize, kind: Kind) -> Result<SqlValue, sqlx::Error> {
                Ok(match kind {
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
                })
            }
        }
    };
}

#[cfg(feature = "sqlite")]
backend!(
    sqlite,
    Dialect::Sqlite,
    sqlx::Sqlite,
    sqlx::SqlitePool,
    sqlx::sqlite::SqliteRow,
    // Every SQLite value carries its own type, whatever its column was declared as.
    typed_columns: false
);
#[cfg(feature = "postgres")]
backend!(
    postgres,
    Dialect::Postgres,
    sqlx::Postgres,
    sqlx::PgPool,
    sqlx::postgres::PgRow,
    typed_columns: true
);
