//! The error taxonomy shared by every layer: what went wrong, how HTTP and JSON-RPC say it.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// What kind of failure a [`ToolError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request is malformed or makes no sense.
    BadRequest,
    /// One or more arguments failed validation; see [`ToolError::fields`].
    Invalid,
    /// The caller is not authenticated.
    NotAuthenticated,
    /// The caller is authenticated but may not do this.
    PermissionDenied,
    /// The thing asked for does not exist.
    NotFound,
    /// The caller must wait; see [`ToolError::retry_after`].
    RateLimited,
    /// Something the server depends on is down (a database, a rate-limit store); the call
    /// may succeed later.
    Unavailable,
    /// A fault on the server side. Its message is logged, never sent.
    Internal,
}

impl ErrorKind {
    /// The HTTP status this kind maps to where the HTTP layer answers.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Invalid => 422,
            Self::NotAuthenticated => 401,
            Self::PermissionDenied => 403,
            Self::NotFound => 404,
            Self::RateLimited => 429,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }

    /// The JSON-RPC error code this kind maps to where it is a protocol error.
    pub const fn jsonrpc_code(self) -> i32 {
        match self {
            Self::BadRequest | Self::Invalid => -32602,
            Self::NotAuthenticated | Self::PermissionDenied => -32001,
            Self::NotFound => -32002,
            Self::RateLimited => -32003,
            Self::Unavailable => -32004,
            Self::Internal => -32603,
        }
    }

    const fn label(self) -> &'static str {
        match self {
            Self::BadRequest => "bad request",
            Self::Invalid => "invalid arguments",
            Self::NotAuthenticated => "not authenticated",
            Self::PermissionDenied => "permission denied",
            Self::NotFound => "not found",
            Self::RateLimited => "rate limited",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal error",
        }
    }
}

/// One argument that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// Path to the argument, e.g. `items[2].name`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The error a tool (or the runtime on its behalf) returns.
///
/// A handler returns `Result<T, E>` with `E: Into<ToolError>`. Any
/// [`std::error::Error`] converts into an [`ErrorKind::Internal`] error, so `?`
/// works on I/O or database errors without leaking their text to the client.
pub struct ToolError {
    kind: ErrorKind,
    message: Cow<'static, str>,
    fields: Vec<FieldError>,
    retry_after: Option<Duration>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ToolError {
    /// An error of `kind` with a message for the client.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
            source: None,
        }
    }

    /// The request makes no sense, e.g. a division by zero.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }

    /// Arguments failed validation.
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        let message = fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            fields,
            ..Self::new(ErrorKind::Invalid, message)
        }
    }

    /// One argument failed validation.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The caller is not authenticated.
    pub fn not_authenticated(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotAuthenticated, message)
    }

    /// The caller may not do this.
    pub fn permission_denied(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::PermissionDenied, message)
    }

    /// The thing asked for does not exist.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// The caller must wait `retry_after` before trying again.
    pub fn rate_limited(retry_after: Duration) -> Self {
        let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                ErrorKind::RateLimited,
                format!("try again in {secs} seconds"),
            )
        }
    }

    /// Something the server depends on is down. `message` is sent: say what, not why.
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    /// A server-side fault. `detail` is logged; the client sees only "internal error".
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Internal, detail.to_string())
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The arguments that failed validation, for [`ErrorKind::Invalid`].
    pub fn fields(&self) -> &[FieldError] {
        &self.fields
    }

    /// How long to wait, for [`ErrorKind::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The underlying error, when this one was converted from another.
    pub fn source(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.source.as_deref()
    }

    /// The text a client may see. Internal details are replaced by a generic message; a
    /// permission's refusal is shown as the permission wrote it.
    pub fn client_message(&self) -> Cow<'_, str> {
        match self.kind {
            ErrorKind::Internal => Cow::Borrowed("internal error"),
            ErrorKind::PermissionDenied => Cow::Borrowed(&self.message),
            kind => Cow::Owned(format!("{}: {}", kind.label(), self.message)),
        }
    }

    /// The full message, internal details included. For logs only.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("fields", &self.fields)
            .field("retry_after", &self.retry_after)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.label(), self.message)
    }
}

/// Any error type converts into an internal error; its text stays on the server.
impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolError {
    fn from(error: E) -> Self {
        let mut message = error.to_string();
        let mut cause = error.source();
        while let Some(inner) = cause {
            message.push_str(": ");
            message.push_str(&inner.to_string());
            cause = inner.source();
        }
        Self {
            source: Some(Box::new(error)),
            ..Self::internal(message)
        }
    }
}

/// Why a request to another server failed ([`mcp_kit::client`](crate::client)).
#[cfg(feature = "client")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError {
    /// The connection or the handshake failed.
    Connect(String),
    /// The server answered with a JSON-RPC error.
    Rpc { code: i32, message: String },
    /// The connection failed during a request, or an answer made no sense.
    Transport(String),
    /// The call on whose behalf the request was made was cancelled, and the request with it.
    Cancelled,
    /// The server asked a question that the client of the call on whose behalf the request
    /// was made could not answer ([`Client::call_tool_in`](crate::client::Client::call_tool_in)):
    /// the kind and message of the error that call got.
    Unanswered(ErrorKind, String),
}

#[cfg(feature = "client")]
impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect(why) => write!(f, "could not connect: {why}"),
            Self::Rpc { code, message } => write!(f, "the server answered {code}: {message}"),
            Self::Transport(why) => write!(f, "the request failed: {why}"),
            Self::Cancelled => f.write_str("the request was cancelled"),
            Self::Unanswered(_, why) => write!(f, "the server's question was not answered: {why}"),
        }
    }
}

#[cfg(feature = "client")]
impl std::error::Error for ClientError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_text_is_hidden_from_clients() {
        let error = ToolError::from(std::io::Error::other("disk /secret full"));
        assert_eq!(error.kind(), ErrorKind::Internal);
        assert_eq!(error.client_message(), "internal error");
        assert!(error.message().contains("/secret"));
    }

    #[test]
    fn invalid_names_every_field() {
        let error = ToolError::invalid(vec![
            FieldError {
                field: "a".into(),
                message: "expected i64".into(),
            },
            FieldError {
                field: "b".into(),
                message: "missing".into(),
            },
        ]);
        assert_eq!(
            error.client_message(),
            "invalid arguments: a: expected i64; b: missing"
        );
        assert_eq!(error.kind().http_status(), 422);
    }

    #[test]
    fn rate_limited_rounds_up_to_whole_seconds() {
        let error = ToolError::rate_limited(Duration::from_millis(1500));
        assert_eq!(
            error.client_message(),
            "rate limited: try again in 2 seconds"
        );
    }
}
