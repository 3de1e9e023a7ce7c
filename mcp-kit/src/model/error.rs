//! What a database error means to the caller: bad input naming the field, an unavailable
//! database, or an internal fault.

use sqlx::error::ErrorKind as DbErrorKind;

use super::ModelSpec;
use crate::error::ToolError;

pub(crate) fn db_error(error: sqlx::Error, spec: &ModelSpec) -> ToolError {
    match &error {
        // SQLSTATE class 08 (connection exception) and 57P (the server shutting down, or not
        // yet up): the database is at fault, not the call.
        sqlx::Error::Database(db)
            if db
                .code()
                .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")) =>
        {
            unavailable(spec, &error)
        }
        sqlx::Error::Database(db) => {
            let message = match db.kind() {
                DbErrorKind::UniqueViolation => "already exists: it must be unique",
                DbErrorKind::ForeignKeyViolation => {
                    "refers to a row that does not exist, or is referred to by one"
                }
                DbErrorKind::NotNullViolation => "is required",
                DbErrorKind::CheckViolation => "breaks a constraint of the table",
                // SQLSTATE class 22: a value the column's type refuses.
                _ if db.code().is_some_and(|c| c.starts_with("22")) => {
                    "is not a value the database accepts"
                }
                _ => return internal(spec, &error),
            };
            let text = format!("{} {}", db.message(), detail(db.as_ref()));
            let field = field_named(spec, &text).unwrap_or("arguments");
            ToolError::invalid_field(field, message)
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => unavailable(spec, &error),
        _ => internal(spec, &error),
    }
}

fn unavailable(spec: &ModelSpec, error: &sqlx::Error) -> ToolError {
    tracing::error!(model = spec.model, %error, "the database is unavailable");
    ToolError::unavailable("the database is unavailable; try again later")
}

fn internal(spec: &ModelSpec, error: &sqlx::Error) -> ToolError {
    ToolError::internal(format!("{} query failed: {error}", spec.model))
}

/// PostgreSQL names the offending key in its detail ("Key (isbn)=(…) already exists").
fn detail(db: &dyn sqlx::error::DatabaseError) -> String {
    #[cfg(feature = "postgres")]
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return format!(
            "{} {}",
            pg.detail().unwrap_or_default(),
            pg.column().map(|c| format!("\"{c}\"")).unwrap_or_default()
        );
    }
    let _ = db;
    String::new()
}

/// The column a constraint message names: `table.column` (SQLite), `(column)` or `"column"`
/// (PostgreSQL).
fn field_named(spec: &ModelSpec, text: &str) -> Option<&'static str> {
    let mut columns: Vec<_> = spec.exposed().collect();
    columns.sort_by_key(|c| std::cmp::Reverse(c.name.len()));
    columns.into_iter().map(|c| c.name).find(|name| {
        [
            format!("{}.{name}", spec.table),
            format!("({name})"),
            format!("\"{name}\""),
        ]
        .iter()
        .any(|pattern| text.contains(pattern.as_str()))
    })
}
