//! The developer console at `/_dev` (`serve --dev`, loopback only): every item the server has,
//! as a chosen caller sees it, with a form per tool to call it. The page and its script are
//! embedded in the binary; the page may load nothing else.

mod ask;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::HostPolicy;
use crate::auth::Principal;
use crate::context::Context;
use crate::dispatch::Dispatcher;
use crate::server::Server;
use ask::{Answer, ConsoleChannel, Questions};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio_util::sync::CancellationToken;

/// The path the console is served at.
pub(crate) const CONSOLE_PATH: &str = "/_dev";

const PAGE: &str = include_str!("console.html");
const SCRIPT: &str = include_str!("console.js");
const STYLE: &str = include_str!("console.css");

/// Only the console's own script, style and calls; images and audio from results inline.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; media-src 'self' data:; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

struct Console {
    hosts: HostPolicy,
    dispatcher: Arc<Dispatcher>,
    /// The callers a developer can act as: the static tokens' principals, by subject.
    principals: Vec<Principal>,
    questions: Arc<Questions>,
}

impl Console {
    /// The principal named `subject`; anonymous for none or the empty string.
    fn principal(&self, subject: Option<&str>) -> Result<Option<&Principal>, Refusal> {
        match subject.filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(subject) => self
                .principals
                .iter()
                .find(|p| p.subject == subject)
                .map(Some)
                .ok_or_else(|| {
                    Refusal(
                        StatusCode::BAD_REQUEST,
                        format!("no configured caller is `{subject}`"),
                    )
                }),
        }
    }
}

/// Why the console refuses a request.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

pub(crate) fn routes(server: &Server, hosts: HostPolicy, shutdown: CancellationToken) -> Router {
    let principals = server
        .settings()
        .auth
        .static_tokens
        .iter()
        .map(|token| {
            Principal::new(token.subject.clone())
                .with_scopes(token.scopes.iter().cloned())
                .with_permissions(token.permissions.iter().cloned())
        })
        .collect();
    let console = Arc::new(Console {
        hosts,
        dispatcher: server.dispatcher.clone(),
        principals,
        questions: Arc::new(Questions::new()),
    });
    tracing::warn!(
        "the developer console is on at {CONSOLE_PATH}: anyone who reaches this loopback port can call tools as any configured caller"
    );
    Router::new()
        .route(
            CONSOLE_PATH,
            get(|| async { asset("text/html; charset=utf-8", PAGE) }),
        )
        .route(
            &format!("{CONSOLE_PATH}/console.js"),
            get(|| async { asset("text/javascript", SCRIPT) }),
        )
        .route(
            &format!("{CONSOLE_PATH}/console.css"),
            get(|| async { asset("text/css", STYLE) }),
        )
        .route(&format!("{CONSOLE_PATH}/api/callers"), get(callers))
        .route(&format!("{CONSOLE_PATH}/api/items"), post(items))
        .route(&format!("{CONSOLE_PATH}/api/call"), post(call))
        .route(&format!("{CONSOLE_PATH}/api/read"), post(read))
        .route(&format!("{CONSOLE_PATH}/api/answer"), post(answer))
        .route(&format!("{CONSOLE_PATH}/api/prompt"), post(prompt))
        .route(
            &format!("{CONSOLE_PATH}/api/log"),
            get(move |State(console): State<Arc<Console>>| log(console, shutdown.clone())),
        )
        .layer(axum::middleware::from_fn_with_state(
            console.clone(),
            checked,
        ))
        .with_state(console)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// Host and Origin as for `/mcp`: a page elsewhere cannot reach the console through DNS
/// rebinding, or post to it from another origin.
async fn checked(
    State(console): State<Arc<Console>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Err(message) = console.hosts.check(request.headers()) {
        return (StatusCode::FORBIDDEN, message).into_response();
    }
    next.run(request).await
}

async fn callers(State(console): State<Arc<Console>>) -> Response {
    let subjects: Vec<&str> = console
        .principals
        .iter()
        .map(|p| p.subject.as_str())
        .collect();
    axum::Json(json!({ "callers": subjects })).into_response()
}

/// Every item the caller may see, as `*/list` gives it.
async fn items(
    State(console): State<Arc<Console>>,
    AsCaller { principal, .. }: AsCaller<Map<String, Value>>,
) -> Response {
    let principal = principal.as_ref();
    let dispatcher = &console.dispatcher;
    let registry = dispatcher.registry();
    // Each item as listed, plus who may use it, in words.
    let described = |mut item: Value, access: &crate::access::Access| {
        item["x-mcp-kit-permission"] = dispatcher.describe_access(access).into();
        item
    };
    let tools: Vec<Value> = dispatcher
        .visible_tools(&registry, principal)
        .map(|tool| described(tool.to_json(), &tool.access))
        .collect();
    let (templates, resources): (Vec<_>, Vec<_>) = dispatcher
        .visible_resources(&registry, principal)
        .partition(|resource| resource.is_template());
    let json_of = |items: Vec<&crate::resource::Resource>| {
        items
            .into_iter()
            .map(|r| described(r.to_json(), &r.access))
            .collect::<Vec<_>>()
    };
    let prompts: Vec<Value> = dispatcher
        .visible_prompts(&registry, principal)
        .map(|p| described(p.to_json(), &p.access))
        .collect();
    axum::Json(json!({
        "tools": tools,
        "resources": json_of(resources),
        "templates": json_of(templates),
        "prompts": prompts,
    }))
    .into_response()
}

/// A JSON body. Only `application/json` is read: a form on another origin cannot send it
/// without a preflight the Origin check refuses.
struct JsonBody<T>(T);

impl<T: serde::de::DeserializeOwned> FromRequest<Arc<Console>> for JsonBody<T> {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &Arc<Console>) -> Result<Self, Refusal> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(Refusal(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send application/json".into(),
            ));
        }
        let body = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|error| Refusal(StatusCode::BAD_REQUEST, error.to_string()))?;
        serde_json::from_slice(&body).map(Self).map_err(|error| {
            Refusal(
                StatusCode::BAD_REQUEST,
                format!("not a request the console sends: {error}"),
            )
        })
    }
}

