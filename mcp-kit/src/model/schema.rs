//! The JSON Schemas of a model's tools, built from its spec.

use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::{ColumnSpec, Kind, ModelSpec};

/// What a read row looks like: every exposed column, `null` where the column allows it, and
/// the rows it includes.
pub fn row_schema(spec: &ModelSpec, _: &mut SchemaGenerator) -> Schema {
    row(spec, true).into()
}

/// What a write returns: the row's own columns, without the rows it includes.
pub fn written_row_schema(spec: &ModelSpec, _: &mut SchemaGenerator) -> Schema {
    row(spec, false).into()
}

/// A row's columns, and with `includes` the rows it embeds.
fn row(spec: &ModelSpec, includes: bool) -> Map<String, Value> {
    let columns: Vec<_> = spec.exposed().collect();
    let mut schema = object(
        columns
            .iter()
            .map(|c| (c.name, column_schema(c, c.nullable, c.description))),
        columns.iter().map(|c| c.name),
    );
    for include in spec.includes.iter().filter(|_| includes) {
        let mut related = row(include.related, false);
        related.insert("type".into(), json!(["object", "null"]));
        related.insert(
            "description".into(),
            format!(
                "The `{}` row `{}` names; null when it has none.",
                include.related.table, include.column
            )
            .into(),
        );
        extend(
            &mut schema,
            object([(include.name, related.into())], [include.name]),
        );
    }
    schema
}

/// `{items: [row…], next_cursor}`.
pub fn list_output_schema(spec: &ModelSpec, generator: &mut SchemaGenerator) -> Schema {
    let row = row_schema(spec, generator);
    json!({
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": row},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as `cursor` for the next page; null on the last page."
            },
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": "How many rows match, on every page; only when `with_total` is true."
            }
        },
        "required": ["items", "next_cursor"]
    })
    .try_into()
    .expect("an object is a schema")
}

pub fn list_schema(spec: &ModelSpec, _: &mut SchemaGenerator) -> Schema {
    let mut properties = Vec::new();
    for name in spec.filter {
        let column = spec
            .column(name)
            .or_else(|| spec.relation_column(name).map(|(_, column)| column))
            .expect("the derive checks filter fields");
        let exact = match name.split_once("__") {
            Some((relation, field)) => {
                format!("Only rows whose `{relation}` has `{field}` equal to this.")
            }
            None => format!("Only rows whose `{name}` equals this."),
        };
        properties.push((
            name.to_string(),
            column_schema(column, column.nullable, Some(&exact)),
        ));
        if column.kind.has_ranges() {
            for (suffix, word) in [("gte", "at least"), ("lte", "at most")] {
                let text = format!("Only rows whose `{name}` is {word} this.");
                properties.push((
                    format!("{name}__{suffix}"),
                    column_schema(column, false, Some(&text)),
                ));
            }
        }
    }
    if !spec.search.is_empty() {
        properties.push((
            "search".into(),
            json!({
                "type": "string",
                "description": format!(
                    "Only rows where {} contains this text, ignoring case.",
                    spec.search.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" or ")
                ),
            }),
        ));
    }
    let orderings: Vec<String> = spec
        .order
        .iter()
        .flat_map(|name| [name.to_string(), format!("-{name}")])
        .collect();
    if !orderings.is_empty() {
        properties.push((
            "order_by".into(),
            json!({
                "type": "string",
                "enum": orderings,
                "description": format!("The ordering; a leading `-` reverses it. Default: `{}`.", spec.pk),
            }),
        ));
    }
    properties.push((
        "limit".into(),
        json!({
            "type": "integer",
            "minimum": 1,
            "maximum": spec.max_page_size,
            "description": format!("Rows per page. Default: {}.", spec.page_size),
        }),
    ));
    properties.push((
        "cursor".into(),
        json!({"type": "string", "description": "`next_cursor` of the previous page."}),
    ));
    properties.push((
        "with_total".into(),
        json!({"type": "boolean", "description": "Also count the rows that match (`total`). Default: false."}),
    ));
    object(properties, std::iter::empty::<&str>()).into()
}

