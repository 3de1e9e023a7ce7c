//! rmcp's client under `mcp_kit::client`: the connection, and each request as MCP JSON in and
//! out, so nothing above this file names rmcp.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderName, HeaderValue};
use futures_util::stream::BoxStream;

use rmcp::ClientHandler;
use rmcp::ServiceExt as _;
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CancelledNotification, CancelledNotificationParam,
    ClientJsonRpcMessage, ClientRequest, GetMeta as _, GetPromptRequestParams, JsonObject,
    JsonRpcMessage, MetaObject, PaginatedRequestParams, ProgressNotificationParam, ProgressToken,
    ReadResourceRequestParams, RequestId, RequestMetaObject, ServerResult,
};
use rmcp::service::{
    NotificationContext, Peer, PeerRequestOptions, RoleClient, RunningService, ServiceError,
};
use rmcp::transport::streamable_http_client::{
    SseError, StreamableHttpClient, StreamableHttpClientTransportConfig, StreamableHttpError,
    StreamableHttpPostResponse, StreamableHttpResponseLimits,
};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::ClientError;
use crate::jsonrpc::Method;
use crate::lock::lock;

/// A connected client session.
pub(crate) struct Connection {
    service: RunningService<RoleClient, Relay>,
    /// Whether requests go through [`Pooled`], which takes their progress tokens off unless
    /// asked to keep them.
    pooled: bool,
}

/// Cancels a request on the server unless its answer came: when the call waiting for it is
/// cancelled, or dropped (its client went away).
struct Abandoned {
    peer: Peer<RoleClient>,
    id: Option<RequestId>,
}

impl Drop for Abandoned {
    fn drop(&mut self) {
        let (Some(id), Ok(runtime)) = (self.id.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let reason = Some("the call was cancelled".to_owned());
        let notification =
            CancelledNotification::new(CancelledNotificationParam::new(Some(id), reason));
        let peer = self.peer.clone();
        runtime.spawn(async move {
            // rmcp stops the request's own HTTP exchange too, which a stateless server
            // takes as the cancellation.
            let _ = peer.send_notification(notification.into()).await;
        });
    }
}

/// One progress notification of a call in flight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Progress {
    pub(crate) progress: f64,
    pub(crate) total: Option<f64>,
    pub(crate) message: Option<String>,
}

/// The most progress notifications kept for calls not yet registered.
const EARLY: usize = 64;

/// Hands the server's progress notifications to the calls that asked for them.
#[derive(Default)]
struct Relay {
    progress: Mutex<Watchers>,
}

#[derive(Default)]
struct Watchers {
    by_token: HashMap<ProgressToken, mpsc::UnboundedSender<Progress>>,
    /// rmcp numbers a request's progress token as it sends it, so a notification may come
    /// before its call is registered: kept here until it is.
    early: VecDeque<(ProgressToken, Progress)>,
}

impl Relay {
    /// Sends `token`'s notifications to `to` until the guard drops.
    fn watch(&self, token: ProgressToken, to: mpsc::UnboundedSender<Progress>) -> Watching<'_> {
        let mut watchers = lock(&self.progress);
        let (early, rest) = std::mem::take(&mut watchers.early)
            .into_iter()
            .partition(|(t, _)| *t == token);
        watchers.early = rest;
        for (_, progress) in early {
            let _ = to.send(progress);
        }
        watchers.by_token.insert(token.clone(), to);
        Watching { relay: self, token }
    }
}

struct Watching<'a> {
    relay: &'a Relay,
    token: ProgressToken,
}

impl Drop for Watching<'_> {
    fn drop(&mut self) {
        lock(&self.relay.progress).by_token.remove(&self.token);
    }
}

impl ClientHandler for Relay {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let progress = Progress {
            progress: params.progress,
            total: params.total,
            message: params.message,
        };
        let mut watchers = lock(&self.progress);
        match watchers.by_token.get(&params.progress_token) {
            Some(to) => {
                let _ = to.send(progress);
            }
            None => {
                if watchers.early.len() == EARLY {
                    watchers.early.pop_front();
                }
                watchers.early.push_back((params.progress_token, progress));
            }
        }
    }
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
        let service = Relay::default()
            .serve(transport)
            .await
            .map_err(|e| ClientError::Connect(e.to_string()))?;
        Ok(Self {
            service,
            pooled: true,
        })
    }

    /// A child process spoken to over its stdin and stdout.
    pub(crate) async fn spawn(command: tokio::process::Command) -> Result<Self, ClientError> {
        let transport = TokioChildProcess::new(command)
            .map_err(|e| ClientError::Connect(format!("the command could not start: {e}")))?;
        let service = Relay::default()
            .serve(transport)
            .await
            .map_err(|e| ClientError::Connect(e.to_string()))?;
        Ok(Self {
            service,
            pooled: false,
        })
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

    /// Calls the tool `name` on behalf of another call: its progress goes to `progress`, when
    /// given, and `cancel` cancels it on the server too.
    pub(crate) async fn call_tool_relayed(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        cancel: &CancellationToken,
        progress: Option<mpsc::UnboundedSender<Progress>>,
    ) -> Result<Value, ClientError> {
        let params = params::<CallToolRequestParams>(
            serde_json::json!({"name": name, "arguments": arguments}),
        )?;
        let request = ClientRequest::CallToolRequest(CallToolRequest::new(params));
        let mut options = PeerRequestOptions::no_options();
        if progress.is_some() && self.pooled {
            options.meta = Some(RequestMetaObject(MetaObject(JsonObject::from_iter([(
                WANTS_PROGRESS.to_owned(),
                Value::Bool(true),
            )]))));
        }
        let peer = self.service.peer();
        let handle = peer
            .send_request_with_option(request, options)
            .await
            .map_err(failed)?;
        let _watching = progress.map(|to| {
            let token = handle.progress_token.clone();
            self.service.service().watch(token, to)
        });
        let mut abandoned = Abandoned {
            peer: peer.clone(),
            id: Some(handle.id.clone()),
        };
        tokio::select! {
            answer = handle.await_response() => {
                abandoned.id = None;
                match answer.map_err(failed)? {
                    ServerResult::CallToolResult(result) => json(&result),
                    _ => Err(ClientError::Transport(
                        "an answer to tools/call that is not a result".into(),
                    )),
                }
            }
            () = cancel.cancelled() => Err(ClientError::Cancelled),
        }
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

/// The `_meta` key by which a request asks [`Pooled`] to keep its progress token; it is
/// taken off before the request is sent.
const WANTS_PROGRESS: &str = "mcp-kit/wants-progress";

fn without_progress(mut message: ClientJsonRpcMessage) -> ClientJsonRpcMessage {
    if let JsonRpcMessage::Request(request) = &mut message {
        let meta = &mut request.request.get_meta_mut().0.0;
        if meta.remove(WANTS_PROGRESS).is_none() {
            meta.remove("progressToken");
        }
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
