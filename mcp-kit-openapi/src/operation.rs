//! One OpenAPI operation as a tool's definition: its arguments (path, query, header and body
//! parameters merged), its schemas and hints, and where each argument goes in the request.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::document::{Document, escape};
use crate::error::Problem;
use crate::schema::{Components, Schemas};

/// The HTTP methods an OpenAPI path item may hold, in the order operations are read.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where an argument goes in the upstream request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Path,
    Query,
    Header,
    /// One property of a JSON object body.
    BodyField,
    /// The whole JSON body.
    Body,
}

impl Place {
    fn word(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::BodyField | Self::Body => "body",
        }
    }
}

/// One tool argument and where it goes.
#[derive(Debug, Clone)]
pub struct Argument {
    /// Its name in the tool's input schema.
    pub name: String,
    /// Its name in the request (the parameter or body property).
    pub wire: String,
    pub place: Place,
    pub required: bool,
    /// A list sent as repeated query keys (`?tag=a&tag=b`) rather than joined by commas.
    pub explode: bool,
}

/// An operation ready to become a tool.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `GET /pets/{id}`, for messages.
    pub label: String,
    pub method: &'static str,
    pub path: String,
    pub operation_id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub annotations: Hints,
    pub input_schema: Map<String, Value>,
    pub output_schema: Option<Map<String, Value>>,
    /// Whether a JSON object answer is structured content (there is an output schema).
    pub structured: bool,
    pub arguments: Vec<Argument>,
}

/// A candidate argument before name clashes are settled.
struct Candidate {
    argument: Argument,
    schema: Value,
}

impl Operation {
    /// Reads the operation `method` of the path item at `path`.
    pub(crate) fn read(
        components: &Components<'_>,
        path: &str,
        method: &'static str,
        item: &Value,
        operation: &Value,
    ) -> Result<Self, Problem> {
        let at = format!("/paths/{}/{method}", escape(path));
        if !operation.is_object() {
            return Err(Problem::fault(at, "the operation is not an object"));
        }
        let mut inputs = Schemas::new(components);
        let document = inputs.document();
        let mut candidates = Vec::new();
        for (parameter, pointer) in parameters(document, path, item, operation, &at)? {
            if !is_ignored(parameter) {
                candidates.push(parameter_candidate(&mut inputs, parameter, &pointer)?);
            }
        }
        if let Some(body) = operation.get("requestBody") {
            candidates.extend(body_candidates(
                &mut inputs,
                body,
                &format!("{at}/requestBody"),
            )?);
        }
        let (arguments, input_schema) = input_schema(candidates, inputs, &at)?;
        let output_schema = output_schema(components, operation, &at)?;

        let text = |key: &str| {
            operation
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let summary = text("summary");
        let description = text("description").or_else(|| summary.clone());
        Ok(Self {
            label: format!("{} {path}", method.to_ascii_uppercase()),
            method,
            path: path.to_owned(),
            operation_id: text("operationId"),
            title: summary,
            description,
            annotations: annotations(method),
            input_schema,
            structured: output_schema.is_some(),
            output_schema,
            arguments,
        })
    }
}

/// The behaviour hints an operation's method implies; each is either stated (`true`) or left
/// to the client's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    /// Always: the tool reaches a system outside the server.
    pub open_world: bool,
}

/// Reads are read-only, `PUT` is idempotent, `DELETE` is destructive.
fn annotations(method: &str) -> Hints {
    Hints {
        read_only: matches!(method, "get" | "head" | "options"),
        destructive: method == "delete",
        idempotent: matches!(method, "get" | "head" | "options" | "put" | "delete"),
        open_world: true,
    }
}

/// The path item's parameters overridden by the operation's (same name and place), resolved,
/// with their pointers.
fn parameters<'d>(
    document: &'d Document,
    path: &str,
    item: &'d Value,
    operation: &'d Value,
    at: &str,
) -> Result<Vec<(&'d Value, String)>, Problem> {
    let mut by_key = BTreeMap::new();
    let mut order = Vec::new();
    let lists = [
        (
            item.get("parameters"),
            format!("/paths/{}/parameters", escape(path)),
        ),
        (operation.get("parameters"), format!("{at}/parameters")),
    ];
    for (list, pointer) in lists {
        let Some(list) = list else { continue };
        let Value::Array(list) = list else {
            return Err(Problem::fault(pointer, "`parameters` is not a list"));
        };
        for (i, parameter) in list.iter().enumerate() {
            let (parameter, pointer) = document.resolve(parameter, &format!("{pointer}/{i}"))?;
            let field = |key: &str| parameter.get(key).and_then(Value::as_str);
            let (Some(name), Some(place)) = (field("name"), field("in")) else {
                return Err(Problem::fault(pointer, "a parameter needs `name` and `in`"));
            };
            let key = (place.to_owned(), name.to_owned());
            if !by_key.contains_key(&key) {
                order.push(key.clone());
            }
            by_key.insert(key, (parameter, pointer));
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|key| by_key.remove(&key))
        .collect())
}