pub fn retrieve_schema(spec: &ModelSpec, _: &mut SchemaGenerator) -> Schema {
    pk_only(spec).into()
}

pub fn destroy_schema(spec: &ModelSpec, _: &mut SchemaGenerator) -> Schema {
    pk_only(spec).into()
}

/// The resource template's one variable, the lookup.
pub fn resource_schema(spec: &ModelSpec, _: &mut SchemaGenerator) -> Schema {
    pk_only(spec).into()
}

pub fn create_schema(spec: &ModelSpec, _: &mut SchemaGenerator) -> Schema {
    let columns: Vec<_> = spec.create_columns().collect();
    let required = columns
        .iter()
        .filter(|c| c.required_on_create())
        .map(|c| c.name);
    columns_object(&columns, required).into()
}

/// The key, and every writable column; those that may be null may be left out, and become
/// null.
pub fn update_schema(spec: &ModelSpec, _: &mut SchemaGenerator) -> Schema {
    let columns: Vec<_> = spec.update_columns().collect();
    let required = columns.iter().filter(|c| !c.nullable).map(|c| c.name);
    let mut schema = pk_only(spec);
    extend(&mut schema, columns_object(&columns, required));
    schema.into()
}

/// The key, and any writable columns to change.
pub fn partial_update_schema(spec: &ModelSpec, _: &mut SchemaGenerator) -> Schema {
    let columns: Vec<_> = spec.update_columns().collect();
    let mut schema = pk_only(spec);
    extend(
        &mut schema,
        columns_object(&columns, std::iter::empty::<&str>()),
    );
    schema.into()
}

/// Adds `more`'s properties and required names to `schema`'s.
fn extend(schema: &mut Map<String, Value>, mut more: Map<String, Value>) {
    for key in ["properties", "required"] {
        match (schema.get_mut(key), more.remove(key)) {
            (Some(Value::Object(into)), Some(Value::Object(from))) => into.extend(from),
            (Some(Value::Array(into)), Some(Value::Array(from))) => into.extend(from),
            _ => {}
        }
    }
}

fn columns_object<'a>(
    columns: &[&ColumnSpec],
    required: impl IntoIterator<Item = &'a str>,
) -> Map<String, Value> {
    let properties = columns
        .iter()
        .map(|c| (c.name, column_schema(c, c.nullable, c.description)));
    object(properties, required)
}

/// The lookup argument alone.
fn pk_only(spec: &ModelSpec) -> Map<String, Value> {
    let pk = spec.pk_column();
    let description = format!("The `{}` of the row.", pk.name);
    object(
        [(spec.lookup, column_schema(pk, false, Some(&description)))],
        [spec.lookup],
    )
}

fn column_schema(column: &ColumnSpec, nullable: bool, description: Option<&str>) -> Value {
    let mut schema = match column.kind {
        Kind::I16 => json!({"type": "integer", "minimum": i16::MIN, "maximum": i16::MAX}),
        Kind::I32 => {
            json!({"type": "integer", "format": "int32", "minimum": i32::MIN, "maximum": i32::MAX})
        }
        Kind::I64 => json!({"type": "integer", "format": "int64"}),
        Kind::F32 | Kind::F64 => json!({"type": "number"}),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::Text => json!({"type": "string"}),
        Kind::Date => json!({"type": "string", "format": "date"}),
        Kind::DateTime => json!({"type": "string", "format": "date-time"}),
    };
    if nullable {
        let ty = schema["type"].take();
        schema["type"] = json!([ty, "null"]);
    }
    if let Some(description) = description {
        schema["description"] = description.into();
    }
    schema
}

fn object<K: Into<String>, R: AsRef<str>>(
    properties: impl IntoIterator<Item = (K, Value)>,
    required: impl IntoIterator<Item = R>,
) -> Map<String, Value> {
    let properties: Map<String, Value> =
        properties.into_iter().map(|(k, v)| (k.into(), v)).collect();
    let required: Vec<Value> = required.into_iter().map(|r| r.as_ref().into()).collect();
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), properties.into());
    if !required.is_empty() {
        schema.insert("required".into(), required.into());
    }
    schema.insert("additionalProperties".into(), false.into());
    schema
}
