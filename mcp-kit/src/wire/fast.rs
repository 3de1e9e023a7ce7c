//! Stateless requests answered straight from the HTTP handler.
//!
//! rmcp serves each stateless request by building a service for it: a task, channels, a
//! cancellation token, and a parse that tries every message kind in turn. A plain request needs
//! none of that. Here its envelope is parsed once, borrowing from the body; it is dispatched
//! through the same [`Shared`] methods the rmcp handler calls; and it is serialized once from
//! rmcp's own model types, so the client gets the bytes rmcp would send.
//!
//! Whatever is not plain returns `None` and goes to rmcp, whose answer is the reference: a
//! malformed or deeply nested message, a header or `_meta` rmcp would refuse, a progress token
//! (the answer is a stream), a client that does not accept JSON, a method not in [`Request`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use rmcp::model::{
    CallToolRequestParams, CompleteRequestParams, DiscoverResult, ErrorCode,
    GetPromptRequestParams, InitializeRequestParams, JsonRpcError, JsonRpcResponse,
    JsonRpcVersion2_0, PaginatedRequestParams, ProtocolVersion, ReadResourceRequestParams,
    RequestId, RequestMetaObject, ServerJsonRpcMessage, ServerResult,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::convert;
use super::handler::Shared;
use super::stateless::{self, Answer, Last, json};
use super::traced;
use crate::auth::Principal;
use crate::context::{ClientAddr, Context};
use crate::dispatch::Dispatcher;
use crate::jsonrpc::Method;
use crate::lock::lock;
use crate::registry::{Derived, Made, Registry};
use crate::telemetry::{self, Operation, Outcome, Target, Transport};

/// Serves plain stateless requests without rmcp's per-request service.
pub(crate) struct FastPath {
    shared: Arc<Shared>,
    /// Fires when the server shuts down; ends the event streams of calls still running.
    shutdown: CancellationToken,
    tools: Derived<Tools>,
    /// Requests answered here, for tests that must know the fast path answered at all.
    answered: Arc<std::sync::atomic::AtomicU64>,
}

/// What this path keeps of one snapshot of the registry's tools.
struct Tools {
    /// Serialized first pages of `tools/list`, per era and set of visible gated tools.
    pages: Mutex<HashMap<(Era, Vec<u64>), Bytes>>,
    /// The tools not everyone sees (a permission or an `enabled` gate), by index.
    gated: Vec<usize>,
    /// Tools whose input schema names SEP-2243 parameter headers, which rmcp checks.
    with_headers: Vec<String>,
}

impl Tools {
    fn of(registry: &Registry, dispatcher: &Dispatcher) -> Self {
        let tools = registry.tools();
        let with_headers = tools
            .iter()
            .filter(|tool| {
                serde_json::to_string(&*tool.input_schema)
                    .is_ok_and(|schema| schema.contains("x-mcp-header"))
            })
            .map(|tool| tool.name.to_string())
            .collect();
        let gated = (0..tools.len())
            .filter(|&i| !dispatcher.tool_is_open(&tools[i]))
            .collect();
        Self {
            pages: Mutex::new(HashMap::new()),
            gated,
            with_headers,
        }
    }
}

/// Distinct sets of visible tools worth remembering; principals rarely differ in more.
const MAX_CACHED_PAGES: usize = 64;

/// The two protocol eras, which differ in result shape and in HTTP status for errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Era {
    /// Before 2026-07-28: `initialize` handshake; errors are HTTP 200.
    Handshake,
    /// 2026-07-28: every request carries its version and capabilities in `_meta`.
    PerRequest,
}

/// The requests this path answers, with their params parsed into rmcp's types.
enum Request {
    Initialize(InitializeRequestParams),
    Ping,
    Discover,
    ListTools(Option<PaginatedRequestParams>),
    ListResources(Option<PaginatedRequestParams>),
    ListResourceTemplates(Option<PaginatedRequestParams>),
    ListPrompts(Option<PaginatedRequestParams>),
    ReadResource(ReadResourceRequestParams),
    GetPrompt(GetPromptRequestParams),
    Complete(CompleteRequestParams),
    CallTool(CallToolRequestParams),
}