/// Header parameters named `Accept`, `Content-Type` or `Authorization` are ignored, as OpenAPI
/// says: the client sets the first two, and the server's credential the third.
fn is_ignored(parameter: &Value) -> bool {
    let field = |key: &str| parameter.get(key).and_then(Value::as_str);
    field("in") == Some("header")
        && field("name").is_some_and(|name| {
            ["accept", "content-type", "authorization"]
                .contains(&name.to_ascii_lowercase().as_str())
        })
}

/// Headers the HTTP client owns: an argument must not set them.
const RESERVED_HEADERS: [&str; 6] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
];

fn parameter_candidate(
    schemas: &mut Schemas<'_>,
    parameter: &Value,
    at: &str,
) -> Result<Candidate, Problem> {
    let field = |key: &str| parameter.get(key).and_then(Value::as_str);
    let name = field("name").unwrap_or_default();
    let (place, default_style) = match field("in").unwrap_or_default() {
        "path" => (Place::Path, "simple"),
        "query" => (Place::Query, "form"),
        "header" => (Place::Header, "simple"),
        "cookie" => return Err(Problem::unsupported(at, "cookie parameters")),
        other => {
            return Err(Problem::fault(
                format!("{at}/in"),
                format!("`in: {other}` is not a place"),
            ));
        }
    };
    if place == Place::Header && RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(Problem::unsupported(
            format!("{at}/name"),
            format!("the header `{name}`, which the HTTP client sets"),
        ));
    }
    if parameter.get("content").is_some() {
        return Err(Problem::unsupported(
            format!("{at}/content"),
            "a parameter described by `content`",
        ));
    }
    let style = field("style").unwrap_or(default_style);
    if style != default_style {
        return Err(Problem::unsupported(
            format!("{at}/style"),
            format!("`style: {style}`"),
        ));
    }
    let explode = parameter
        .get("explode")
        .and_then(Value::as_bool)
        .unwrap_or(style == "form");
    let raw = parameter.get("schema").cloned().unwrap_or(json!({}));
    let (resolved, _) = schemas.document().resolve(&raw, &format!("{at}/schema"))?;
    if resolved.get("type").and_then(Value::as_str) == Some("object")
        || resolved.get("properties").is_some()
    {
        return Err(Problem::unsupported(
            format!("{at}/schema"),
            "an object-valued parameter",
        ));
    }
    let mut schema = schemas.convert(&raw, &format!("{at}/schema"))?;
    if let (Some(description), Value::Object(object)) = (parameter.get("description"), &mut schema)
    {
        object
            .entry("description")
            .or_insert_with(|| description.clone());
    }
    Ok(Candidate {
        argument: Argument {
            name: name.to_owned(),
            wire: name.to_owned(),
            place,
            required: place == Place::Path
                || parameter
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            explode,
        },
        schema,
    })
}

/// A JSON object body gives one argument per property; any other body is one `body` argument.
fn body_candidates(
    schemas: &mut Schemas<'_>,
    body: &Value,
    at: &str,
) -> Result<Vec<Candidate>, Problem> {
    let document = schemas.document();
    let (body, at) = document.resolve(body, at)?;
    let required = body
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Some(Value::Object(content)) = body.get("content") else {
        return Err(Problem::fault(at, "a request body needs `content`"));
    };
    let Some((media, media_type)) = content.iter().find(|(media, _)| is_json(media)) else {
        let offered = content.keys().cloned().collect::<Vec<_>>().join(", ");
        return Err(Problem::unsupported(
            format!("{at}/content"),
            format!("a request body of type {offered}"),
        ));
    };
    let at = format!("{at}/content/{}", escape(media));
    let raw = media_type.get("schema").cloned().unwrap_or(json!({}));
    let (resolved, _) = document.resolve(&raw, &format!("{at}/schema"))?;
    let flat = match (&resolved.get("properties"), resolved.get("type")) {
        (Some(Value::Object(_)), None) => true,
        (Some(Value::Object(_)), Some(kind)) => kind == "object",
        _ => false,
    } && ["allOf", "anyOf", "oneOf"]
        .iter()
        .all(|k| resolved.get(*k).is_none());
    if !flat {
        let schema = schemas.convert(&raw, &format!("{at}/schema"))?;
        return Ok(vec![Candidate {
            argument: Argument {
                name: "body".into(),
                wire: "body".into(),
                place: Place::Body,
                required,
                explode: false,
            },
            schema,
        }]);
    }
    let pointer = match raw.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference.trim_start_matches('#').to_owned(),
        None => format!("{at}/schema"),
    };
    let needed: Vec<&str> = resolved
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(Value::Object(properties)) = resolved.get("properties") else {
        unreachable!("checked above")
    };
    properties
        .iter()
        .map(|(name, schema)| {
            Ok(Candidate {
                argument: Argument {
                    name: name.clone(),
                    wire: name.clone(),
                    place: Place::BodyField,
                    required: required && needed.contains(&name.as_str()),
                    explode: false,
                },
                schema: schemas
                    .convert(schema, &format!("{pointer}/properties/{}", escape(name)))?,
            })
        })
        .collect()
}

