//! A request's span (see `crate::telemetry`) as each path reads it off the wire.

use rmcp::RoleServer;
use rmcp::model::ErrorData;
use rmcp::service::RequestContext;
use tracing::Instrument as _;

use crate::jsonrpc::Method;
use crate::telemetry::{self, Operation, Outcome, Target, Transport};

/// How an answer ended; `is_tool_error` tells a tool's own failure from a success.
pub(super) fn outcome<T>(
    answer: &Result<T, ErrorData>,
    is_tool_error: impl FnOnce(&T) -> bool,
) -> Outcome<'_> {
    match answer {
        Ok(result) if is_tool_error(result) => Outcome::ToolError,
        Ok(_) => Outcome::Ok,
        Err(error) => Outcome::Error {
            code: error.code.0,
            message: &error.message,
        },
    }
}

/// Whether a result is a tool's `isError` result.
#[cfg(feature = "fast-path")]
pub(super) fn is_tool_error(result: &rmcp::model::ServerResult) -> bool {
    matches!(result, rmcp::model::ServerResult::CallToolResult(result) if result.is_error == Some(true))
}

/// The span of the request `method` of `context`. Opened before the request's params are
/// moved into the work that answers it, so the target is borrowed, not copied.
pub(super) fn operation(
    method: Method,
    target: Target<'_>,
    context: &RequestContext<RoleServer>,
) -> Operation {
    let parts = context.extensions.get::<axum::http::request::Parts>();
    let header = |name| parts?.headers.get(name)?.to_str().ok();
    let version = context.protocol_version();
    Operation::start(&telemetry::Request {
        method: method.name(),
        target,
        id: Some(&context.id),
        meta: Some(&context.meta.0.0),
        transport: if parts.is_some() {
            Transport::Tcp
        } else {
            Transport::Pipe
        },
        session: header("mcp-session-id"),
        protocol_version: version.as_ref().map(|version| version.as_str()),
        client: super::handler::client(context),
    })
}

/// Runs `answer` in `operation`'s span, for answers that are never a tool's result.
pub(super) async fn run<T>(
    operation: Operation,
    answer: impl Future<Output = Result<T, ErrorData>>,
) -> Result<T, ErrorData> {
    run_call(operation, answer, |_| false).await
}

/// Runs `answer` in `operation`'s span; `is_tool_error` tells a tool's own failure.
pub(super) async fn run_call<T>(
    operation: Operation,
    answer: impl Future<Output = Result<T, ErrorData>>,
    is_tool_error: impl FnOnce(&T) -> bool,
) -> Result<T, ErrorData> {
    if operation.is_silent() {
        return answer.await;
    }
    let answer = answer.instrument(operation.span().clone()).await;
    operation.finish(outcome(&answer, is_tool_error));
    answer
}
