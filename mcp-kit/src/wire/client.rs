//! rmcp's client under `mcp_kit::client`: the connection, and each request as MCP JSON in and
//! out, so nothing above this file names rmcp.

// SEP-2577 deprecates logging, sampling and roots; servers still use them, and a mount
// passes them on.
#![allow(deprecated)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderName, HeaderValue};
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;

use rmcp::model::{
    CallToolRequestParams, CancelledNotification, CancelledNotificationParam, ClientCapabilities,
    ClientConfig, ClientJsonRpcMessage, ClientRequest, CreateMessageRequestParams,
    CreateMessageResult, ElicitRequestParams, ElicitResult, ErrorData, Extensions, GetMeta as _,
    GetPromptRequestParams, InputResponses, JsonObject, JsonRpcMessage, ListRootsResult,
    LoggingMessageNotificationParam, MetaObject, NotificationMetaObject, PaginatedRequestParams,
    ProgressNotificationParam, ProgressToken, ReadResourceRequestParams, RequestId,
    RequestMetaObject, ServerNotification, ServerResult,
};
use rmcp::service::{
    NotificationContext, Peer, PeerRequestOptions, RequestContext, RoleClient, RunningService,
    ServiceError,
};
use rmcp::transport::streamable_http_client::{
    SseError, StreamableHttpClient, StreamableHttpClientTransportConfig, StreamableHttpError,
    StreamableHttpPostResponse, StreamableHttpResponseLimits,
};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, ClientLifecycleMode, ClientServiceExt as _};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::error::{ClientError, ErrorKind};
use crate::jsonrpc::Method;
use crate::lock::lock;
use crate::log_level::LogLevel;
use crate::notifier::List;

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

/// What a call made on behalf of another hears from the server while it runs.
#[derive(Debug)]
pub(crate) enum Heard {
    Progress(Progress),
    Log {
        level: LogLevel,
        logger: Option<String>,
        data: Value,
    },
    /// A question for the caller (`elicitation/create`, `sampling/createMessage` or
    /// `roots/list`, as `method` and `params`), filed under `key` when the server named one.
    /// Its answer, as MCP JSON, goes to `answer`; dropping `answer` refuses it.
    Question {
        key: Option<String>,
        method: String,
        params: Value,
        answer: oneshot::Sender<Value>,
    },
}

/// What a call made on behalf of another tells the server about that call's client.
#[derive(Debug)]
pub(crate) struct Behalf {
    /// Where what the server sends for the call goes.
    pub(crate) heard: mpsc::UnboundedSender<Heard>,
    pub(crate) progress: bool,
    /// The least severe log level the caller wants, if it wants logs at all.
    pub(crate) log_level: Option<LogLevel>,
    /// Which questions the caller can answer: `elicitation`, `sampling`, `roots`.
    pub(crate) declares: Vec<&'static str>,
}

impl Behalf {
    /// Whether the server may send anything about the call while it runs: without progress,
    /// logs or questions the caller could answer, there is nothing to listen for.
    pub(crate) fn listens(&self) -> bool {
        self.progress || self.log_level.is_some() || !self.declares.is_empty()
    }
}

/// The capabilities a server's questions need, as the protocol names them.
pub(crate) const QUESTIONS: [&str; 3] = ["elicitation", "sampling", "roots"];

/// `declared` (some of [`QUESTIONS`]) as a `ClientCapabilities` object.
fn capabilities(declared: &[&str]) -> JsonObject {
    declared
        .iter()
        .map(|&capability| {
            let settings = match capability {
                "elicitation" => serde_json::json!({"form": {}}),
                _ => serde_json::json!({}),
            };
            (capability.to_owned(), settings)
        })
        .collect()
}

/// Puts a question to the call `heard` belongs to, filed under `key`, and waits for the
/// answer: `None` when the call refused it or has gone.
async fn put(
    heard: &mpsc::UnboundedSender<Heard>,
    key: Option<String>,
    method: String,
    params: Value,
) -> Option<Value> {
    let (answer, answered) = oneshot::channel();
    let question = Heard::Question {
        key,
        method,
        params,
        answer,
    };
    heard.send(question).ok()?;
    answered.await.ok()
}

/// The most progress notifications kept for calls not yet registered.
const EARLY: usize = 64;