/// `application/json`, and the `+json` types (`application/problem+json`).
pub fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json")
}

/// Settles name clashes and writes the input schema. A name used in more than one place is
/// given its place as a prefix in every place (`path_id`, `query_id`), so no argument keeps a
/// name that means two things.
fn input_schema(
    candidates: Vec<Candidate>,
    schemas: Schemas<'_>,
    at: &str,
) -> Result<(Vec<Argument>, Map<String, Value>), Problem> {
    let mut uses = BTreeMap::<String, usize>::new();
    for candidate in &candidates {
        *uses.entry(candidate.argument.name.clone()).or_default() += 1;
    }
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut arguments = Vec::with_capacity(candidates.len());
    for Candidate {
        mut argument,
        schema,
    } in candidates
    {
        if uses[&argument.name] > 1 {
            argument.name = format!("{}_{}", argument.place.word(), argument.name);
        }
        if properties.contains_key(&argument.name) {
            return Err(Problem::fault(
                at,
                format!("two arguments are named `{}`", argument.name),
            ));
        }
        if argument.required {
            required.push(Value::String(argument.name.clone()));
        }
        properties.insert(argument.name.clone(), schema);
        arguments.push(argument);
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("additionalProperties".into(), false.into());
    let definitions = schemas.definitions()?;
    if !definitions.is_empty() {
        schema.insert("$defs".into(), Value::Object(definitions));
    }
    Ok((arguments, schema))
}

/// The output schema: the JSON object schema of the first 2xx answer, if it is one.
fn output_schema(
    components: &Components<'_>,
    operation: &Value,
    at: &str,
) -> Result<Option<Map<String, Value>>, Problem> {
    let document = components.document();
    let Some(Value::Object(responses)) = operation.get("responses") else {
        return Ok(None);
    };
    let mut codes: Vec<&String> = responses
        .keys()
        .filter(|code| code.starts_with('2'))
        .collect();
    // Exact codes before `2XX`.
    codes.sort_by_key(|code| (code.contains(['X', 'x']), code.to_string()));
    let Some(code) = codes.first() else {
        return Ok(None);
    };
    let (response, at) = document.resolve(&responses[*code], &format!("{at}/responses/{code}"))?;
    let Some(Value::Object(content)) = response.get("content") else {
        return Ok(None);
    };
    let Some((media, media_type)) = content.iter().find(|(media, _)| is_json(media)) else {
        return Ok(None);
    };
    let Some(raw) = media_type.get("schema") else {
        return Ok(None);
    };
    let at = format!("{at}/content/{}/schema", escape(media));
    let mut schemas = Schemas::new(components);
    let (resolved, pointer) = document.resolve(raw, &at)?;
    if !is_object(document, resolved, &pointer) {
        return Ok(None);
    }
    let Value::Object(mut schema) = schemas.convert(resolved, &pointer)? else {
        return Ok(None);
    };
    schema.insert("type".into(), "object".into());
    let definitions = schemas.definitions()?;
    if !definitions.is_empty() {
        schema.insert("$defs".into(), Value::Object(definitions));
    }
    Ok(Some(schema))
}

/// Whether `schema` only admits JSON objects: `type: object`, or untyped with `properties`, or
/// an `allOf` one of whose parts is an object.
fn is_object(document: &Document, schema: &Value, at: &str) -> bool {
    match schema.get("type") {
        Some(kind) => kind == "object",
        None if schema.get("properties").is_some() => true,
        None => schema
            .get("allOf")
            .and_then(Value::as_array)
            .is_some_and(|parts| {
                parts.iter().any(|part| {
                    document.resolve(part, at).is_ok_and(|(part, at)| {
                        part.get("allOf").is_none() && is_object(document, part, &at)
                    })
                })
            }),
    }
}