/// A JSON-RPC request, borrowing from the body. Anything else in the object sends the
/// message to rmcp, which decides what it means.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    jsonrpc: &'a str,
    id: RequestId,
    method: &'a str,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
}

/// Params of a request that has no others.
#[derive(Deserialize)]
struct MetaOnly {
    #[serde(rename = "_meta", default)]
    meta: Option<RequestMetaObject>,
}

impl FastPath {
    pub(super) fn new(
        shared: Arc<Shared>,
        shutdown: CancellationToken,
        answered: Arc<std::sync::atomic::AtomicU64>,
    ) -> Self {
        let dispatcher = &shared.dispatcher;
        let tools = Derived::new(dispatcher.registry(), |r| Tools::of(r, dispatcher));
        Self {
            shared,
            shutdown,
            tools,
            answered,
        }
    }

    /// The answer to a POSTed JSON body, or `None` when rmcp should answer it.
    pub(crate) async fn serve(&self, parts: &Parts, body: &Bytes) -> Option<Response> {
        let answer = self.answer(parts, body).await;
        if answer.is_some() {
            self.answered
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        answer
    }

    async fn answer(&self, parts: &Parts, body: &Bytes) -> Option<Response> {
        if !accepts_json_and_sse(&parts.headers)? {
            return None;
        }
        // The params are parsed apart from the envelope, so serde_json's depth limit would
        // not see the whole message as rmcp's parse does.
        if body.len() > crate::jsonrpc::MAX_DEPTH
            && crate::jsonrpc::exceeds_depth(body, crate::jsonrpc::MAX_DEPTH)
        {
            return None;
        }
        // serde reads a struct from an array too; rmcp reads only objects.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return None;
        }
        let envelope: Envelope<'_> = serde_json::from_slice(body).ok()?;
        if envelope.jsonrpc != "2.0" {
            return None;
        }
        let (request, meta) = Request::parse(envelope.method, envelope.params)?;
        let era = self.era(&parts.headers, envelope.method, &request, meta.as_ref())?;
        let principal = parts.extensions.get::<Principal>();
        let client = parts.extensions.get::<ClientAddr>().copied();
        let declared = meta.as_ref().and_then(super::input_required::declared);
        let operation = Operation::start(&telemetry::Request {
            method: envelope.method,
            target: request.target(),
            id: Some(&envelope.id),
            meta: meta.as_ref().map(|meta| &meta.0.0),
            transport: Transport::Tcp,
            session: None,
            protocol_version: single_header(&parts.headers, "mcp-protocol-version").flatten(),
            client,
        });
        let id = envelope.id;
        let shared = &self.shared;
        let caller = (principal, client);
        let result = match request {
            Request::Initialize(params) => {
                let mut info = shared.info.clone();
                info.protocol_version = params.protocol_version;
                Ok(ServerResult::InitializeResult(info))
            }
            Request::Ping => Ok(ServerResult::empty(())),
            Request::Discover => Ok(ServerResult::DiscoverResult(
                DiscoverResult::from_server_info(
                    ProtocolVersion::KNOWN_VERSIONS.to_vec(),
                    shared.info.clone(),
                ),
            )),
            Request::ListTools(params) => match params.filter(|p| p.cursor.is_some()) {
                None => {
                    operation.finish(Outcome::Ok);
                    return Some(self.first_tool_page(era, id, principal));
                }
                Some(params) => shared
                    .list_tools(principal, Some(&params), era == Era::PerRequest)
                    .map(ServerResult::ListToolsResult),
            },
            Request::ListResources(params) => shared
                .list_resources(principal, params.as_ref(), era == Era::PerRequest)
                .map(ServerResult::ListResourcesResult),
            Request::ListResourceTemplates(params) => shared
                .list_resource_templates(principal, params.as_ref(), era == Era::PerRequest)
                .map(ServerResult::ListResourceTemplatesResult),
            Request::ListPrompts(params) => shared
                .list_prompts(principal, params.as_ref(), era == Era::PerRequest)
                .map(ServerResult::ListPromptsResult),
            Request::Complete(params) => shared
                .complete(params, principal)
                .instrument(operation.span().clone())
                .await
                .map(ServerResult::CompleteResult),
            Request::ReadResource(params) => {
                let read = async move |shared: Arc<Shared>, context| {
                    Ok(shared
                        .read_resource(params, context, declared)
                        .await?
                        .into())
                };
                return Some(self.with_client(era, id, caller, operation, read).await);
            }
            Request::GetPrompt(params) => {
                let get = async move |shared: Arc<Shared>, context| {
                    Ok(shared.get_prompt(params, context, declared).await?.into())
                };
                return Some(self.with_client(era, id, caller, operation, get).await);
            }
            Request::CallTool(params) => {
                let call = async move |shared: Arc<Shared>, context| {
                    Ok(shared.call_tool(params, context, declared).await?.into())
                };
                return Some(self.with_client(era, id, caller, operation, call).await);
            }
        };
        operation.finish(traced::outcome(&result, traced::is_tool_error));
        Some(finish(era, id, result).into_response())
    }

