//! Calling an operation: arguments checked and placed into one request, the answer read within
//! a size limit and turned into a tool result.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Map, Value};

use crate::error::{FieldError, ToolError};
use crate::result::ToolOutput;
use mcp_kit_openapi::{Argument, Operation, Place, is_json};

/// How much of an upstream's error message a caller is shown.
const MAX_ERROR_EXCERPT: usize = 500;

/// What every operation of one document shares: the client, the base URL, the credential.
#[derive(Debug)]
pub(super) struct Upstream {
    pub(super) client: reqwest::Client,
    pub(super) base: Url,
    pub(super) credential: Option<Credential>,
    pub(super) body_limit: usize,
    pub(super) timeout: Duration,
    /// Names the upstream in messages (its host), never with the path or query.
    pub(super) label: String,
}

/// The server's own credential for the upstream; the caller's token is never sent.
#[derive(Clone)]
pub(super) enum Credential {
    Header(HeaderName, HeaderValue),
    Query(String, String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Header(name, _) => write!(f, "Header({name}, <redacted>)"),
            Self::Query(name, _) => write!(f, "Query({name}, <redacted>)"),
        }
    }
}

impl Upstream {
    /// Calls `operation` with `arguments`.
    pub(super) async fn call(
        self: Arc<Self>,
        operation: Arc<Operation>,
        arguments: Map<String, Value>,
    ) -> Result<ToolOutput, ToolError> {
        let request = self.request(&operation, arguments)?;
        // One deadline for the whole exchange, the answer's body included.
        let exchange = async {
            let response = self
                .client
                .execute(request)
                .await
                .map_err(|error| self.transport_error(&operation, &error))?;
            let status = response.status();
            let json = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .is_some_and(is_json);
            Ok::<_, ToolError>((status, json, self.read(response, &operation).await?))
        };
        let (status, json, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| self.timed_out(&operation))??;
        if !status.is_success() {
            return Err(self.refused(&operation, status, &body));
        }
        answer(&operation, status, json, body)
    }

