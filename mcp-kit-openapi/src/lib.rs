//! The OpenAPI side of [mcp-kit](https://docs.rs/mcp-kit)'s `openapi` feature: an OpenAPI 3.0
//! or 3.1 document read into one tool definition per operation (names, merged arguments, JSON
//! Schemas, hints). mcp-kit's `openapi_tools!` macro runs it at compile time and its runtime at
//! start-up, so both judge a document alike. Use it through `mcp_kit::openapi`.

mod document;
mod error;
mod name;
mod operation;
mod schema;

use std::collections::BTreeMap;

use serde_json::Value;

pub use document::Document;
pub use error::{OpenApiError, Skipped};
pub use name::MAX_NAME;
pub use operation::{Argument, Hints, Operation, Place, is_json};

use error::Problem;
use operation::METHODS;

/// Which operations are published: all, unless an `include_*` list names some; never those an
/// `exclude_*` list names.
#[derive(Debug, Clone, Default)]
pub struct Select {
    pub include_tags: Vec<String>,
    pub exclude_tags: Vec<String>,
    /// `/pets` matches `/pets` only; `/pets/*` matches `/pets/` and everything under it.
    pub include_paths: Vec<String>,
    pub exclude_paths: Vec<String>,
    pub include_operations: Vec<String>,
    pub exclude_operations: Vec<String>,
}

impl Select {
    fn admits(&self, path: &str, operation: &Value) -> bool {
        let tags: Vec<&str> = operation
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| tags.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let id = operation.get("operationId").and_then(Value::as_str);
        let tagged = |wanted: &[String]| wanted.iter().any(|w| tags.contains(&w.as_str()));
        let at_path = |wanted: &[String]| wanted.iter().any(|w| path_matches(w, path));
        let named = |wanted: &[String]| wanted.iter().any(|w| Some(w.as_str()) == id);
        let included = (self.include_tags.is_empty() || tagged(&self.include_tags))
            && (self.include_paths.is_empty() || at_path(&self.include_paths))
            && (self.include_operations.is_empty() || named(&self.include_operations));
        included
            && !tagged(&self.exclude_tags)
            && !at_path(&self.exclude_paths)
            && !named(&self.exclude_operations)
    }
}

fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => pattern == path,
    }
}

/// The selected operations, each with its tool name, and those skipped.
#[derive(Debug, Clone, Default)]
pub struct Translation {
    /// By path, then in the order `get`, `put`, `post`, `delete`, `options`, `head`, `patch`,
    /// `trace`.
    pub operations: Vec<(String, Operation)>,
    pub skipped: Vec<Skipped>,
}

/// Reads every selected operation of `document` into a tool definition. A fault in the
/// document, or two operations that get one name, is an error; an operation that uses
/// something not translated is skipped and listed.
pub fn translate(
    document: &Document,
    prefix: Option<&str>,
    select: &Select,
) -> Result<Translation, OpenApiError> {
    let mut translation = Translation::default();
    let Some(Value::Object(paths)) = document.root.get("paths") else {
        return Ok(translation);
    };
    let components = schema::Components::new(document);
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in paths {
        let at = format!("/paths/{}", document::escape(path));
        let item = match document.resolve(item, &at) {
            Ok((item, _)) => item,
            Err(problem) => {
                skip_or_fail(problem, path, &mut translation.skipped)?;
                continue;
            }
        };
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            if !select.admits(path, operation) {
                continue;
            }
            let operation = match Operation::read(&components, path, method, item, operation) {
                Ok(operation) => operation,
                Err(problem) => {
                    let label = format!("{} {path}", method.to_ascii_uppercase());
                    skip_or_fail(problem, &label, &mut translation.skipped)?;
                    continue;
                }
            };
            let name = name::tool_name(prefix, operation.operation_id.as_deref(), method, path);
            if let Some(first) = names.insert(name.clone(), operation.label.clone()) {
                return Err(OpenApiError::at(
                    format!("{at}/{method}"),
                    format!(
                        "{first} and {} both become the tool `{name}`: give one an `operationId`, or exclude it",
                        operation.label
                    ),
                ));
            }
            translation.operations.push((name, operation));
        }
    }
    Ok(translation)
}

fn skip_or_fail(
    problem: Problem,
    operation: &str,
    skipped: &mut Vec<Skipped>,
) -> Result<(), OpenApiError> {
    match problem {
        Problem::Fault(error) => Err(error),
        Problem::Unsupported { pointer, reason } => {
            skipped.push(Skipped {
                operation: operation.to_owned(),
                pointer,
                reason,
            });
            Ok(())
        }
    }
}
