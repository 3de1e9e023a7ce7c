//! [`InputSchema`]: a tool's input schema, built from its parameters.

use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value};

use super::param::{Param, ParamKind};

/// Builds a tool's input schema from its parameters.
#[doc(hidden)]
pub struct InputSchema {
    properties: Map<String, Value>,
    required: Vec<Value>,
    whole: Option<Schema>,
}

/// Whether a property's schema is a string, an integer or a boolean (`Option`s too).
fn carries_header(property: &Map<String, Value>) -> bool {
    let primitive = |kind: &Value| matches!(kind.as_str(), Some("string" | "integer" | "boolean"));
    match property.get("type") {
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter(|kind| kind.as_str() != Some("null"))
            .all(primitive),
        Some(kind) => primitive(kind),
        None => false,
    }
}

impl InputSchema {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            properties: Map::new(),
            required: Vec::new(),
            whole: None,
        }
    }

    /// Adds parameter `P` under `name`.
    pub fn param<P: Param>(
        &mut self,
        generator: &mut SchemaGenerator,
        name: &str,
        description: Option<&str>,
        required: bool,
    ) {
        if let Some(schema) = P::schema(generator) {
            self.add(P::KIND, schema, name, description, required);
        }
    }

    /// Marks the argument `name` as one the client mirrors into the `Mcp-Param-{header}`
    /// HTTP header (SEP-2243, `x-mcp-header`).
    ///
    /// # Panics
    ///
    /// When `name` is not a string, integer or boolean argument, the only kinds a header
    /// can carry: a mistake in the item's code, found when the server is built.
    pub fn header(&mut self, name: &str, header: &str) {
        let property = self.properties.get_mut(name).and_then(Value::as_object_mut);
        let Some(property) = property.filter(|p| carries_header(p)) else {
            panic!(
                "`#[arg(header = \"{header}\")]` is on `{name}`, which is not a string, integer or \
                 boolean argument; only those can travel in a header"
            );
        };
        property.insert("x-mcp-header".into(), header.into());
    }

    /// The part of [`InputSchema::param`] that does not depend on the type: compiled once.
    fn add(
        &mut self,
        kind: ParamKind,
        mut schema: Schema,
        name: &str,
        description: Option<&str>,
        required: bool,
    ) {
        if kind == ParamKind::Arguments {
            self.whole = Some(schema);
            return;
        }
        if let Some(description) = description {
            schema.insert("description".into(), description.into());
        }
        self.properties.insert(name.to_owned(), schema.into());
        if required {
            self.required.push(name.into());
        }
    }

    /// The finished schema: an object that allows no other arguments.
    pub fn finish(self, generator: &mut SchemaGenerator) -> Schema {
        if let Some(mut whole) = self.whole {
            whole.remove("$schema");
            return whole;
        }
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        schema.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            schema.insert("required".into(), Value::Array(self.required));
        }
        schema.insert("additionalProperties".into(), false.into());
        let definitions = generator.take_definitions(true);
        if !definitions.is_empty() {
            schema.insert("$defs".into(), Value::Object(definitions));
        }
        Schema::from(schema)
    }
}
