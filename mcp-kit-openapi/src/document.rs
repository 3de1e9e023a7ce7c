//! A parsed OpenAPI 3.0 or 3.1 document, JSON or YAML, and the `$ref`s between its parts.

use serde_json::Value;

use crate::error::{OpenApiError, Problem};

/// How many `$ref`s in a row one lookup follows before calling it a loop.
const MAX_REF_HOPS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// 3.0: schemas are an OpenAPI dialect (`nullable`, boolean `exclusiveMinimum`).
    V30,
    /// 3.1: schemas are JSON Schema 2020-12.
    V31,
}

/// A parsed OpenAPI 3.0 or 3.1 document.
#[derive(Debug, Clone)]
pub struct Document {
    pub(crate) root: Value,
    pub(crate) version: Version,
}

impl Document {
    /// Parses `text`, JSON or YAML, and checks its version.
    pub fn parse(text: &str) -> Result<Self, OpenApiError> {
        let root: Value = if text.trim_start().starts_with('{') {
            serde_json::from_str(text)
                .map_err(|e| OpenApiError::at("", format!("not valid JSON: {e}")))?
        } else {
            // The YAML parser takes time quadratic in the nesting of `[` and `{`, and rejects
            // depth only after reading it all: 100,000 `[` took 12 s. Refuse deep text first.
            if flow_depth(text) > MAX_DEPTH {
                return Err(OpenApiError::at(
                    "",
                    format!("not valid YAML or JSON: nested deeper than {MAX_DEPTH} levels"),
                ));
            }
            serde_norway::from_str(text)
                .map_err(|e| OpenApiError::at("", format!("not valid YAML or JSON: {e}")))?
        };
        if !root.is_object() {
            return Err(OpenApiError::at("", "the document is not an object"));
        }
        let version = match root.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.0.") || v == "3.0" => Version::V30,
            Some(v) if v.starts_with("3.1.") || v == "3.1" => Version::V31,
            Some(v) => {
                return Err(OpenApiError::at(
                    "/openapi",
                    format!("OpenAPI {v} is not supported: use 3.0 or 3.1"),
                ));
            }
            None if root.get("swagger").is_some() => {
                return Err(OpenApiError::at(
                    "/swagger",
                    "Swagger 2.0 is not supported: convert the document to OpenAPI 3",
                ));
            }
            None => return Err(OpenApiError::at("/openapi", "no `openapi` version string")),
        };
        match root.get("paths") {
            None | Some(Value::Object(_)) => {}
            Some(_) => return Err(OpenApiError::at("/paths", "`paths` is not an object")),
        }
        Ok(Self { root, version })
    }

    /// The first `servers` URL, where the operations are served unless told otherwise.
    pub fn servers_url(&self) -> Option<&str> {
        self.root.pointer("/servers/0/url").and_then(Value::as_str)
    }

    /// The part a local `$ref` (`#/components/...`) names.
    pub(crate) fn target(&self, reference: &str, at: &str) -> Result<&Value, Problem> {
        let Some(pointer) = reference.strip_prefix('#') else {
            return Err(Problem::unsupported(
                at,
                format!("`$ref: {reference}` points outside the document"),
            ));
        };
        self.root
            .pointer(pointer)
            .ok_or_else(|| Problem::fault(at, format!("`$ref: {reference}` points at nothing")))
    }

    /// `value`, or what its chain of `$ref`s ends at, with that part's pointer.
    pub(crate) fn resolve<'a>(
        &'a self,
        mut value: &'a Value,
        at: &str,
    ) -> Result<(&'a Value, String), Problem> {
        let mut pointer = at.to_owned();
        for _ in 0..MAX_REF_HOPS {
            let Some(reference) = value.get("$ref") else {
                return Ok((value, pointer));
            };
            let Some(reference) = reference.as_str() else {
                return Err(Problem::fault(
                    format!("{pointer}/$ref"),
                    "`$ref` is not a string",
                ));
            };
            value = self.target(reference, &format!("{pointer}/$ref"))?;
            pointer = reference.trim_start_matches('#').to_owned();
        }
        Err(Problem::fault(at, "`$ref`s form a loop"))
    }
}

/// The deepest nesting a document may have, as serde_json allows.
const MAX_DEPTH: usize = 128;

/// How deeply YAML flow collections (`[…]`, `{…}`) nest in `text`, outside quoted scalars
/// and comments. A guard against accidents, not attackers: the document is the server
/// author's own configuration, and a literal block holding a stray quote can hide brackets
/// from it. A bracket in a plain scalar over-counts, which only matters past [`MAX_DEPTH`].
fn flow_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut chars = text.chars().peekable();
    // The last character that was not a space on this line, if any: a quote starts a quoted
    // scalar only where a scalar can start.
    let mut before: Option<char> = None;
    let mut previous = '\n';
    while let Some(c) = chars.next() {
        let scalar_start = matches!(before, None | Some('[' | '{' | ',' | ':' | '-' | '?'));
        match c {
            '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            '#' if previous.is_whitespace() => while chars.next_if(|&c| c != '\n').is_some() {},
            '"' if scalar_start => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' if scalar_start => {
                while let Some(c) = chars.next() {
                    if c == '\'' && chars.next_if_eq(&'\'').is_none() {
                        break;
                    }
                }
            }
            _ => {}
        }
        if c == '\n' {
            before = None;
        } else if !c.is_whitespace() {
            before = Some(c);
        }
        previous = c;
    }
    deepest
}

/// `name` as one JSON pointer token.
pub(crate) fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// A JSON pointer token as the name it stands for.
pub(crate) fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for text in [
            format!("{{\"openapi\": {}", "[".repeat(100_000)),
            format!("openapi: {}", "[".repeat(100_000)),
            format!("openapi: {}", "{a: ".repeat(100_000)),
        ] {
            let error = Document::parse(&text).unwrap_err();
            assert!(error.message().starts_with("not valid"), "{error}");
        }
    }

    #[test]
    fn flow_depth_skips_quotes_and_comments() {
        assert_eq!(flow_depth("a: [[1], {b: [2]}]"), 3);
        assert_eq!(flow_depth("a: \"[[[[\" # [[[[\nb: '[[it''s]]' "), 0);
        assert_eq!(flow_depth("a: \"\\\"[\" [x]"), 1);
        // A quote inside a plain scalar is a character, not the start of a quoted scalar.
        assert_eq!(flow_depth("a: it's [[x]]"), 2);
    }

    #[test]
    fn swagger_and_unknown_versions_are_named() {
        let error = Document::parse("openapi: 2.5.0\npaths: {}").unwrap_err();
        assert_eq!(
            error.to_string(),
            "OpenAPI 2.5.0 is not supported: use 3.0 or 3.1 (at /openapi)"
        );
    }
}
