//! The `list` tool: filters, search, ordering and keyset pages over the rows a caller may see.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::actions::{Condition, Target, escape_like, one_of, where_clause};
use super::arguments::Arguments;
use super::cursor::{Cursor, query_digest};
use super::error::db_error;
use super::sql::{Dialect, Sql};
use super::value::SqlValue;
use super::{ColumnSpec, ModelSpec};
use crate::error::ToolError;
use crate::extract::Call;
use crate::sealed::StateKeys;

/// A `list` call's arguments, checked.
pub(super) struct ListQuery {
    spec: &'static ModelSpec,
    conditions: Vec<Condition>,
    search: Option<String>,
    order: &'static ColumnSpec,
    descending: bool,
    limit: u32,
    /// Count the matching rows too.
    with_total: bool,
    /// The digest of the filters and ordering a cursor must be used with.
    query: String,
    /// The last row of the previous page: its order value and key.
    after: Option<(SqlValue, SqlValue)>,
    /// Seals the next page's cursor.
    keys: Arc<StateKeys>,
}

impl ListQuery {
    /// Reads every argument, reporting all bad ones at once.
    pub(super) fn parse(call: &mut Call, spec: &'static ModelSpec) -> Result<Self, ToolError> {
        let mut args = Arguments::take(call);
        let mut shape = Map::new();
        let conditions = filters(&mut args, spec, &mut shape);
        let search = args.string("search");
        if let Some(text) = &search {
            shape.insert("search".into(), text.as_str().into());
        }
        let (order, descending) = ordering(&mut args, spec);
        shape.insert("order_by".into(), json!([order.name, descending]));
        let limit = limit(&mut args, spec);
        // Not part of the query a cursor is tied to: totals may be asked on any page.
        let with_total = args.flag("with_total");
        let query = query_digest(&Value::Object(shape));
        let keys = call.state.get::<StateKeys>().ok_or_else(|| {
            ToolError::internal(
                "no cursor key in the server's state: build the server with its builder",
            )
        })?;
        let after = match args.string("cursor") {
            Some(text) => match cursor_position(spec, order, &text, &query, &keys) {
                Ok(after) => Some(after),
                Err(error) => return Err(args.finish_with(error)),
            },
            None => None,
        };
        args.finish()?;
        Ok(Self {
            spec,
            conditions,
            search,
            order,
            descending,
            limit,
            with_total,
            query,
            after,
            keys,
        })
    }

