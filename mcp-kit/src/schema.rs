//! JSON Schemas as items carry them: generated for JSON Schema 2020-12, as objects.

use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value};

/// A generator for JSON Schema 2020-12, the dialect MCP uses.
pub(crate) fn generator() -> SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12().into_generator()
}

/// `schema` as the object an item carries: its `$schema` dropped (2020-12 is the default).
pub(crate) fn schema_object(schema: Schema) -> Map<String, Value> {
    match schema.to_value() {
        Value::Object(mut map) => {
            map.remove("$schema");
            map
        }
        // `true`/`false` schemas: any object / nothing.
        Value::Bool(true) => Map::from_iter([("type".to_owned(), Value::from("object"))]),
        _ => Map::from_iter([("not".to_owned(), Value::Object(Map::new()))]),
    }
}
