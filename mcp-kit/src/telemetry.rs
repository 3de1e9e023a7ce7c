//! One span for each MCP request, whichever transport brought it, named and attributed after
//! OpenTelemetry's semantic conventions for MCP (`tools/call get_weather`, `mcp.method.name`,
//! `gen_ai.tool.name`, `error.type`, …). With feature `otel`, its parent is the trace context
//! in the request's `_meta` (SEP-414), and its duration goes to the
//! `mcp.server.operation.duration` histogram.
//!
//! The span is at `debug` under the target `mcp_kit::operation`: nothing is built for a
//! subscriber that does not ask for it, and the OpenTelemetry layer (`mcp_kit::otel`) does.

#[cfg(feature = "otel")]
use std::time::Instant;

use serde_json::{Map, Value};
use tracing::field::Empty;

use crate::context::ClientAddr;

/// What a transport read of a request, for its span.
pub(crate) struct Request<'a> {
    /// The JSON-RPC method, as sent.
    pub(crate) method: &'a str,
    pub(crate) target: Target<'a>,
    pub(crate) id: Option<&'a dyn std::fmt::Display>,
    /// The params' `_meta`, where a caller's trace context travels.
    #[cfg_attr(not(feature = "otel"), allow(dead_code))]
    pub(crate) meta: Option<&'a Map<String, Value>>,
    pub(crate) transport: Transport,
    pub(crate) session: Option<&'a str>,
    pub(crate) protocol_version: Option<&'a str>,
    pub(crate) client: Option<ClientAddr>,
}

/// The item a request names.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    None,
    Tool(&'a str),
    Prompt(&'a str),
    Resource(&'a str),
}

/// How the request reached the server (`network.transport`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// HTTP over TCP.
    Tcp,
    /// Standard input and output.
    Pipe,
}

impl Transport {
    fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Pipe => "pipe",
        }
    }
}

/// How a request ended (`error.type`).
pub(crate) enum Outcome<'a> {
    Ok,
    /// A tool result with `isError` set.
    ToolError,
    /// A JSON-RPC error.
    Error {
        code: i32,
        message: &'a str,
    },
}

/// A request's span, and its clock when the histogram is recorded, from the moment it is read
/// until it is answered.
pub(crate) struct Operation {
    span: tracing::Span,
    #[cfg(feature = "otel")]
    measured: Option<(Instant, crate::otel::Labels)>,
}

impl Operation {
    pub(crate) fn start(request: &Request<'_>) -> Self {
        // Every value is given here, where it is read only for an enabled span: recording
        // fields one by one later would cost the OpenTelemetry layer a lock each.
        let (tool, prompt, uri) = match request.target {
            Target::None => (None, None, None),
            Target::Tool(tool) => (Some(tool), None, None),
            Target::Prompt(prompt) => (None, Some(prompt), None),
            Target::Resource(uri) => (None, None, Some(uri)),
        };
        let span = tracing::debug_span!(
            target: "mcp_kit::operation",
            "operation",
            otel.name = %SpanName(request),
            otel.kind = "server",
            otel.status_code = Empty,
            otel.status_description = Empty,
            mcp.method.name = request.method,
            gen_ai.operation.name = tool.map(|_| "execute_tool"),
            gen_ai.tool.name = tool,
            gen_ai.prompt.name = prompt,
            mcp.resource.uri = uri,
            jsonrpc.request.id = request.id.map(tracing::field::display),
            mcp.session.id = request.session,
            mcp.protocol.version = request.protocol_version,
            network.transport = request.transport.as_str(),
            client.address = request.client.map(|ClientAddr(ip)| tracing::field::display(ip)),
            error.type = Empty,
            rpc.response.status_code = Empty,
        );
        #[cfg(feature = "otel")]
        if !span.is_disabled()
            && let Some(meta) = request.meta
        {
            crate::otel::adopt_parent(&span, meta);
        }
        Self {
            span,
            #[cfg(feature = "otel")]
            measured: labels(request).map(|labels| (Instant::now(), labels)),
        }
    }

    /// The span, for instrumenting the work that answers the request.
    pub(crate) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Whether nothing reads the span or the clock: the request can be served as if untraced.
    pub(crate) fn is_silent(&self) -> bool {
        #[cfg(feature = "otel")]
        if self.measured.is_some() {
            return false;
        }
        self.span.is_disabled()
    }

    pub(crate) fn finish(self, outcome: Outcome<'_>) {
        if self.is_silent() {
            return;
        }
        let error_type = match outcome {
            Outcome::Ok => None,
            Outcome::ToolError => Some(std::borrow::Cow::Borrowed("tool_error")),
            Outcome::Error { code, .. } => Some(std::borrow::Cow::Owned(code.to_string())),
        };
        if !self.span.is_disabled()
            && let Some(error_type) = &error_type
        {
            let span = &self.span;
            span.record("error.type", error_type.as_ref());
            span.record("otel.status_code", "error");
            if let Outcome::Error { message, .. } = outcome {
                span.record("rpc.response.status_code", error_type.as_ref());
                span.record("otel.status_description", message);
            }
        }
        #[cfg(feature = "otel")]
        if let Some((started, labels)) = self.measured {
            labels.record(started.elapsed(), error_type.as_deref());
        }
    }
}

/// `tools/call get_weather`: the method and the tool or prompt. A URI is too many names for a
/// span name; it stays an attribute.
struct SpanName<'a>(&'a Request<'a>);

impl std::fmt::Display for SpanName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.target {
            Target::Tool(name) | Target::Prompt(name) => write!(f, "{} {name}", self.0.method),
            Target::None | Target::Resource(_) => f.write_str(self.0.method),
        }
    }
}

/// The histogram's attributes for `request`, when it is recorded: not the resource URI,
/// which would make a series per resource.
#[cfg(feature = "otel")]
fn labels(request: &Request<'_>) -> Option<crate::otel::Labels> {
    let mut labels = crate::otel::Labels::new()?;
    labels.add("mcp.method.name", request.method);
    labels.add("network.transport", request.transport.as_str());
    match request.target {
        Target::Tool(tool) => {
            labels.add("gen_ai.tool.name", tool);
            labels.add("gen_ai.operation.name", "execute_tool");
        }
        Target::Prompt(prompt) => labels.add("gen_ai.prompt.name", prompt),
        Target::None | Target::Resource(_) => {}
    }
    if let Some(version) = request.protocol_version {
        labels.add("mcp.protocol.version", version);
    }
    Some(labels)
}