    /// One page of the rows `target` lets the caller see, and the cursor of the next, as
    /// JSON text.
    pub(super) async fn run(mut self, target: Target) -> Result<String, ToolError> {
        let Some(scope) = target.scope else {
            let total = if self.with_total { r#","total":0"# } else { "" };
            return Ok(format!(r#"{{"items":[],"next_cursor":null{total}}}"#));
        };
        self.conditions.extend(scope);
        let columns: Vec<_> = self.spec.exposed().collect();
        let position = |name: &str| columns.iter().position(|c| c.name == name);
        let keep = [position(self.order.name), position(self.spec.pk)];
        let keep: Vec<usize> = keep.into_iter().flatten().collect();
        let dialect = target.db.dialect();
        let page = target.db.fetch(
            self.sql(dialect, &columns),
            &columns,
            self.limit as usize,
            &keep,
            self.spec.includes,
        );
        let failed = |e| db_error(e, self.spec);
        let (rows, total) = if self.with_total {
            // The count runs beside the page, on a connection of its own.
            let count = target.db.count(self.count_sql(dialect));
            let (rows, total) = futures_util::future::try_join(page, count)
                .await
                .map_err(failed)?;
            (rows, Some(total))
        } else {
            (page.await.map_err(failed)?, None)
        };
        let mut page = String::with_capacity(rows.text.len() + 160);
        page.push_str(r#"{"items":["#);
        page.push_str(&rows.text);
        page.push_str(r#"],"next_cursor":"#);
        if rows.more {
            let [value, pk] = <[Value; 2]>::try_from(rows.last)
                .expect("the derive checks that ordering and key columns are exposed");
            let cursor = Cursor {
                value,
                pk,
                query: self.query,
            };
            let cursor = cursor.encode(&self.keys);
            page.push_str(&Value::from(cursor).to_string());
        } else {
            page.push_str("null");
        }
        if let Some(total) = total {
            page.push_str(&format!(r#","total":{total}"#));
        }
        page.push('}');
        Ok(page)
    }

    /// The page: the matching rows after the cursor's position, one more than asked for.
    fn sql(&self, dialect: Dialect, columns: &[&ColumnSpec]) -> Sql {
        let mut sql = Sql::new(dialect);
        sql.select(self.spec.table, columns.iter().map(|c| c.name));
        let first = self.filter(&mut sql);
        let pk = self.spec.pk_column();
        if let Some((value, key)) = &self.after {
            sql.push(if first { " WHERE " } else { " AND " });
            let cmp = if self.descending { " < " } else { " > " };
            if self.order.name == pk.name {
                sql.ident(pk.name).push(cmp).bind(key.clone());
            } else {
                sql.push("(")
                    .ident(self.order.name)
                    .push(", ")
                    .ident(pk.name);
                sql.push(")").push(cmp).push("(").bind(value.clone());
                sql.push(", ").bind(key.clone()).push(")");
            }
        }
        let direction = if self.descending { " DESC" } else { " ASC" };
        sql.push(" ORDER BY ")
            .ident(self.order.name)
            .push(direction);
        if self.order.name != pk.name {
            sql.push(", ").ident(pk.name).push(direction);
        }
        sql.push(" LIMIT ").bind(i64::from(self.limit + 1).into());
        sql
    }

    /// The number of matching rows, on any page.
    fn count_sql(&self, dialect: Dialect) -> Sql {
        let mut sql = Sql::new(dialect);
        sql.push("SELECT COUNT(*) FROM ").ident(self.spec.table);
        self.filter(&mut sql);
        sql
    }

    /// The filters, search and scope as a `WHERE` clause; whether it is empty.
    fn filter(&self, sql: &mut Sql) -> bool {
        where_clause(sql, &self.conditions);
        let Some(text) = &self.search else {
            return self.conditions.is_empty();
        };
        sql.push(if self.conditions.is_empty() {
            " WHERE ("
        } else {
            " AND ("
        });
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        for (i, name) in self.spec.search.iter().enumerate() {
            sql.push(if i == 0 { "LOWER(" } else { " OR LOWER(" });
            sql.ident(name)
                .push(") LIKE ")
                .bind(pattern.clone().into())
                .push(" ESCAPE '\\'");
        }
        sql.push(")");
        false
    }
}

/// The `field`, `field__gte` and `field__lte` filters, each also written into `shape`.
fn filters(
    args: &mut Arguments,
    spec: &'static ModelSpec,
    shape: &mut Map<String, Value>,
) -> Vec<Condition> {
    let mut conditions = Vec::new();
    let mut argument = String::new();
    for &name in spec.filter {
        let (include, column) = match spec.column(name) {
            Some(column) => (None, column),
            None => {
                let (include, column) = spec
                    .relation_column(name)
                    .expect("the derive checks filter fields");
                (Some(include), column)
            }
        };
        for (suffix, op) in [("", "="), ("__gte", ">="), ("__lte", "<=")] {
            if !suffix.is_empty() && !column.kind.has_ranges() {
                continue;
            }
            argument.clear();
            argument.push_str(name);
            argument.push_str(suffix);
            let Some(raw) = args.map.remove(&argument) else {
                continue;
            };
            shape.insert(argument.clone(), raw.clone());
            let condition =
                match SqlValue::from_json(column.kind, column.nullable && op == "=", &raw) {
                    Ok(value) if value.is_null() => Condition::IsNull(column),
                    Ok(value) => Condition::Compare(column, op, value),
                    Err(message) => {
                        args.error(&argument, message);
                        continue;
                    }
                };
            conditions.push(match include {
                Some(include) => Condition::Related(include, Box::new(condition)),
                None => condition,
            });
        }
    }
    conditions
}

/// `order_by`: a field, `-` first for descending; by primary key when absent.
fn ordering(args: &mut Arguments, spec: &'static ModelSpec) -> (&'static ColumnSpec, bool) {
    let Some(text) = args.string("order_by") else {
        return (spec.pk_column(), false);
    };
    let (name, descending) = match text.strip_prefix('-') {
        Some(name) => (name, true),
        None => (text.as_str(), false),
    };
    match spec.order.iter().find(|&&o| o == name) {
        Some(name) => (
            spec.column(name).expect("the derive checks order fields"),
            descending,
        ),
        None => {
            let message = if spec.order.is_empty() {
                format!(
                    "cannot order by `{text}`: rows are listed by `{}` only",
                    spec.pk
                )
            } else {
                format!(
                    "cannot order by `{text}`; use one of {}",
                    one_of(spec.order)
                )
            };
            args.error("order_by", message);
            (spec.pk_column(), false)
        }
    }
}

/// `limit`: from 1 to the model's `max_page_size`; its `page_size` when absent.
fn limit(args: &mut Arguments, spec: &ModelSpec) -> u32 {
    let Some(raw) = args.map.remove("limit") else {
        return spec.page_size;
    };
    match raw
        .as_u64()
        .filter(|n| (1..=u64::from(spec.max_page_size)).contains(n))
    {
        Some(n) => n as u32,
        None => {
            let message = format!("expected an integer from 1 to {}", spec.max_page_size);
            args.error("limit", message);
            spec.page_size
        }
    }
}

/// The position a cursor names, typed as its columns are.
fn cursor_position(
    spec: &ModelSpec,
    order: &ColumnSpec,
    text: &str,
    query: &str,
    keys: &StateKeys,
) -> Result<(SqlValue, SqlValue), ToolError> {
    let cursor = Cursor::decode(text, query, keys)?;
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
