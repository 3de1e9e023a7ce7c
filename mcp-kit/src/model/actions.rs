//! The tools a model gets: list, retrieve, create, update, partial_update and destroy, and
//! the `as_resource` read. Each checks its arguments, takes its rate-limit quota, then runs one
//! statement narrowed by the caller's scope.

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};

use super::cursor::{Cursor, query_digest};
use super::database::Database;
use super::error::db_error;
use super::sql::Sql;
use super::value::SqlValue;
use super::{ColumnSpec, ModelSpec};
use crate::error::{FieldError, ToolError};
use crate::extract::Call;
use crate::resource::ResourceOutput;
use crate::result::ToolOutput;

type ToolFuture = BoxFuture<'static, Result<ToolOutput, ToolError>>;

pub fn list(call: Call, spec: &'static ModelSpec) -> ToolFuture {
    run_list(call, spec)
        .map(|r| r.map(ToolOutput::structured))
        .boxed()
}

pub fn retrieve(call: Call, spec: &'static ModelSpec) -> ToolFuture {
    run_retrieve(call, spec)
        .map(|r| r.map(ToolOutput::structured))
        .boxed()
}

pub fn create(call: Call, spec: &'static ModelSpec) -> ToolFuture {
    run_create(call, spec)
        .map(|r| r.map(ToolOutput::structured))
        .boxed()
}

pub fn update(call: Call, spec: &'static ModelSpec) -> ToolFuture {
    run_update(call, spec, false)
        .map(|r| r.map(ToolOutput::structured))
        .boxed()
}

pub fn partial_update(call: Call, spec: &'static ModelSpec) -> ToolFuture {
    run_update(call, spec, true)
        .map(|r| r.map(ToolOutput::structured))
        .boxed()
}

pub fn destroy(call: Call, spec: &'static ModelSpec) -> ToolFuture {
    run_destroy(call, spec)
        .map(|r| r.map(ToolOutput::structured))
        .boxed()
}

/// `{prefix}://{pk}`: the row as JSON.
pub fn read_resource(
    call: Call,
    spec: &'static ModelSpec,
) -> BoxFuture<'static, Result<ResourceOutput, ToolError>> {
    run_retrieve(call, spec)
        .map(|r| r.map(ResourceOutput::Json))
        .boxed()
}

/// A comparison in a `WHERE` clause.
enum Condition {
    Compare(&'static ColumnSpec, &'static str, SqlValue),
    IsNull(&'static ColumnSpec),
}

async fn run_list(mut call: Call, spec: &'static ModelSpec) -> Result<Value, ToolError> {
    let mut args = Arguments::take(&mut call);
    let mut conditions = Vec::new();
    let mut shape = Map::new();
    for &name in spec.filter {
        let column = spec.column(name).expect("the derive checks filter fields");
        for (suffix, op) in [("", "="), ("__gte", ">="), ("__lte", "<=")] {
            if !suffix.is_empty() && !column.kind.has_ranges() {
                continue;
            }
            let argument = format!("{name}{suffix}");
            let Some(raw) = args.map.remove(&argument) else {
                continue;
            };
            shape.insert(argument.clone(), raw.clone());
            match SqlValue::from_json(column.kind, column.nullable && op == "=", &raw) {
                Ok(value) if value.is_null() => conditions.push(Condition::IsNull(column)),
                Ok(value) => conditions.push(Condition::Compare(column, op, value)),
                Err(message) => args.error(&argument, message),
            }
        }
    }
    let search = args.string("search");
    if let Some(text) = &search {
        shape.insert("search".into(), text.as_str().into());
    }
    let order_by = args.string("order_by");
    let (order, descending) = match order_by.as_deref() {
        None => (spec.pk_column(), false),
        Some(text) => {
            let (name, descending) = match text.strip_prefix('-') {
                Some(name) => (name, true),
                None => (text, false),
            };
            match spec.order.iter().find(|&&o| o == name) {
                Some(name) => (
                    spec.column(name).expect("the derive checks order fields"),
                    descending,
                ),
                None => {
                    args.error(
                        "order_by",
                        format!(
                            "cannot order by `{text}`; use one of {}",
                            one_of(spec.order)
                        ),
                    );
                    (spec.pk_column(), false)
                }
            }
        }
    };
    shape.insert("order_by".into(), json!([order.name, descending]));
    let limit = match args.map.remove("limit") {
        None => spec.page_size,
        Some(raw) => match raw
            .as_u64()
            .filter(|n| (1..=u64::from(spec.max_page_size)).contains(n))
        {
            Some(n) => n as u32,
            None => {
                args.error(
                    "limit",
                    format!("expected an integer from 1 to {}", spec.max_page_size),
                );
                spec.page_size
            }
        },
    };
    let query = query_digest(&Value::Object(shape));
    let after = match args.string("cursor") {
        Some(text) => match cursor_position(spec, order, &text, &query) {
            Ok(after) => Some(after),
            Err(error) => return Err(args.finish_with(error)),
        },
        None => None,
    };
    args.finish()?;
    call.admit().await?;

    let db = database(&call)?;
    let Some(scope) = scope(spec, &call)? else {
        return Ok(json!({"items": [], "next_cursor": null}));
    };
    let columns: Vec<_> = spec.exposed().collect();
    let pk = spec.pk_column();
    let mut sql = Sql::new(db.dialect());
    select(&mut sql, spec, &columns);
    conditions.extend(scope);
    where_clause(&mut sql, &conditions);
    if let Some(text) = &search {
        sql.push(if conditions.is_empty() {
            " WHERE ("
        } else {
            " AND ("
        });
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        for (i, name) in spec.search.iter().enumerate() {
            sql.push(if i == 0 { "LOWER(" } else { " OR LOWER(" });
            sql.ident(name)
                .push(") LIKE ")
                .bind(pattern.clone().into())
                .push(" ESCAPE '\\'");
        }
        sql.push(")");
    }
    if let Some((value, key)) = after {
        let first = conditions.is_empty() && search.is_none();
        sql.push(if first { " WHERE " } else { " AND " });
        let cmp = if descending { " < " } else { " > " };
        if order.name == pk.name {
            sql.ident(pk.name).push(cmp).bind(key);
        } else {
            sql.push("(")
                .ident(order.name)
                .push(", ")
                .ident(pk.name)
                .push(")");
            sql.push(cmp)
                .push("(")
                .bind(value)
                .push(", ")
                .bind(key)
                .push(")");
        }
    }
    let direction = if descending { " DESC" } else { " ASC" };
    sql.push(" ORDER BY ").ident(order.name).push(direction);
    if order.name != pk.name {
        sql.push(", ").ident(pk.name).push(direction);
    }
    sql.push(" LIMIT ").bind(i64::from(limit + 1).into());

    let mut rows = db
        .fetch(sql, &columns)
        .await
        .map_err(|e| db_error(e, spec))?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        let last = rows.last().expect("a full page has a last row");
        let cursor = Cursor {
            value: last[order.name].clone(),
            pk: last[pk.name].clone(),
            query,
        };
        Value::from(cursor.encode())
    } else {
        Value::Null
    };
    Ok(json!({"items": rows, "next_cursor": next_cursor}))
}