    /// Runs a call that gets a `Context`, so may talk to its client, and answers it.
    async fn with_client<F>(
        &self,
        era: Era,
        id: RequestId,
        (principal, client): (Option<&Principal>, Option<ClientAddr>),
        operation: Operation,
        call: impl FnOnce(Arc<Shared>, Context) -> F,
    ) -> Response
    where
        F: Future<Output = Answer> + Send + 'static,
    {
        let shared = self.shared.clone();
        let span = operation.span().clone();
        let call = move |context| call(shared, context).instrument(span);
        stateless::run(principal, client, &self.shutdown, call, move |answer| {
            operation.finish(traced::outcome(&answer, traced::is_tool_error));
            finish(era, id, answer)
        })
        .await
    }

    /// The era of a request that rmcp would accept and serve statelessly, or `None` when
    /// rmcp should answer it (its checks, in its order, are in `streamable_http_server`).
    fn era(
        &self,
        headers: &HeaderMap,
        method: &str,
        request: &Request,
        meta: Option<&RequestMetaObject>,
    ) -> Option<Era> {
        if meta.is_some_and(|meta| meta.get_progress_token().is_some()) {
            return None;
        }
        let header = single_header(headers, "mcp-protocol-version")?;
        let standard_headers =
            header.is_some_and(|v| v >= ProtocolVersion::STANDARD_HEADERS.as_str());
        let meta_version = meta.and_then(RequestMetaObject::protocol_version);
        if let Request::Initialize(params) = request {
            let version = &params.protocol_version;
            let plain = meta_version.is_none()
                && version.has_initialize()
                && ProtocolVersion::KNOWN_VERSIONS.contains(version)
                && header.is_none_or(|h| h == version.as_str())
                && !standard_headers;
            return plain.then_some(Era::Handshake);
        }
        let Some(version) = meta_version else {
            let known = header.is_none_or(|h| {
                ProtocolVersion::KNOWN_VERSIONS
                    .iter()
                    .any(|v| v.as_str() == h)
            });
            let plain = known && !standard_headers && !matches!(request, Request::Discover);
            return plain.then_some(Era::Handshake);
        };
        let plain = version == ProtocolVersion::V_2026_07_28
            && header == Some(version.as_str())
            && meta.is_some_and(|m| m.missing_required_keys(&version).is_empty())
            && !matches!(request, Request::Ping)
            && self.standard_headers_match(headers, method, request);
        plain.then_some(Era::PerRequest)
    }

    /// Whether SEP-2243's `Mcp-Method` and `Mcp-Name` headers agree with the body, in the
    /// plain form (one of each, not Base64-wrapped).
    fn standard_headers_match(&self, headers: &HeaderMap, method: &str, request: &Request) -> bool {
        let name = match request {
            Request::CallTool(params) => {
                let tools = self.tools_now(&self.shared.dispatcher.snapshot());
                if tools.value.with_headers.iter().any(|t| *t == params.name) {
                    return false;
                }
                Some(params.name.as_ref())
            }
            Request::GetPrompt(params) => Some(params.name.as_str()),
            Request::ReadResource(params) => Some(params.uri.as_str()),
            _ => None,
        };
        let method_matches = single_header(headers, "mcp-method") == Some(Some(method));
        let name_matches = name.is_none_or(|name| {
            !name.starts_with("=?base64?") && single_header(headers, "mcp-name") == Some(Some(name))
        });
        method_matches && name_matches
    }

