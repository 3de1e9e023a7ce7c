//! rmcp's client under `mcp_kit::client`: the connection, and each request as MCP JSON in and
//! out, so nothing above this file names rmcp.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{HeaderName, HeaderValue};
use futures_util::stream::BoxStream;

use rmcp::ServiceExt as _;
use rmcp::model::{
    CallToolRequestParams, ClientJsonRpcMessage, GetMeta as _, GetPromptRequestParams,
    JsonRpcMessage, PaginatedRequestParams, ReadResourceRequestParams,
};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::streamable_http_client::{
    SseError, StreamableHttpClient, StreamableHttpClientTransportConfig, StreamableHttpError,
    StreamableHttpPostResponse, StreamableHttpResponseLimits,
};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ClientError;
use crate::jsonrpc::Method;

/// A connected client session.
pub(crate) struct Connection {
    service: RunningService<RoleClient, ()>,
}

impl Connection {
    /// Streamable HTTP to `url`, with `headers` on every request (`authorization` among them).
    pub(crate) async fn http(
        url: &str,
        headers: Vec<(String, String)>,
    ) -> Result<Self, ClientError> {
        // reqwest is built without a TLS provider of its own: use ring, as the server does.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut custom = HashMap::new();
        let mut auth = None;
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("authorization") {
                auth = Some(value.trim_start_matches("Bearer ").to_owned());
                continue;
            }
            let name = axum::http::HeaderName::try_from(name.as_str())
                .map_err(|_| ClientError::Connect(format!("`{name}` is not a header name")))?;
            let value = axum::http::HeaderValue::try_from(value.as_str()).map_err(|_| {
                ClientError::Connect(format!("the `{name}` header's value is not valid"))
            })?;
            custom.insert(name, value);
        }
        let mut config = StreamableHttpClientTransportConfig::with_uri(url).custom_headers(custom);
        if let Some(token) = auth {
            config = config.auth_header(token);
        }
        let transport = StreamableHttpClientTransport::with_client(Pooled::new(), config);
        let service = ().serve(transport).await.map_err(|e| ClientError::Connect(e.to_string()))?;
        Ok(Self { service })
    }

    /// A child process spoken to over its stdin and stdout.
    pub(crate) async fn spawn(command: tokio::process::Command) -> Result<Self, ClientError> {
        let transport = TokioChildProcess::new(command)
            .map_err(|e| ClientError::Connect(format!("the command could not start: {e}")))?;
        let service = ().serve(transport).await.map_err(|e| ClientError::Connect(e.to_string()))?;
        Ok(Self { service })
    }

    /// The server's `serverInfo`, as MCP JSON.
    pub(crate) fn server_info(&self) -> Value {
        self.service
            .peer_info()
            .and_then(|info| serde_json::to_value(&info.server_info).ok())
            .unwrap_or(Value::Null)
    }

    /// Every page of a list request: `key` is the result's list field.
    pub(crate) async fn list(&self, method: Method) -> Result<Vec<Value>, ClientError> {
        let peer = self.service.peer();
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = cursor
                .take()
                .map(|cursor| {
                    params::<PaginatedRequestParams>(serde_json::json!({"cursor": cursor}))
                })
                .transpose()?;
            let (page, next) = match method {
                Method::ListTools => {
                    let result = peer.list_tools(params).await.map_err(failed)?;
                    (json(&result.tools)?, result.next_cursor)
                }
                Method::ListResources => {
                    let result = peer.list_resources(params).await.map_err(failed)?;
                    (json(&result.resources)?, result.next_cursor)
                }
                Method::ListResourceTemplates => {
                    let result = peer.list_resource_templates(params).await.map_err(failed)?;
                    (json(&result.resource_templates)?, result.next_cursor)
                }
                Method::ListPrompts => {
                    let result = peer.list_prompts(params).await.map_err(failed)?;
                    (json(&result.prompts)?, result.next_cursor)
                }
                other => unreachable!("`{}` is not a list method", other.name()),
            };
            let Value::Array(page) = page else {
                return Err(ClientError::Transport("a list that is not a list".into()));
            };
            items.extend(page);
            match next {
                Some(next) => cursor = Some(next),
                None => return Ok(items),
            }
        }
    }

    pub(crate) async fn call_tool(
        &self,
        name: &str,
        arguments: Map<String, Value>,
    ) -> Result<Value, ClientError> {
        let request = params::<CallToolRequestParams>(
            serde_json::json!({"name": name, "arguments": arguments}),
        )?;
        json(
            &self
                .service
                .peer()
                .call_tool(request)
                .await
                .map_err(failed)?,
        )
    }

    pub(crate) async fn read_resource(&self, uri: &str) -> Result<Value, ClientError> {
        let request = params::<ReadResourceRequestParams>(serde_json::json!({"uri": uri}))?;
        json(
            &self
                .service
                .peer()
                .read_resource(request)
                .await
                .map_err(failed)?,
        )
    }

    pub(crate) async fn get_prompt(
        &self,
        name: &str,
        arguments: Map<String, Value>,
    ) -> Result<Value, ClientError> {
        let request = params::<GetPromptRequestParams>(
            serde_json::json!({"name": name, "arguments": arguments}),
        )?;
        json(
            &self
                .service
                .peer()
                .get_prompt(request)
                .await
                .map_err(failed)?,
        )
    }

    /// Ends the session (and, for a child process, closes its stdin).
    pub(crate) async fn close(self) {
        let _ = self.service.cancel().await;
    }
}