/// A JSON request made as one of the configured callers (`"as": subject`), or anonymously.
struct AsCaller<T> {
    principal: Option<Principal>,
    request: T,
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(rename = "as")]
    subject: Option<String>,
    #[serde(flatten)]
    request: T,
}

impl<T: serde::de::DeserializeOwned> FromRequest<Arc<Console>> for AsCaller<T> {
    type Rejection = Refusal;

    async fn from_request(request: Request, console: &Arc<Console>) -> Result<Self, Refusal> {
        let JsonBody(Envelope { subject, request }) =
            JsonBody::from_request(request, console).await?;
        let principal = console.principal(subject.as_deref())?.cloned();
        Ok(Self { principal, request })
    }
}

#[derive(Deserialize)]
struct CallRequest {
    name: String,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
}

/// Calls a tool as the chosen caller, through the whole pipeline (permission, rate limit,
/// arguments).
async fn call(
    State(console): State<Arc<Console>>,
    AsCaller { principal, request }: AsCaller<CallRequest>,
) -> Response {
    let started = std::time::Instant::now();
    let outcome = console
        .dispatcher
        .call_tool(
            &request.name,
            request.arguments,
            asking(&console, principal),
        )
        .await;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    match outcome {
        Ok(output) => {
            axum::Json(json!({ "result": output.to_json(), "millis": millis })).into_response()
        }
        Err(error) => {
            axum::Json(json!({ "error": error.to_string(), "millis": millis })).into_response()
        }
    }
}

/// A call's context whose client is the console: a tool's questions go to its pages.
fn asking(console: &Console, principal: Option<Principal>) -> Context {
    let channel = Arc::new(ConsoleChannel(console.questions.clone()));
    Context::new(
        principal,
        None,
        None,
        Some(channel),
        CancellationToken::new(),
    )
}

#[derive(Deserialize)]
struct AnswerRequest {
    id: u64,
    #[serde(flatten)]
    answer: Answer,
}

/// The user's answer to a question a tool asked.
async fn answer(
    State(console): State<Arc<Console>>,
    JsonBody(request): JsonBody<AnswerRequest>,
) -> Response {
    if console.questions.answer(request.id, request.answer) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Refusal(
            StatusCode::GONE,
            format!("question {} is no longer asked", request.id),
        )
        .into_response()
    }
}

#[derive(Deserialize)]
struct ReadRequest {
    uri: String,
}

/// Reads a resource as the chosen caller.
async fn read(
    State(console): State<Arc<Console>>,
    AsCaller { principal, request }: AsCaller<ReadRequest>,
) -> Response {
    match console
        .dispatcher
        .read_resource(&request.uri, Context::detached(principal))
        .await
    {
        Ok(contents) => {
            let contents: Vec<Value> = contents
                .iter()
                .map(crate::content::ResourceContents::to_json)
                .collect();
            axum::Json(json!({ "contents": contents })).into_response()
        }
        Err(error) => axum::Json(json!({ "error": error.to_string() })).into_response(),
    }
}

#[derive(Deserialize)]
struct PromptRequest {
    name: String,
    #[serde(default)]
    arguments: Map<String, Value>,
}

/// Renders a prompt as the chosen caller.
async fn prompt(
    State(console): State<Arc<Console>>,
    AsCaller { principal, request }: AsCaller<PromptRequest>,
) -> Response {
    match console
        .dispatcher
        .get_prompt(
            &request.name,
            request.arguments,
            Context::detached(principal),
        )
        .await
    {
        Ok(output) => axum::Json(output.to_json()).into_response(),
        Err(error) => axum::Json(json!({ "error": error.to_string() })).into_response(),
    }
}

/// Every tool call the server finishes, from any client, as server-sent events; the stream
/// ends when the server shuts down.
async fn log(console: Arc<Console>, shutdown: CancellationToken) -> Response {
    let Some(calls) = console.dispatcher.call_log() else {
        return Refusal(StatusCode::NOT_FOUND, "no call log".into()).into_response();
    };
    Sse::new(events(calls, console.questions.subscribe(), shutdown))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Finished calls as `message` events and questions as `question` events, until shutdown.
fn events(
    calls: tokio::sync::broadcast::Receiver<crate::dispatch::CallRecord>,
    questions: tokio::sync::broadcast::Receiver<ask::Question>,
    shutdown: CancellationToken,
) -> impl Stream<Item = Result<Event, std::convert::Infallible>> {
    use tokio::sync::broadcast::error::RecvError;
    let state = (calls, questions, shutdown);
    futures_util::stream::unfold(state, |(mut calls, mut questions, shutdown)| async move {
        loop {
            let event = tokio::select! {
                () = shutdown.cancelled() => return None,
                record = calls.recv() => record.map(|record| Event::default().json_data(&record)),
                question = questions.recv() => question
                    .map(|question| Event::default().event("question").json_data(&question)),
            };
            match event {
                Ok(event) => {
                    let event = event.unwrap_or_default();
                    return Some((Ok(event), (calls, questions, shutdown)));
                }
                // A slow page misses some events rather than holding the server back.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    })
}
