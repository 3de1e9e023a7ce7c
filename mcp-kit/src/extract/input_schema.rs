//! [`ParamDef`]: a generated handler's parameters as data, and the input schema built from
//! them when the server starts.
//!
//! The macros describe each parameter rather than emit code that builds the schema: a table
//! costs the compiler nothing per item, where a closure per item is type-checked and compiled.

use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value};

use super::param::{Param, ParamKind};

/// One parameter of a generated handler: how the input schema shows it, and the name it is
/// taken out of a call by.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ParamDef {
    pub name: &'static str,
    pub kind: ParamKind,
    pub schema: fn(&mut SchemaGenerator) -> Option<Schema>,
    pub description: Option<&'static str>,
    pub required: bool,
    /// `#[arg(header = "…")]`: the client mirrors the argument into `Mcp-Param-{header}`
    /// (SEP-2243, `x-mcp-header`).
    pub header: Option<&'static str>,
}

impl ParamDef {
    /// A required parameter of type `P` named `name`.
    pub const fn of<P: Param>(name: &'static str) -> Self {
        Self {
            name,
            kind: P::KIND,
            schema: P::schema,
            description: None,
            required: true,
            header: None,
        }
    }

    pub const fn optional(self) -> Self {
        Self {
            required: false,
            ..self
        }
    }

    pub const fn description(self, description: &'static str) -> Self {
        Self {
            description: Some(description),
            ..self
        }
    }

    pub const fn header(self, header: &'static str) -> Self {
        Self {
            header: Some(header),
            ..self
        }
    }
}

/// Where a generated item's input schema comes from.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum InputDef {
    /// The function's parameters.
    Params(&'static [ParamDef]),
    /// A schema of its own (model toolsets), the arguments read by the handler itself.
    Schema(fn(&mut SchemaGenerator) -> Schema),
}

impl InputDef {
    /// The parameters a handler takes out of its call by name; none for a schema of its own.
    pub(crate) fn params(&self) -> &'static [ParamDef] {
        match self {
            Self::Params(params) => params,
            Self::Schema(_) => &[],
        }
    }

    pub(crate) fn schema(&self, generator: &mut SchemaGenerator) -> Schema {
        match self {
            Self::Params(params) => input_schema(params, generator),
            Self::Schema(schema) => schema(generator),
        }
    }
}

/// The input schema of `params`: an object that allows no other arguments, or the struct of
/// an `Args<T>` parameter.
///
/// # Panics
///
/// When a parameter with a header is not a string, integer or boolean argument, the only
/// kinds a header can carry: a mistake in the item's code, found when the server is built.
pub(crate) fn input_schema(params: &[ParamDef], generator: &mut SchemaGenerator) -> Schema {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in params {
        let Some(mut schema) = (param.schema)(generator) else {
            continue;
        };
        if param.kind == ParamKind::Arguments {
            schema.remove("$schema");
            return schema;
        }
        if let Some(description) = param.description {
            schema.insert("description".into(), description.into());
        }
        if let Some(header) = param.header {
            assert!(
                schema.as_object().is_some_and(carries_header),
                "`#[arg(header = \"{header}\")]` is on `{}`, which is not a string, integer or \
                 boolean argument; only those can travel in a header",
                param.name
            );
            schema.insert("x-mcp-header".into(), header.into());
        }
        properties.insert(param.name.to_owned(), schema.into());
        if param.required {
            required.push(param.name.into());
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("additionalProperties".into(), false.into());
    let definitions = generator.take_definitions(true);
    if !definitions.is_empty() {
        schema.insert("$defs".into(), Value::Object(definitions));
    }
    Schema::from(schema)
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