    fn tools_now(&self, registry: &Arc<Registry>) -> Arc<Made<Tools>> {
        let dispatcher = &self.shared.dispatcher;
        self.tools.get(registry, |r| Tools::of(r, dispatcher))
    }

    /// The first page of `tools/list`, serialized once per era and set of visible gated tools.
    fn first_tool_page(&self, era: Era, id: RequestId, principal: Option<&Principal>) -> Response {
        let dispatcher = &self.shared.dispatcher;
        let registry = dispatcher.snapshot();
        let made = self.tools_now(&registry);
        let tools = &made.value;
        let mut seen = vec![0u64; tools.gated.len().div_ceil(64)];
        for (bit, &i) in tools.gated.iter().enumerate() {
            if dispatcher.tool_is_visible(&registry.tools()[i], principal) {
                seen[bit / 64] |= 1 << (bit % 64);
            }
        }
        let key = (era, seen);
        let cached = lock(&tools.pages).get(&key).cloned();
        let result = match cached {
            Some(result) => result,
            None => {
                // The page is made from the key itself, so it is the page for every caller
                // with that key, whatever a gate says a moment later.
                let visible = |i: usize| match tools.gated.binary_search(&i) {
                    Ok(bit) => key.1[bit / 64] & (1 << (bit % 64)) != 0,
                    Err(_) => true,
                };
                let page = (self.shared).list_tools_where(
                    &registry,
                    visible,
                    None,
                    era == Era::PerRequest,
                );
                let Ok(page) = page else {
                    return finish(era, id, page.map(ServerResult::ListToolsResult))
                        .into_response();
                };
                let mut result = ServerResult::ListToolsResult(page);
                shape(era, &mut result);
                let result = Bytes::from(serde_json::to_vec(&result).expect("a result serializes"));
                let mut pages = lock(&tools.pages);
                if pages.len() < MAX_CACHED_PAGES {
                    pages.insert(key, result.clone());
                }
                result
            }
        };
        let id = serde_json::to_string(&id).expect("an id serializes");
        let mut body = Vec::with_capacity(result.len() + id.len() + 32);
        body.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
        body.extend_from_slice(id.as_bytes());
        body.extend_from_slice(br#","result":"#);
        body.extend_from_slice(&result);
        body.push(b'}');
        json(StatusCode::OK, body)
    }
}

impl Request {
    /// The item the request names, for its span.
    fn target(&self) -> Target<'_> {
        match self {
            Self::CallTool(params) => Target::Tool(&params.name),
            Self::GetPrompt(params) => Target::Prompt(&params.name),
            Self::ReadResource(params) => Target::Resource(&params.uri),
            _ => Target::None,
        }
    }

