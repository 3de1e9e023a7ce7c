//! The tools a model gets: list, retrieve, create, update, partial_update and destroy, and
//! the `as_resource` read. Each takes its arguments in its first half (reporting every bad
//! one); the second runs one statement narrowed by the caller's scope.

use std::future::Future;
use std::sync::Arc;

use super::arguments::Arguments;
use super::database::Database;
use super::error::db_error;
use super::list::ListQuery;
use super::sql::Sql;
use super::value::SqlValue;
use super::{ColumnSpec, IncludeSpec, ModelSpec};
use crate::error::ToolError;
use crate::extract::{Call, Prepared, prepared};
use crate::resource::ResourceOutput;
use crate::result::ToolOutput;

pub fn list(call: &mut Call, spec: &'static ModelSpec) -> Prepared<ToolOutput> {
    let query = ListQuery::parse(call, spec)?;
    let target = Target::of(call, spec)?;
    structured(query.run(target))
}

pub fn retrieve(call: &mut Call, spec: &'static ModelSpec) -> Prepared<ToolOutput> {
    let key = by_key(call, spec)?;
    let target = Target::of(call, spec)?;
    structured(target.read(key, spec))
}

pub fn create(call: &mut Call, spec: &'static ModelSpec) -> Prepared<ToolOutput> {
    let values = new_values(call, spec)?;
    let target = Target::of(call, spec)?;
    structured(target.create(values, spec))
}

pub fn update(call: &mut Call, spec: &'static ModelSpec) -> Prepared<ToolOutput> {
    let (key, values) = changes(call, spec, false)?;
    let target = Target::of(call, spec)?;
    structured(target.update(key, values, spec))
}

pub fn partial_update(call: &mut Call, spec: &'static ModelSpec) -> Prepared<ToolOutput> {
    let (key, values) = changes(call, spec, true)?;
    let target = Target::of(call, spec)?;
    structured(target.update(key, values, spec))
}

pub fn destroy(call: &mut Call, spec: &'static ModelSpec) -> Prepared<ToolOutput> {
    let key = by_key(call, spec)?;
    let target = Target::of(call, spec)?;
    structured(target.delete(key, spec))
}

/// `{prefix}://{pk}`: the row as JSON.
pub fn read_resource(call: &mut Call, spec: &'static ModelSpec) -> Prepared<ResourceOutput> {
    let key = by_key(call, spec)?;
    let target = Target::of(call, spec)?;
    let read = target.read(key, spec);
    prepared(async move {
        let row = read.await?;
        let row = serde_json::from_str(&row).expect("a row is written as JSON");
        Ok(ResourceOutput::Json(row))
    })
}

/// A statement's result, written as JSON text, as the tool's structured content.
fn structured<F>(run: F) -> Prepared<ToolOutput>
where
    F: Future<Output = Result<String, ToolError>> + Send + 'static,
{
    prepared(async move { run.await.map(ToolOutput::structured_json) })
}