/// The most rounds of questions one call may take, as rmcp's own client allows.
const MAX_ROUNDS: usize = rmcp::model::DEFAULT_MRTR_MAX_ROUNDS;

/// Hands what the server sends about a call to the call it concerns: progress by its token,
/// log messages and questions by the request they came with (see [`Pooled`]).
struct Relay {
    watchers: Mutex<Watchers>,
    tags: Tags,
    /// The server's lists that changed, as it announces them; `None` when a
    /// `subscriptions/listen` stream they came on ended.
    changed: broadcast::Sender<Option<List>>,
}

#[derive(Default)]
struct Watchers {
    by_token: HashMap<ProgressToken, mpsc::UnboundedSender<Heard>>,
    by_request: HashMap<String, mpsc::UnboundedSender<Heard>>,
    /// rmcp numbers a request's progress token as it sends it, so a notification may come
    /// before its call is registered: kept here until it is.
    early: VecDeque<(ProgressToken, Progress)>,
}

impl Relay {
    fn new(tags: Tags) -> Self {
        Self {
            watchers: Mutex::default(),
            tags,
            changed: broadcast::channel(16).0,
        }
    }

    /// Sends what the server says about the request `id`, whose progress token is `token`,
    /// to `to` until the guard drops.
    fn watch(
        &self,
        id: &RequestId,
        token: ProgressToken,
        to: mpsc::UnboundedSender<Heard>,
    ) -> Watching<'_> {
        let mut watchers = lock(&self.watchers);
        let (early, rest) = std::mem::take(&mut watchers.early)
            .into_iter()
            .partition(|(t, _)| *t == token);
        watchers.early = rest;
        for (_, progress) in early {
            let _ = to.send(Heard::Progress(progress));
        }
        let request = self.tags.of(id);
        watchers.by_token.insert(token.clone(), to.clone());
        watchers.by_request.insert(request.clone(), to);
        Watching {
            relay: self,
            token,
            request,
        }
    }

    /// The call that a message's `_meta` (tagged by [`Pooled`]) says it belongs to. rmcp
    /// hands that `_meta` over inside the context's extensions, not as its `meta`.
    fn watcher(&self, extensions: &Extensions) -> Option<mpsc::UnboundedSender<Heard>> {
        let meta = (extensions
            .get::<NotificationMetaObject>()
            .map(|meta| &meta.0))
        .or_else(|| extensions.get::<RequestMetaObject>().map(|meta| &meta.0))?;
        let request = meta.get(CALL)?.as_str()?;
        lock(&self.watchers).by_request.get(request).cloned()
    }

    /// Puts the server's question to the call it came with, and waits for the answer.
    async fn ask<T: DeserializeOwned>(
        &self,
        extensions: &Extensions,
        method: &str,
        params: impl serde::Serialize,
    ) -> Result<T, ErrorData> {
        let unanswerable = || {
            ErrorData::invalid_request(
                format!("`{method}` came with no call whose client could answer it"),
                None,
            )
        };
        let to = self.watcher(extensions).ok_or_else(unanswerable)?;
        let params = serde_json::to_value(params)
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        let answer = put(&to, None, method.to_owned(), params)
            .await
            .ok_or_else(unanswerable)?;
        serde_json::from_value(answer)
            .map_err(|e| ErrorData::internal_error(format!("the answer to `{method}`: {e}"), None))
    }
}

/// The tags [`Pooled`] puts on what the server sends about a request, and under which the
/// request's watcher is filed: its id after a secret of the connection's, so that a server
/// cannot tag a message of its own making as being about another caller's call.
#[derive(Clone)]
struct Tags(Arc<str>);

impl Tags {
    fn new() -> Self {
        let secret: [u8; 16] = crate::sealed::random_bytes();
        let secret: String = secret.iter().map(|byte| format!("{byte:02x}")).collect();
        Self(secret.into())
    }

    fn of(&self, id: &RequestId) -> String {
        format!("{}:{id}", self.0)
    }
}

struct Watching<'a> {
    relay: &'a Relay,
    token: ProgressToken,
    request: String,
}

