//! OpenAPI schemas as JSON Schema 2020-12: component `$ref`s become `$defs` entries, so a
//! recursive schema stays a reference instead of being expanded forever.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::document::{Document, Version, escape, unescape};
use crate::error::Problem;

const COMPONENT_SCHEMAS: &str = "#/components/schemas/";

/// Keywords whose value is one schema.
const ONE_SCHEMA: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
    "contentSchema",
];

/// Keywords whose value is a list of schemas.
const SCHEMA_LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// Keywords whose value maps names to schemas.
const SCHEMA_MAP: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];

/// OpenAPI-only keywords with no JSON Schema meaning, dropped.
const OPENAPI_ONLY: &[&str] = &["discriminator", "xml", "externalDocs"];

/// The document's component schemas, each converted once, with the components it uses, and
/// shared by every operation that needs it.
pub(crate) struct Components<'d> {
    document: &'d Document,
    converted: RefCell<HashMap<String, Rc<Component>>>,
}

struct Component {
    schema: Value,
    uses: BTreeSet<String>,
}

impl<'d> Components<'d> {
    pub(crate) fn new(document: &'d Document) -> Self {
        Self {
            document,
            converted: RefCell::default(),
        }
    }

    /// The document the schemas come from.
    pub(crate) fn document(&self) -> &'d Document {
        self.document
    }

    fn get(&self, name: &str) -> Result<Rc<Component>, Problem> {
        if let Some(component) = self.converted.borrow().get(name) {
            return Ok(component.clone());
        }
        let pointer = format!("/components/schemas/{}", escape(name));
        let raw = self.document.root.pointer(&pointer).unwrap_or(&Value::Null);
        let mut schemas = Schemas::new(self);
        let schema = schemas.convert(raw, &pointer)?;
        let component = Rc::new(Component {
            schema,
            uses: schemas.used,
        });
        self.converted
            .borrow_mut()
            .insert(name.to_owned(), component.clone());
        Ok(component)
    }
}

/// Converts the schemas of one operation, remembering which components they use.
pub(crate) struct Schemas<'c> {
    components: &'c Components<'c>,
    used: BTreeSet<String>,
}

impl<'c> Schemas<'c> {
    pub(crate) fn new(components: &'c Components<'c>) -> Self {
        Self {
            components,
            used: BTreeSet::new(),
        }
    }

    /// The document the schemas come from.
    pub(crate) fn document(&self) -> &'c Document {
        self.components.document
    }

    /// `schema` (at `at`) in JSON Schema 2020-12.
    pub(crate) fn convert(&mut self, schema: &Value, at: &str) -> Result<Value, Problem> {
        let Value::Object(object) = schema else {
            // `true` and `false` are schemas too.
            return Ok(schema.clone());
        };
        let mut out = Map::with_capacity(object.len());
        for (key, value) in object {
            let here = || format!("{at}/{}", escape(key));
            match key.as_str() {
                "$ref" => {
                    out.insert(key.clone(), self.reference(value, &here())?.into());
                }
                key if ONE_SCHEMA.contains(&key) => {
                    out.insert(key.to_owned(), self.convert(value, &here())?);
                }
                key if SCHEMA_LIST.contains(&key) => {
                    let here = here();
                    let Value::Array(list) = value else {
                        return Err(Problem::fault(here, format!("`{key}` is not a list")));
                    };
                    let list = list
                        .iter()
                        .enumerate()
                        .map(|(i, item)| self.convert(item, &format!("{here}/{i}")))
                        .collect::<Result<Vec<_>, _>>()?;
                    out.insert(key.to_owned(), Value::Array(list));
                }
                key if SCHEMA_MAP.contains(&key) => {
                    let here = here();
                    let Value::Object(map) = value else {
                        return Err(Problem::fault(here, format!("`{key}` is not an object")));
                    };
                    let mut converted = Map::new();
                    for (name, item) in map {
                        let item = self.convert(item, &format!("{here}/{}", escape(name)))?;
                        converted.insert(name.clone(), item);
                    }
                    out.insert(key.to_owned(), Value::Object(converted));
                }
                key if OPENAPI_ONLY.contains(&key) || key.starts_with("x-") => {}
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if self.document().version == Version::V30 {
            from_openapi_30(&mut out);
        }
        Ok(Value::Object(out))
    }

    /// A component reference as a `$defs` reference.
    fn reference(&mut self, reference: &Value, at: &str) -> Result<String, Problem> {
        let Some(reference) = reference.as_str() else {
            return Err(Problem::fault(at, "`$ref` is not a string"));
        };
        self.document().target(reference, at)?;
        let Some(token) = reference
            .strip_prefix(COMPONENT_SCHEMAS)
            .filter(|t| !t.contains('/'))
        else {
            return Err(Problem::unsupported(
                at,
                format!("`$ref: {reference}` is not a schema in `components/schemas`"),
            ));
        };
        self.used.insert(unescape(token));
        Ok(format!("#/$defs/{token}"))
    }

    /// The `$defs` the converted schemas need, recursive ones included.
    pub(crate) fn definitions(self) -> Result<Map<String, Value>, Problem> {
        let mut definitions = Map::new();
        let mut pending: Vec<String> = self.used.into_iter().collect();
        while let Some(name) = pending.pop() {
            if definitions.contains_key(&name) {
                continue;
            }
            let component = self.components.get(&name)?;
            pending.extend(
                component
                    .uses
                    .iter()
                    .filter(|used| !definitions.contains_key(*used))
                    .cloned(),
            );
            definitions.insert(name, component.schema.clone());
        }
        Ok(definitions)
    }
}

/// The 3.0 dialect's differences from JSON Schema, in one schema object.
fn from_openapi_30(schema: &mut Map<String, Value>) {
    if schema.remove("nullable") == Some(Value::Bool(true)) {
        if let Some(Value::String(kind)) = schema.get("type") {
            let kind = kind.clone();
            schema.insert("type".into(), serde_json::json!([kind, "null"]));
        }
        if let Some(Value::Array(values)) = schema.get_mut("enum") {
            values.push(Value::Null);
        }
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match schema.get(flag) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = schema.remove(bound) {
                    schema.insert(flag.into(), limit);
                } else {
                    schema.remove(flag);
                }
            }
            Some(Value::Bool(false)) => {
                schema.remove(flag);
            }
            _ => {}
        }
    }
    if let Some(example) = schema.remove("example") {
        schema
            .entry("examples")
            .or_insert_with(|| Value::Array(vec![example]));
    }
}