    fn request(
        &self,
        operation: &Operation,
        mut arguments: Map<String, Value>,
    ) -> Result<reqwest::Request, ToolError> {
        let mut problems = Vec::new();
        for name in arguments.keys() {
            if !operation.arguments.iter().any(|a| &a.name == name) {
                problems.push(field_error(name.clone(), "unknown argument"));
            }
        }
        let mut url = self.base.clone();
        let mut headers = reqwest::header::HeaderMap::new();
        let mut body: Option<Value> = None;
        let mut fields = Map::new();
        let mut path_values = Vec::new();
        let mut query = Vec::new();
        for argument in &operation.arguments {
            let Some(value) = arguments.remove(&argument.name) else {
                if argument.required {
                    problems.push(field_error(argument.name.clone(), "missing"));
                }
                continue;
            };
            match argument.place {
                Place::Body => body = Some(value),
                Place::BodyField => {
                    fields.insert(argument.wire.clone(), value);
                }
                Place::Path => match path_value(&value) {
                    Ok(text) => path_values.push((argument.wire.as_str(), text)),
                    Err(message) => problems.push(field_error(argument.name.clone(), message)),
                },
                Place::Query => match query_values(argument, &value) {
                    Ok(values) => {
                        query.extend(
                            values
                                .into_iter()
                                .map(|text| (argument.wire.as_str(), text)),
                        );
                    }
                    Err(message) => problems.push(field_error(argument.name.clone(), message)),
                },
                Place::Header => {
                    let header = scalar_list(&value, ",")
                        .and_then(|text| {
                            HeaderValue::from_str(&text)
                                .map_err(|_| "holds characters a header may not")
                        })
                        .and_then(|header| {
                            HeaderName::from_bytes(argument.wire.as_bytes())
                                .map(|name| (name, header))
                                .map_err(|_| "names no valid header")
                        });
                    match header {
                        Ok((name, value)) => {
                            headers.insert(name, value);
                        }
                        Err(message) => problems.push(field_error(argument.name.clone(), message)),
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(ToolError::invalid(problems));
        }
        let segments = operation
            .path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(|segment| fill(segment, &path_values));
        url.path_segments_mut()
            .map_err(|()| ToolError::internal("the base URL cannot hold a path"))?
            .pop_if_empty()
            .extend(segments);
        // The server's credential replaces any argument of the same name: a model cannot
        // forge it.
        if let Some(Credential::Query(name, value)) = &self.credential {
            query.retain(|(wire, _)| wire != name);
            query.push((name, value.clone()));
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        if !fields.is_empty() {
            body = Some(Value::Object(fields));
        }
        let method = Method::from_bytes(operation.method.to_ascii_uppercase().as_bytes())
            .expect("the methods of an OpenAPI path item are valid HTTP methods");
        if let Some(Credential::Header(name, value)) = &self.credential {
            headers.insert(name.clone(), value.clone());
        }
        let json = HeaderValue::from_static("application/json");
        headers.insert(reqwest::header::ACCEPT, json.clone());
        // The call goes on with the caller's trace, as the request's own span does.
        #[cfg(feature = "otel")]
        for (name, value) in crate::otel::trace_headers() {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        let mut request = self.client.request(method, url);
        if let Some(body) = body {
            headers.insert(reqwest::header::CONTENT_TYPE, json);
            request = request.body(serde_json::to_vec(&body).map_err(ToolError::internal)?);
        }
        request
            .headers(headers)
            .build()
            .map_err(|error| ToolError::internal(error.without_url()))
    }

    /// The answer's bytes, refused past the body limit without reading further.
    async fn read(
        &self,
        mut response: reqwest::Response,
        operation: &Operation,
    ) -> Result<Vec<u8>, ToolError> {
        let too_big = || {
            ToolError::unavailable(format!(
                "{} on {} answered more than {} bytes, the limit",
                operation.label, self.label, self.body_limit
            ))
        };
        if response
            .content_length()
            .is_some_and(|length| length > self.body_limit as u64)
        {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.transport_error(operation, &error))?
        {
            if body.len() + chunk.len() > self.body_limit {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn timed_out(&self, operation: &Operation) -> ToolError {
        ToolError::unavailable(format!(
            "{} on {} did not answer within {} s",
            operation.label,
            self.label,
            self.timeout.as_secs_f32()
        ))
    }

    fn transport_error(&self, operation: &Operation, error: &reqwest::Error) -> ToolError {
        tracing::warn!(operation = %operation.label, upstream = %self.label, error = %error_chain(error), "upstream call failed");
        ToolError::unavailable(format!(
            "{} on {} could not be reached",
            operation.label, self.label
        ))
    }

    /// An error answer, with a bounded excerpt of what the upstream said.
    fn refused(&self, operation: &Operation, status: StatusCode, body: &[u8]) -> ToolError {
        let mut message = format!("{} on {} answered {status}", operation.label, self.label);
        if let Some(said) = excerpt(body) {
            let _ = write!(message, ": {said}");
        }
        match status.as_u16() {
            404 => ToolError::not_found(message),
            400..=499
                if status != StatusCode::UNAUTHORIZED
                    && status != StatusCode::FORBIDDEN
                    && status != StatusCode::TOO_MANY_REQUESTS =>
            {
                ToolError::bad_request(message)
            }
            _ => ToolError::unavailable(message),
        }
    }
}

/// A successful answer as a tool result: structured when the tool has an output schema and the
/// answer is a JSON object, text otherwise.
fn answer(
    operation: &Operation,
    status: StatusCode,
    json: bool,
    body: Vec<u8>,
) -> Result<ToolOutput, ToolError> {
    if body.is_empty() {
        return Ok(ToolOutput::new(vec![crate::Content::text(
            status.to_string(),
        )]));
    }
    let text = String::from_utf8(body).map_err(|_| {
        ToolError::unavailable(format!(
            "{} answered bytes that are not text",
            operation.label
        ))
    })?;
    if json
        && operation.structured
        && text.trim_start().starts_with('{')
        && serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok()
    {
        return Ok(ToolOutput::structured_json(text));
    }
    Ok(ToolOutput::new(vec![crate::Content::text(text)]))
}

/// A path segment with its `{name}` templates filled in one pass, so a value that looks like a
/// template stays text.
fn fill(segment: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(segment.len());
    let mut rest = segment;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..open + close];
        match values.iter().find(|(wire, _)| *wire == name) {
            Some((_, text)) => out.push_str(text),
            None => out.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn field_error(field: String, message: &str) -> FieldError {
    FieldError {
        field,
        message: message.to_owned(),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A scalar, or a list of scalars joined by `separator`.
fn scalar_list(value: &Value, separator: &str) -> Result<String, &'static str> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|item| scalar(item).ok_or("must be a list of strings, numbers or booleans"))
            .collect::<Result<Vec<_>, _>>()
            .map(|items| items.join(separator)),
        other => scalar(other).ok_or("must be a string, a number, a boolean or a list of them"),
    }
}

/// A path parameter's text. `.`, `..` and the empty string would change which path is called.
fn path_value(value: &Value) -> Result<String, &'static str> {
    let text = scalar_list(value, ",")?;
    if text.is_empty() || text == "." || text == ".." {
        return Err("must not be empty, `.` or `..`");
    }
    Ok(text)
}

fn query_values(argument: &Argument, value: &Value) -> Result<Vec<String>, &'static str> {
    match value {
        Value::Array(items) if argument.explode => items
            .iter()
            .map(|item| scalar(item).ok_or("must be a list of strings, numbers or booleans"))
            .collect(),
        other => scalar_list(other, ",").map(|text| vec![text]),
    }
}

/// What an error answer says: its `message`, `error`, `detail` or `title` field when it is JSON,
/// else its text; one line, at most 500 characters.
fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let said = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|value| {
            ["message", "error", "detail", "title"]
                .iter()
                .find_map(|key| value.get(key).and_then(Value::as_str).map(str::to_owned))
        })
        .unwrap_or_else(|| text.into_owned());
    let mut line: String = said
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_ERROR_EXCERPT)
        .collect();
    line.truncate(line.trim_end().len());
    (!line.is_empty()).then_some(line)
}

/// What went wrong and its causes, without the URL (its query may hold a key).
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = String::from(if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    });
    let mut cause = std::error::Error::source(error);
    while let Some(error) = cause {
        let _ = write!(text, ": {error}");
        cause = error.source();
    }
    text
}