/// The position a cursor names, typed as its columns are.
fn cursor_position(
    spec: &ModelSpec,
    order: &ColumnSpec,
    text: &str,
    query: &str,
) -> Result<(SqlValue, SqlValue), ToolError> {
    let cursor = Cursor::decode(text, query)?;
    let pk = spec.pk_column();
    match (
        SqlValue::from_json(order.kind, false, &cursor.value),
        SqlValue::from_json(pk.kind, false, &cursor.pk),
    ) {
        (Ok(value), Ok(key)) => Ok((value, key)),
        _ => Err(ToolError::invalid_field(
            "cursor",
            "is not a cursor this tool gave out; start again without one",
        )),
    }
}

/// `retrieve`, and the resource read: the row with this key, if the caller may see it.
async fn run_retrieve(call: Call, spec: &'static ModelSpec) -> Result<Value, ToolError> {
    by_key(call, spec, false).await
}

async fn run_create(mut call: Call, spec: &'static ModelSpec) -> Result<Value, ToolError> {
    let mut args = Arguments::take(&mut call);
    let mut values = Vec::new();
    for column in spec.create_columns() {
        if let Some(value) = args.column(column, column.required_on_create()) {
            values.push((column, value));
        }
    }
    args.finish()?;
    call.admit().await?;
    let db = database(&call)?;
    let Some(scope) = scope(spec, &call)? else {
        return Err(ToolError::permission_denied(format!(
            "you may not create {} rows",
            spec.model
        )));
    };
    for condition in scope {
        pin(&mut values, condition)?;
    }
    let columns: Vec<_> = spec.exposed().collect();
    let mut sql = Sql::new(db.dialect());
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
    let row = db
        .fetch(sql, &columns)
        .await
        .map_err(|e| db_error(e, spec))?;
    Ok(row
        .into_iter()
        .next()
        .map(Value::Object)
        .unwrap_or(Value::Null))
}