impl Drop for Watching<'_> {
    fn drop(&mut self) {
        let mut watchers = lock(&self.relay.watchers);
        watchers.by_token.remove(&self.token);
        watchers.by_request.remove(&self.request);
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
        let mut watchers = lock(&self.watchers);
        match watchers.by_token.get(&params.progress_token) {
            Some(to) => {
                let _ = to.send(Heard::Progress(progress));
            }
            None => {
                if watchers.early.len() == EARLY {
                    watchers.early.pop_front();
                }
                watchers.early.push_back((params.progress_token, progress));
            }
        }
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        context: NotificationContext<RoleClient>,
    ) {
        let level = super::convert::log_level(params.level);
        match self.watcher(&context.extensions) {
            Some(to) => {
                let _ = to.send(Heard::Log {
                    level,
                    logger: params.logger,
                    data: params.data,
                });
            }
            // Over stdio, or outside any call: nobody to pass it to.
            None => {
                tracing::info!(?level, logger = ?params.logger, data = %params.data, "the server logged")
            }
        }
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        let _ = self.changed.send(Some(List::Tools));
    }

    async fn on_resource_list_changed(&self, _context: NotificationContext<RoleClient>) {
        let _ = self.changed.send(Some(List::Resources));
    }

    async fn on_prompt_list_changed(&self, _context: NotificationContext<RoleClient>) {
        let _ = self.changed.send(Some(List::Prompts));
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.ask(&context.extensions, "elicitation/create", request)
            .await
    }

    async fn create_message(
        &self,
        params: CreateMessageRequestParams,
        context: RequestContext<RoleClient>,
    ) -> Result<CreateMessageResult, ErrorData> {
        self.ask(&context.extensions, "sampling/createMessage", params)
            .await
    }

    async fn list_roots(
        &self,
        context: RequestContext<RoleClient>,
    ) -> Result<ListRootsResult, ErrorData> {
        self.ask(&context.extensions, "roots/list", JsonObject::new())
            .await
    }

    /// Declares every question a caller may be asked: whether the caller can answer is said
    /// per request ([`Behalf::declares`]), and a question that reaches a caller who cannot
    /// answer is refused.
    fn get_info(&self) -> ClientConfig {
        let capabilities: ClientCapabilities =
            serde_json::from_value(Value::Object(capabilities(&QUESTIONS))).unwrap_or_default();
        let mut info = ClientConfig::default();
        info.capabilities = capabilities;
        info
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
        let tags = Tags::new();
        let transport =
            StreamableHttpClientTransport::with_client(Pooled::new(tags.clone()), config);
        let service = Relay::new(tags)
            .serve_with_lifecycle(transport, lifecycle())
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
        // Nothing tags what a child process sends: its log messages reach no call.
        let service = Relay::new(Tags::new())
            .serve_with_lifecycle(transport, lifecycle())
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

    /// Calls the tool `name`; see [`rounds`](Self::rounds) for `cancel` and `behalf`.
    pub(crate) async fn call_tool(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        cancel: Option<&CancellationToken>,
        behalf: Option<Behalf>,
    ) -> Result<Value, ClientError> {
        let params = params::<CallToolRequestParams>(
            serde_json::json!({"name": name, "arguments": arguments}),
        )?;
        match self.rounds(params, cancel, behalf).await? {
            ServerResult::CallToolResult(result) => json(&result),
            // A server that sends `{}` for a tool with nothing to say.
            ServerResult::EmptyResult(_) => Ok(serde_json::json!({"content": []})),
            _ => Err(not_a_result("tools/call")),
        }
    }

    /// Reads the resource at `uri`; see [`rounds`](Self::rounds) for `cancel` and `behalf`.
    pub(crate) async fn read_resource(
        &self,
        uri: &str,
        cancel: Option<&CancellationToken>,
        behalf: Option<Behalf>,
    ) -> Result<Value, ClientError> {
        let params = params::<ReadResourceRequestParams>(serde_json::json!({"uri": uri}))?;
        match self.rounds(params, cancel, behalf).await? {
            ServerResult::ReadResourceResult(result) => json(&result),
            _ => Err(not_a_result("resources/read")),
        }
    }

    /// Gets the prompt `name`; see [`rounds`](Self::rounds) for `cancel` and `behalf`.
    pub(crate) async fn get_prompt(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        cancel: Option<&CancellationToken>,
        behalf: Option<Behalf>,
    ) -> Result<Value, ClientError> {
        let params = params::<GetPromptRequestParams>(
            serde_json::json!({"name": name, "arguments": arguments}),
        )?;
        match self.rounds(params, cancel, behalf).await? {
            ServerResult::GetPromptResult(result) => json(&result),
            _ => Err(not_a_result("prompts/get")),
        }
    }

    /// Sends `params` until the answer is not an input-required result. Made on behalf of
    /// another call, the request's progress, log messages and questions go to that call
    /// (`behalf`), and `cancel` cancels it on the server too; the questions of an
    /// input-required result are put to that call, and the request sent again with the
    /// answers, round after round.
    async fn rounds(
        &self,
        mut params: impl Retried,
        cancel: Option<&CancellationToken>,
        behalf: Option<Behalf>,
    ) -> Result<ServerResult, ClientError> {
        let meta = self.meta(behalf.as_ref());
        let rounds = async {
            for _ in 0..MAX_ROUNDS {
                let request = params.clone().request();
                let asked = match self.request(request, meta.clone(), behalf.as_ref()).await? {
                    ServerResult::InputRequiredResult(asked) => asked,
                    answer => return Ok(answer),
                };
                let Some(behalf) = &behalf else {
                    return Err(ClientError::Unanswered(
                        ErrorKind::BadRequest,
                        "the server asked a question, and this request has nobody to ask".into(),
                    ));
                };
                let mut answers = InputResponses::new();
                for (key, question) in asked.input_requests.into_iter().flatten() {
                    let question = json(&question)?;
                    let method = question["method"].as_str().unwrap_or_default().to_owned();
                    let params = question["params"].clone();
                    let answer = put(&behalf.heard, Some(key.clone()), method, params).await;
                    answers.insert(key, answer.ok_or(ClientError::Cancelled)?);
                }
                let answers = Some(answers).filter(|answers| !answers.is_empty());
                params.retry(answers, asked.request_state);
            }
            Err(ClientError::Transport(format!(
                "the server still asked questions after {MAX_ROUNDS} rounds"
            )))
        };
        match cancel {
            None => rounds.await,
            Some(cancel) => tokio::select! {
                answer = rounds => answer,
                () = cancel.cancelled() => Err(ClientError::Cancelled),
            },
        }
    }

    /// The `_meta` of a request: what the caller it is made for can hear and answer.
    fn meta(&self, behalf: Option<&Behalf>) -> RequestMetaObject {
        let mut meta = JsonObject::new();
        let declares = behalf.map_or(&[][..], |behalf| &behalf.declares);
        meta.insert(
            "io.modelcontextprotocol/clientCapabilities".to_owned(),
            Value::Object(capabilities(declares)),
        );
        if let Some(behalf) = behalf {
            if behalf.progress && self.pooled {
                meta.insert(WANTS_PROGRESS.to_owned(), Value::Bool(true));
            }
            if let Some(level) = behalf.log_level {
                meta.insert(
                    "io.modelcontextprotocol/logLevel".to_owned(),
                    Value::String(level.as_str().to_owned()),
                );
            }
        }
        RequestMetaObject(MetaObject(meta))
    }

    /// Sends `request` and waits for its answer, passing what the server says about it on to
    /// `behalf`; the request is cancelled on the server if the wait is given up.
    async fn request(
        &self,
        request: ClientRequest,
        meta: RequestMetaObject,
        behalf: Option<&Behalf>,
    ) -> Result<ServerResult, ClientError> {
        let peer = self.service.peer();
        let mut options = PeerRequestOptions::no_options();
        options.meta = Some(meta);
        let handle = peer
            .send_request_with_option(request, options)
            .await
            .map_err(failed)?;
        let _watching = behalf.filter(|behalf| behalf.listens()).map(|behalf| {
            let token = handle.progress_token.clone();
            (self.service.service()).watch(&handle.id, token, behalf.heard.clone())
        });
        let mut abandoned = Abandoned {
            peer: peer.clone(),
            id: Some(handle.id.clone()),
        };
        let answer = handle.await_response().await;
        abandoned.id = None;
        answer.map_err(failed)
    }

    /// The server's announcements that one of its lists changed, from now on, for the lists
    /// whose changes it says it announces. A 2025-11-25 session hears them on its own; a
    /// 2026-07-28 server is asked for them with a `subscriptions/listen` request, which lasts
    /// as long as the connection.
    pub(crate) async fn list_changes(
        &self,
    ) -> Result<broadcast::Receiver<Option<List>>, ClientError> {
        let relay = self.service.service();
        let heard = relay.changed.subscribe();
        let peer = self.service.peer();
        let Some(info) = peer.peer_info() else {
            return Ok(heard);
        };
        if info.protocol_version < rmcp::model::ProtocolVersion::V_2026_07_28 {
            return Ok(heard);
        }
        let announces = |capability: Option<bool>| capability == Some(true);
        let capabilities = &info.capabilities;
        let mut filter = rmcp::model::SubscriptionFilter::new();
        filter.tools_list_changed = capabilities
            .tools
            .as_ref()
            .is_some_and(|tools| announces(tools.list_changed))
            .then_some(true);
        filter.resources_list_changed = capabilities
            .resources
            .as_ref()
            .is_some_and(|resources| announces(resources.list_changed))
            .then_some(true);
        filter.prompts_list_changed = capabilities
            .prompts
            .as_ref()
            .is_some_and(|prompts| announces(prompts.list_changed))
            .then_some(true);
        if filter == rmcp::model::SubscriptionFilter::new() {
            return Ok(heard);
        }
        let mut subscription = peer.listen(filter).await.map_err(failed)?;
        let changed = relay.changed.clone();
        tokio::spawn(async move {
            while let Ok(Some(notification)) = subscription.next().await {
                let list = match notification {
                    ServerNotification::ToolListChangedNotification(_) => List::Tools,
                    ServerNotification::ResourceListChangedNotification(_) => List::Resources,
                    ServerNotification::PromptListChangedNotification(_) => List::Prompts,
                    _ => continue,
                };
                if changed.send(Some(list)).is_err() {
                    // Nobody listens any more.
                    return;
                }
            }
            let _ = changed.send(None);
        });
        Ok(heard)
    }

    /// Ends the session (and, for a child process, closes its stdin).
    pub(crate) async fn close(self) {
        let _ = self.service.cancel().await;
    }
}