/// A request's params from `value`, carrying the current trace context in `_meta`
/// (SEP-414), so that the server's span continues the caller's trace.
fn params<T: DeserializeOwned>(value: Value) -> Result<T, ClientError> {
    #[cfg(feature = "otel")]
    let value = {
        let mut value = value;
        let context: Map<String, Value> = crate::otel::trace_headers()
            .into_iter()
            .map(|(name, header)| (name.to_owned(), Value::String(header)))
            .collect();
        if !context.is_empty() {
            value["_meta"] = Value::Object(context);
        }
        value
    };
    serde_json::from_value(value)
        .map_err(|e| ClientError::Transport(format!("a request did not build: {e}")))
}

fn json(value: &impl serde::Serialize) -> Result<Value, ClientError> {
    serde_json::to_value(value)
        .map_err(|e| ClientError::Transport(format!("an answer did not serialize: {e}")))
}

fn failed(error: ServiceError) -> ClientError {
    match error {
        ServiceError::McpError(error) => ClientError::Rpc {
            code: error.code.0,
            message: error.message.into_owned(),
        },
        other => ClientError::Transport(other.to_string()),
    }
}

/// rmcp's reqwest transport with two changes. Connections are kept and reused (rmcp's own
/// client opens one per request). And no request asks for progress: rmcp puts a progress
/// token on every request, which this client never reads, and which keeps a server from
/// answering with plain JSON (mcp-kit's fast path, for one).
#[derive(Clone)]
struct Pooled(reqwest_rmcp::Client);

impl Pooled {
    fn new() -> Self {
        let client = reqwest_rmcp::Client::builder()
            // A redirect would carry the session and the credential elsewhere: refuse it.
            .redirect(reqwest_rmcp::redirect::Policy::none())
            .build()
            .expect("a client with no TLS settings of its own builds");
        Self(client)
    }
}

fn without_progress(mut message: ClientJsonRpcMessage) -> ClientJsonRpcMessage {
    if let JsonRpcMessage::Request(request) = &mut message {
        request.request.get_meta_mut().0.0.remove("progressToken");
    }
    message
}

type Posted = Result<StreamableHttpPostResponse, StreamableHttpError<reqwest_rmcp::Error>>;
type Stream = Result<
    BoxStream<'static, Result<sse_stream::Sse, SseError>>,
    StreamableHttpError<reqwest_rmcp::Error>,
>;

impl StreamableHttpClient for Pooled {
    type Error = reqwest_rmcp::Error;

    async fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Posted {
        let message = without_progress(message);
        (self.0)
            .post_message(uri, message, session_id, auth_header, custom_headers)
            .await
    }

    async fn post_message_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> Posted {
        let message = without_progress(message);
        (self.0)
            .post_message_with_max_sse_event_size(
                uri,
                message,
                session_id,
                auth_header,
                custom_headers,
                max_sse_event_size,
            )
            .await
    }

    async fn post_message_with_response_limits(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        limits: StreamableHttpResponseLimits,
    ) -> Posted {
        let message = without_progress(message);
        (self.0)
            .post_message_with_response_limits(
                uri,
                message,
                session_id,
                auth_header,
                custom_headers,
                limits,
            )
            .await
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<(), StreamableHttpError<reqwest_rmcp::Error>> {
        (self.0)
            .delete_session(uri, session_id, auth_header, custom_headers)
            .await
    }

    async fn get_stream(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Stream {
        (self.0)
            .get_stream(uri, session_id, last_event_id, auth_header, custom_headers)
            .await
    }

    async fn get_stream_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> Stream {
        (self.0)
            .get_stream_with_max_sse_event_size(
                uri,
                session_id,
                last_event_id,
                auth_header,
                custom_headers,
                max_sse_event_size,
            )
            .await
    }
}