async fn run_update(
    mut call: Call,
    spec: &'static ModelSpec,
    partial: bool,
) -> Result<Value, ToolError> {
    let mut args = Arguments::take(&mut call);
    let key = args.pk(spec);
    let mut values = Vec::new();
    for column in spec.update_columns() {
        let present = args.map.contains_key(column.name);
        match args.column(column, !partial && !column.nullable) {
            Some(value) => values.push((column, value)),
            // `update` replaces the row: a nullable column left out becomes null.
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
    call.admit().await?;
    let key = key.expect("checked by finish");
    let db = database(&call)?;
    let Some(scope) = scope(spec, &call)? else {
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
    let mut sql = Sql::new(db.dialect());
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
    one(db, sql, spec, &columns, &key).await
}

async fn run_destroy(call: Call, spec: &'static ModelSpec) -> Result<Value, ToolError> {
    by_key(call, spec, true).await
}

/// Reads, or deletes, the one row with the key the caller names, within its scope. Either way
/// the answer is the row.
async fn by_key(
    mut call: Call,
    spec: &'static ModelSpec,
    delete: bool,
) -> Result<Value, ToolError> {
    let mut args = Arguments::take(&mut call);
    let key = args.pk(spec);
    args.finish()?;
    call.admit().await?;
    let key = key.expect("checked by finish");
    let db = database(&call)?;
    let Some(scope) = scope(spec, &call)? else {
        return Err(not_found(spec, &key));
    };
    let columns: Vec<_> = spec.exposed().collect();
    let mut sql = Sql::new(db.dialect());
    if delete {
        sql.push("DELETE FROM ").ident(spec.table);
    } else {
        select(&mut sql, spec, &columns);
    }
    let mut conditions = vec![Condition::Compare(spec.pk_column(), "=", key.clone())];
    conditions.extend(scope);
    where_clause(&mut sql, &conditions);
    if delete {
        sql.push(" RETURNING ")
            .idents(columns.iter().map(|c| c.name));
    }
    one(db, sql, spec, &columns, &key).await
}

/// Runs a statement that touches at most one row, by primary key.
async fn one(
    db: &Database,
    sql: Sql,
    spec: &ModelSpec,
    columns: &[&ColumnSpec],
    key: &SqlValue,
) -> Result<Value, ToolError> {
    let rows = db
        .fetch(sql, columns)
        .await
        .map_err(|e| db_error(e, spec))?;
    rows.into_iter()
        .next()
        .map(Value::Object)
        .ok_or_else(|| not_found(spec, key))
}

fn select(sql: &mut Sql, spec: &ModelSpec, columns: &[&ColumnSpec]) {
    sql.push("SELECT ").idents(columns.iter().map(|c| c.name));
    sql.push(" FROM ").ident(spec.table);
}

fn where_clause(sql: &mut Sql, conditions: &[Condition]) {
    for (i, condition) in conditions.iter().enumerate() {
        sql.push(if i == 0 { " WHERE " } else { " AND " });
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
        }
    }
}

/// Sets a scoped column on a new row, refusing a different value from the caller.
fn pin(
    values: &mut Vec<(&'static ColumnSpec, SqlValue)>,
    condition: Condition,
) -> Result<(), ToolError> {
    let (column, value) = match condition {
        Condition::Compare(column, _, value) => (column, value),
        Condition::IsNull(column) => (column, SqlValue::null(column.kind)),
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
        "no {} with {} {}",
        spec.model,
        spec.pk,
        key.to_json()
    ))
}

fn database(call: &Call) -> Result<&Database, ToolError> {
    call.state.get_ref::<Database>().ok_or_else(|| {
        ToolError::internal(
            "no `mcp_kit::model::Database` in the server's state: give it to Server::builder().state(…)",
        )
    })
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
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn one_of(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A call's arguments, taken one by one; every problem is kept, to be reported together.
struct Arguments {
    map: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Arguments {
    fn take(call: &mut Call) -> Self {
        Self {
            map: std::mem::take(&mut call.arguments),
            errors: Vec::new(),
        }
    }

    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    fn string(&mut self, name: &str) -> Option<String> {
        match self.map.remove(name)? {
            Value::String(text) => Some(text),
            _ => {
                self.error(name, "expected a string");
                None
            }
        }
    }

    fn column(&mut self, column: &ColumnSpec, required: bool) -> Option<SqlValue> {
        match self.map.remove(column.name) {
            None if required => {
                self.error(column.name, "missing required argument");
                None
            }
            None => None,
            Some(raw) => match SqlValue::from_json(column.kind, column.nullable, &raw) {
                Ok(value) => Some(value),
                Err(message) => {
                    self.error(column.name, message);
                    None
                }
            },
        }
    }

    fn pk(&mut self, spec: &ModelSpec) -> Option<SqlValue> {
        let pk = spec.pk_column();
        match self.map.remove(pk.name) {
            None => {
                self.error(pk.name, "missing required argument");
                None
            }
            Some(raw) => match SqlValue::from_json(pk.kind, false, &raw) {
                Ok(value) => Some(value),
                Err(message) => {
                    self.error(pk.name, message);
                    None
                }
            },
        }
    }

    /// Every problem found, arguments no tool parameter takes included.
    fn finish(mut self) -> Result<(), ToolError> {
        for (name, _) in std::mem::take(&mut self.map) {
            self.error(&name, "unknown argument");
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ToolError::invalid(self.errors))
        }
    }

    fn finish_with(mut self, error: ToolError) -> ToolError {
        self.errors.extend(error.fields().iter().cloned());
        self.finish().expect_err("an error was added")
    }
}