/// Column values to write.
type Values = Vec<(&'static ColumnSpec, SqlValue)>;

/// A comparison in a `WHERE` clause.
pub(super) enum Condition {
    Compare(&'static ColumnSpec, &'static str, SqlValue),
    IsNull(&'static ColumnSpec),
    /// The included row matches: `author__country = 'NG'`.
    Related(&'static IncludeSpec, Box<Condition>),
}

/// Where a call's statement runs: the database, and the caller's scope in it.
pub(super) struct Target {
    pub(super) db: Arc<Database>,
    /// `None` when the caller may see no row.
    pub(super) scope: Option<Vec<Condition>>,
}

/// The key of `retrieve`, `destroy` and the resource read.
fn by_key(call: &mut Call, spec: &ModelSpec) -> Result<SqlValue, ToolError> {
    let mut args = Arguments::take(call);
    let key = args.pk(spec);
    args.finish()?;
    Ok(key.expect("checked by finish"))
}

/// The values of a new row.
fn new_values(call: &mut Call, spec: &'static ModelSpec) -> Result<Values, ToolError> {
    let mut args = Arguments::take(call);
    let mut values = Vec::new();
    for column in spec.create_columns() {
        if let Some(value) = args.column(column, column.required_on_create()) {
            values.push((column, value));
        }
    }
    args.finish()?;
    Ok(values)
}

/// The key of the row to change, and its new values. `update` replaces the row: a nullable
/// column left out becomes null; `partial_update` changes only what is named.
fn changes(
    call: &mut Call,
    spec: &'static ModelSpec,
    partial: bool,
) -> Result<(SqlValue, Values), ToolError> {
    let mut args = Arguments::take(call);
    let key = args.pk(spec);
    let mut values = Vec::new();
    for column in spec.update_columns() {
        let present = args.map.contains_key(column.name);
        match args.column(column, !partial && !column.nullable) {
            Some(value) => values.push((column, value)),
            None if !partial && !present => values.push((column, SqlValue::null(column.kind))),
            None => {}
        }
    }
    if partial && values.is_empty() && args.errors.is_empty() {
        let names: Vec<_> = spec.update_columns().map(|c| c.name).collect();
        args.error(
            "arguments",
            format!("name at least one field to change: {}", one_of(&names)),
        );
    }
    args.finish()?;
    Ok((key.expect("checked by finish"), values))
}

impl Target {
    fn of(call: &Call, spec: &ModelSpec) -> Result<Self, ToolError> {
        let db = call.state.get::<Database>().ok_or_else(|| {
            ToolError::internal(
                "no `mcp_kit::model::Database` in the server's state: give it to Server::builder().state(…)",
            )
        })?;
        let scope = scope(spec, call)?;
        Ok(Self { db, scope })
    }

    async fn read(self, key: SqlValue, spec: &'static ModelSpec) -> Result<String, ToolError> {
        let Some(scope) = self.scope else {
            return Err(not_found(spec, &key));
        };
        let columns: Vec<_> = spec.exposed().collect();
        let mut sql = Sql::new(self.db.dialect());
        sql.select(spec.table, columns.iter().map(|c| c.name));
        let mut conditions = vec![Condition::Compare(spec.pk_column(), "=", key.clone())];
        conditions.extend(scope);
        where_clause(&mut sql, &conditions);
        one(&self.db, sql, spec, &columns, &key, spec.includes).await
    }

    async fn delete(self, key: SqlValue, spec: &'static ModelSpec) -> Result<String, ToolError> {
        let Some(scope) = self.scope else {
            return Err(not_found(spec, &key));
        };
        let columns: Vec<_> = spec.exposed().collect();
        let mut sql = Sql::new(self.db.dialect());
        sql.push("DELETE FROM ").ident(spec.table);
        let mut conditions = vec![Condition::Compare(spec.pk_column(), "=", key.clone())];
        conditions.extend(scope);
        where_clause(&mut sql, &conditions);
        sql.push(" RETURNING ")
            .idents(columns.iter().map(|c| c.name));
        one(&self.db, sql, spec, &columns, &key, &[]).await
    }

    async fn create(
        self,
        mut values: Values,
        spec: &'static ModelSpec,
    ) -> Result<String, ToolError> {
        let Some(scope) = self.scope else {
            return Err(ToolError::permission_denied(format!(
                "you may not add rows to `{}`",
                spec.table
            )));
        };
        for condition in scope {
            pin(&mut values, condition)?;
        }
        let columns: Vec<_> = spec.exposed().collect();
        let mut sql = Sql::new(self.db.dialect());
        sql.push("INSERT INTO ").ident(spec.table);
        if values.is_empty() {
            sql.push(" DEFAULT VALUES");
        } else {
            sql.push(" (")
                .idents(values.iter().map(|(c, _)| c.name))
                .push(") VALUES (");
            for (i, (_, value)) in values.into_iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(value);
            }
            sql.push(")");
        }
        sql.push(" RETURNING ")
            .idents(columns.iter().map(|c| c.name));
        let row = self
            .db
            .fetch(sql, &columns, 1, &[], &[])
            .await
            .map_err(|e| db_error(e, spec))?;
        Ok(if row.count == 0 {
            "null".to_owned()
        } else {
            row.text
        })
    }

    async fn update(
        self,
        key: SqlValue,
        values: Values,
        spec: &'static ModelSpec,
    ) -> Result<String, ToolError> {
        let Some(scope) = self.scope else {
            return Err(not_found(spec, &key));
        };
        let mut conditions = vec![Condition::Compare(spec.pk_column(), "=", key.clone())];
        for condition in scope {
            if let Condition::Compare(column, _, value) = &condition
                && let Some((_, given)) = values.iter().find(|(c, _)| c.name == column.name)
                && given != value
            {
                return Err(outside_scope(column));
            }
            conditions.push(condition);
        }
        let columns: Vec<_> = spec.exposed().collect();
        let mut sql = Sql::new(self.db.dialect());
        sql.push("UPDATE ").ident(spec.table).push(" SET ");
        for (i, (column, value)) in values.into_iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.ident(column.name).push(" = ").bind(value);
        }
        where_clause(&mut sql, &conditions);
        sql.push(" RETURNING ")
            .idents(columns.iter().map(|c| c.name));
        one(&self.db, sql, spec, &columns, &key, &[]).await
    }
}

/// Runs a statement that touches at most one row, by primary key: the row as a JSON object,
/// with the rows of `includes`.
async fn one(
    db: &Database,
    sql: Sql,
    spec: &ModelSpec,
    columns: &[&ColumnSpec],
    key: &SqlValue,
    includes: &[IncludeSpec],
) -> Result<String, ToolError> {
    let row = db
        .fetch(sql, columns, 1, &[], includes)
        .await
        .map_err(|e| db_error(e, spec))?;
    if row.count == 0 {
        return Err(not_found(spec, key));
    }
    Ok(row.text)
}

pub(super) fn where_clause(sql: &mut Sql, conditions: &[Condition]) {
    for (i, condition) in conditions.iter().enumerate() {
        sql.push(if i == 0 { " WHERE " } else { " AND " });
        write_condition(sql, condition);
    }
}

fn write_condition(sql: &mut Sql, condition: &Condition) {
    match condition {
        Condition::Compare(column, op, value) => {
            sql.ident(column.name)
                .push(" ")
                .push(op)
                .push(" ")
                .bind(value.clone());
        }
        Condition::IsNull(column) => {
            sql.ident(column.name).push(" IS NULL");
        }
        Condition::Related(include, condition) => {
            let related = include.related;
            sql.ident(include.column)
                .push(" IN (")
                .select(related.table, [related.pk])
                .push(" WHERE ");
            write_condition(sql, condition);
            sql.push(")");
        }
    }
}

/// Sets a scoped column on a new row, refusing a different value from the caller.
fn pin(values: &mut Values, condition: Condition) -> Result<(), ToolError> {
    let (column, value) = match condition {
        Condition::Compare(column, _, value) => (column, value),
        Condition::IsNull(column) => (column, SqlValue::null(column.kind)),
        Condition::Related(..) => unreachable!("a scope names the model's own columns"),
    };
    match values.iter().find(|(c, _)| c.name == column.name) {
        Some((_, given)) if *given != value => Err(outside_scope(column)),
        Some(_) => Ok(()),
        None => {
            values.push((column, value));
            Ok(())
        }
    }
}

fn outside_scope(column: &ColumnSpec) -> ToolError {
    ToolError::invalid_field(column.name, "is outside the rows you may write")
}

fn not_found(spec: &ModelSpec, key: &SqlValue) -> ToolError {
    ToolError::not_found(format!(
        "no row of `{}` has {} {}",
        spec.table,
        spec.pk,
        key.to_json()
    ))
}

/// The caller's scope as conditions, or `None` when it may see no row.
fn scope(spec: &ModelSpec, call: &Call) -> Result<Option<Vec<Condition>>, ToolError> {
    let Some(scope_fn) = spec.scope else {
        return Ok(Some(Vec::new()));
    };
    let scope = scope_fn(call.context.principal());
    if scope.nothing {
        return Ok(None);
    }
    scope
        .equal
        .into_iter()
        .map(|(name, value)| {
            let column = spec.column(&name).ok_or_else(|| {
                ToolError::internal(format!(
                    "the scope of {} names `{name}`, which is not one of its fields",
                    spec.model
                ))
            })?;
            let value = value.coerce(column.kind).ok_or_else(|| {
                ToolError::internal(format!(
                    "the scope of {} gives `{name}` a value of another type",
                    spec.model
                ))
            })?;
            Ok(if value.is_null() {
                Condition::IsNull(column)
            } else {
                Condition::Compare(column, "=", value)
            })
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// `\`, `%` and `_` match themselves in a search.
pub(super) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

pub(super) fn one_of(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