    /// The call named `method` and the `_meta` of its params, or `None` when the method is
    /// not served here or its params are not what rmcp would parse.
    fn parse(method: &str, params: Option<&RawValue>) -> Option<(Self, Option<RequestMetaObject>)> {
        // Objects only: serde would read a struct from an array, which rmcp refuses.
        fn required<T: for<'de> Deserialize<'de>>(params: Option<&RawValue>) -> Option<T> {
            let params = params?.get();
            params
                .starts_with('{')
                .then(|| serde_json::from_str(params).ok())?
        }
        fn optional<T: for<'de> Deserialize<'de>>(params: Option<&RawValue>) -> Option<Option<T>> {
            match params {
                None => Some(None),
                Some(_) => required(params).map(Some),
            }
        }
        macro_rules! with_meta {
            ($variant:ident, $params:expr) => {{
                let mut params = $params;
                let meta = params.meta.take();
                (Request::$variant(params), meta)
            }};
        }
        macro_rules! paginated {
            ($variant:ident) => {{
                let mut params: Option<PaginatedRequestParams> = optional(params)?;
                let meta = params.as_mut().and_then(|p| p.meta.take());
                (Request::$variant(params), meta)
            }};
        }
        Some(match Method::from_name(method)? {
            Method::Initialize => {
                with_meta!(Initialize, required::<InitializeRequestParams>(params)?)
            }
            Method::Ping => (
                Request::Ping,
                optional::<MetaOnly>(params)?.and_then(|p| p.meta),
            ),
            Method::Discover => (Request::Discover, required::<MetaOnly>(params)?.meta),
            Method::ListTools => paginated!(ListTools),
            Method::ListResources => paginated!(ListResources),
            Method::ListResourceTemplates => paginated!(ListResourceTemplates),
            Method::ListPrompts => paginated!(ListPrompts),
            Method::ReadResource => {
                with_meta!(ReadResource, required::<ReadResourceRequestParams>(params)?)
            }
            Method::GetPrompt => {
                with_meta!(GetPrompt, required::<GetPromptRequestParams>(params)?)
            }
            Method::Complete => with_meta!(Complete, required::<CompleteRequestParams>(params)?),
            Method::CallTool => with_meta!(CallTool, required::<CallToolRequestParams>(params)?),
            // Session state, streams and tasks: rmcp's.
            Method::Subscribe
            | Method::Unsubscribe
            | Method::SetLogLevel
            | Method::Listen
            | Method::GetTask
            | Method::UpdateTask
            | Method::CancelTask => return None,
        })
    }
}

/// The answer in the era's shape, and its HTTP status.
fn finish(era: Era, id: RequestId, result: Answer) -> Last {
    match result {
        Ok(mut result) => {
            let structured = convert::take_structured(&mut result)
                // Older peers take only an object.
                .filter(|text| era == Era::PerRequest || text.starts_with('{'));
            shape(era, &mut result);
            let response = JsonRpcResponse {
                jsonrpc: JsonRpcVersion2_0,
                id,
                result,
            };
            Last {
                status: StatusCode::OK,
                message: ServerJsonRpcMessage::Response(response),
                structured,
            }
        }
        Err(mut error) => {
            let status = match era {
                Era::Handshake => StatusCode::OK,
                Era::PerRequest => {
                    if error.code == ErrorCode::RESOURCE_NOT_FOUND {
                        error.code = ErrorCode::INVALID_PARAMS;
                    }
                    match error.code {
                        ErrorCode::UNSUPPORTED_PROTOCOL_VERSION
                        | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
                        | ErrorCode::HEADER_MISMATCH => StatusCode::BAD_REQUEST,
                        ErrorCode::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
                        _ => StatusCode::OK,
                    }
                }
            };
            let error = JsonRpcError::new(Some(id), error);
            Last {
                status,
                message: ServerJsonRpcMessage::Error(error),
                structured: None,
            }
        }
    }
}

/// 2026-07-28 results carry cache hints; older peers get the legacy shape.
fn shape(era: Era, result: &mut ServerResult) {
    match era {
        Era::Handshake => {
            result.strip_result_type_for_legacy_peer();
            result.strip_non_object_output_for_legacy_peer();
        }
        Era::PerRequest => result.fill_missing_cache_hints(),
    }
}

/// Whether `Accept` names both JSON and SSE. `None` when it has weights or quotes, which
/// rmcp's own parser then reads.
fn accepts_json_and_sse(headers: &HeaderMap) -> Option<bool> {
    let (mut json, mut sse) = (false, false);
    for value in headers.get_all(header::ACCEPT) {
        let value = value.to_str().ok()?;
        if value.contains(['"', '=']) {
            return None;
        }
        for range in value.split(',') {
            let essence = range.split(';').next().unwrap_or_default().trim();
            json |= essence.eq_ignore_ascii_case("application/json");
            sse |= essence.eq_ignore_ascii_case("text/event-stream");
        }
    }
    Some(json && sse)
}

/// The one value of header `name`: `Some(None)` when absent, `None` when repeated or not text.
fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Option<Option<&'a str>> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Some(None),
        (Some(value), None) => value.to_str().ok().map(Some),
        _ => None,
    }
}