/// The 2026-07-28 revision, where each request says who is asking and what they can answer;
/// a server that does not speak it gets the handshake of the revisions before.
fn lifecycle() -> ClientLifecycleMode {
    ClientLifecycleMode::Auto {
        preferred_versions: vec![rmcp::model::ProtocolVersion::V_2026_07_28],
        legacy_version: None,
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

/// A request an input-required result asks to have sent again, with the answers.
trait Retried: Clone {
    fn request(self) -> ClientRequest;
    fn retry(&mut self, answers: Option<InputResponses>, state: Option<String>);
}

macro_rules! retried {
    ($($params:ty => $request:ident),* $(,)?) => {$(
        impl Retried for $params {
            fn request(self) -> ClientRequest {
                ClientRequest::$request(rmcp::model::$request::new(self))
            }

            fn retry(&mut self, answers: Option<InputResponses>, state: Option<String>) {
                self.input_responses = answers;
                self.request_state = state;
            }
        }
    )*};
}

retried! {
    CallToolRequestParams => CallToolRequest,
    ReadResourceRequestParams => ReadResourceRequest,
    GetPromptRequestParams => GetPromptRequest,
}

fn not_a_result(method: &str) -> ClientError {
    ClientError::Transport(format!("an answer to {method} that is not its result"))
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
struct Pooled {
    client: reqwest_rmcp::Client,
    tags: Tags,
}

impl Pooled {
    fn new(tags: Tags) -> Self {
        let client = reqwest_rmcp::Client::builder()
            // A redirect would carry the session and the credential elsewhere: refuse it.
            .redirect(reqwest_rmcp::redirect::Policy::none())
            .build()
            .expect("a client with no TLS settings of its own builds");
        Self { client, tags }
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

/// The `_meta` key under which [`Pooled`] tags what the server sends on a request's stream
/// with the request's tag ([`Tags`]): a log message or a question carries nothing else that
/// ties it to the call it is about. A tag the server wrote itself is replaced.
const CALL: &str = "mcp-kit/call";

/// The server's messages that concern one call, to tag.
const ABOUT_A_CALL: [&str; 4] = [
    "notifications/message",
    "elicitation/create",
    "sampling/createMessage",
    "roots/list",
];

/// `posted`, with each log message and question on its stream tagged with `tag`.
fn tagged(posted: Posted, tag_with: Option<String>) -> Posted {
    match (posted, tag_with) {
        (Ok(StreamableHttpPostResponse::Sse(stream, session)), Some(with)) => {
            let stream = stream.map(move |event| event.map(|event| tag(event, &with)));
            Ok(StreamableHttpPostResponse::Sse(stream.boxed(), session))
        }
        (posted, _) => posted,
    }
}

fn tag(mut event: sse_stream::Sse, with: &str) -> sse_stream::Sse {
    let Some(data) = &event.data else {
        return event;
    };
    if !ABOUT_A_CALL.iter().any(|method| data.contains(method)) {
        return event;
    }
    let Ok(mut message) = serde_json::from_str::<Value>(data) else {
        return event;
    };
    let about_a_call = message["method"]
        .as_str()
        .is_some_and(|method| ABOUT_A_CALL.contains(&method));
    if let (true, Some(params)) = (about_a_call, message["params"].as_object_mut()) {
        let meta = params
            .entry("_meta")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert(CALL.to_owned(), Value::String(with.to_owned()));
            event.data = Some(message.to_string());
        }
    }
    event
}

/// The message without the progress token it need not carry, and the tag its stream's
/// messages are given.
fn outgoing(message: ClientJsonRpcMessage, tags: &Tags) -> (ClientJsonRpcMessage, Option<String>) {
    let request = match &message {
        JsonRpcMessage::Request(request) => Some(tags.of(&request.id)),
        _ => None,
    };
    (without_progress(message), request)
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
        let (message, request) = outgoing(message, &self.tags);
        let posted = (self.client)
            .post_message(uri, message, session_id, auth_header, custom_headers)
            .await;
        tagged(posted, request)
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
        let (message, request) = outgoing(message, &self.tags);
        let posted = (self.client)
            .post_message_with_max_sse_event_size(
                uri,
                message,
                session_id,
                auth_header,
                custom_headers,
                max_sse_event_size,
            )
            .await;
        tagged(posted, request)
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
        let (message, request) = outgoing(message, &self.tags);
        let posted = (self.client)
            .post_message_with_response_limits(
                uri,
                message,
                session_id,
                auth_header,
                custom_headers,
                limits,
            )
            .await;
        tagged(posted, request)
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<(), StreamableHttpError<reqwest_rmcp::Error>> {
        (self.client)
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
        (self.client)
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
        (self.client)
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

#[cfg(test)]
mod tests {
    use rmcp::model::NumberOrString;

    use super::*;

    fn tagged_as(tag: &str) -> Extensions {
        let mut extensions = Extensions::new();
        let meta = JsonObject::from_iter([(CALL.to_owned(), Value::from(tag))]);
        extensions.insert(NotificationMetaObject::from(meta));
        extensions
    }

    #[test]
    fn only_this_connections_own_tag_reaches_a_call() {
        let relay = Relay::new(Tags::new());
        let (to, _hearing) = mpsc::unbounded_channel();
        let id = RequestId::Number(5);
        let token = ProgressToken(NumberOrString::Number(1));
        let _watching = relay.watch(&id, token, to);
        assert!(relay.watcher(&tagged_as(&relay.tags.of(&id))).is_some());
        // What a server could write itself: the id alone, or another connection's tag.
        assert!(relay.watcher(&tagged_as("5")).is_none());
        assert!(relay.watcher(&tagged_as(&Tags::new().of(&id))).is_none());
    }

    #[test]
    fn log_lines_and_questions_are_tagged_and_answers_left_alone() {
        let event = |data: &str| sse_stream::Sse {
            data: Some(data.to_owned()),
            ..Default::default()
        };
        let forged = r#"{"jsonrpc":"2.0","method":"notifications/message",
            "params":{"level":"info","data":"x","_meta":{"mcp-kit/call":"forged"}}}"#;
        let log = tag(event(forged), "secret:1").data.unwrap();
        let log: Value = serde_json::from_str(&log).unwrap();
        assert_eq!(log["params"]["_meta"][CALL], "secret:1");
        let question = r#"{"jsonrpc":"2.0","id":9,"method":"elicitation/create","params":{}}"#;
        let question: Value =
            serde_json::from_str(&tag(event(question), "s:2").data.unwrap()).unwrap();
        assert_eq!(question["params"]["_meta"][CALL], "s:2");
        let answer = r#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"notifications/message"}]}}"#;
        assert_eq!(tag(event(answer), "s:1").data.as_deref(), Some(answer));
    }
}
