//! The axum side: `/mcp`, `/healthz`, the protected resource metadata, the Host/Origin check,
//! authentication, JSON-RPC errors for bodies rmcp refuses, and serving with graceful shutdown.

mod auth;
mod console;
mod limits;
mod owners;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::context::ClientAddr;
use crate::server::Server;
use crate::wire::LiveSessions;
use auth::{BearerAuth, METADATA_PATH};

/// The path of the MCP endpoint.
pub const MCP_PATH: &str = "/mcp";

/// Which `Host` and `Origin` values `/mcp` accepts: loopback names plus configured ones.
#[derive(Debug, Clone)]
pub(crate) struct HostPolicy {
    enabled: bool,
    hosts: Vec<String>,
    origins: Vec<String>,
}

impl HostPolicy {
    fn new(server: &Server) -> Self {
        let settings = server.settings();
        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
        hosts.extend(
            settings
                .allowed_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase()),
        );
        Self {
            enabled: settings.dns_rebinding_protection,
            hosts,
            origins: settings.allowed_origins.clone(),
        }
    }

    fn check(&self, headers: &HeaderMap) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        let host = headers
            .get(header::HOST)
            .ok_or("the Host header is missing")?;
        let host = host.to_str().map_err(|_| "the Host header is not ASCII")?;
        if !self
            .hosts
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(host_name(host)))
        {
            return Err(format!("Host `{host}` is not allowed"));
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin
                .to_str()
                .map_err(|_| "the Origin header is not ASCII")?;
            let origin_host = origin
                .split_once("://")
                .map_or("", |(_, rest)| host_name(rest));
            let allowed = self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
                || self
                    .hosts
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(origin_host));
            if !allowed {
                return Err(format!("Origin `{origin}` is not allowed"));
            }
        }
        Ok(())
    }
}

/// `example.com:8080` → `example.com`; `[::1]:8080` → `::1`.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host)
}

/// The `/mcp` endpoint: what every request passes (Host/Origin, authentication, the body's
/// limits, session ownership) and who answers it (the fast path, else rmcp).
struct Endpoint {
    hosts: HostPolicy,
    bearer_auth: BearerAuth,
    body_limit: usize,
    body_read_timeout: Duration,
    sessions: Option<(LiveSessions, usize)>,
    owners: owners::SessionOwners,
    #[cfg(feature = "fast-path")]
    fast: Option<crate::wire::FastPath>,
    /// rmcp's service, for every request let through that the fast path does not answer.
    rmcp: crate::wire::HttpService,
}

impl Endpoint {
    /// Hands `request` to rmcp. Boxed: most requests never get here, and they should not
    /// carry the size of rmcp's future.
    fn rmcp(&self, request: Request) -> futures_util::future::BoxFuture<'static, Response> {
        use tower::ServiceExt as _;
        let rmcp = self.rmcp.clone();
        Box::pin(async move {
            match rmcp.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        })
    }
}

impl Server {
    /// An axum router serving `/mcp` and `/healthz`, to merge into an existing application.
    ///
    /// Cancelling `shutdown` closes open streams.
    pub fn router(&self, shutdown: CancellationToken) -> Router {
        router(self, shutdown.clone(), shutdown)
    }

    /// Serves over HTTP on the configured host and port until SIGINT/SIGTERM, then lets
    /// in-flight calls finish for up to `graceful_shutdown_timeout`.
    pub async fn serve(&self) -> Result<(), crate::Error> {
        Ok(serve(self).await?)
    }
}

/// `/healthz`: `health`, and the state of each probe under `upstreams` when there are any.
/// The status stays 200 while the server serves: a load balancer should not take it out of
/// service for an upstream that is down.
fn healthz(
    health: serde_json::Value,
    probes: crate::health::Probes,
) -> axum::routing::MethodRouter {
    if probes.is_empty() {
        return get(move || async move { axum::Json(health) });
    }
    get(move || async move {
        let mut health = health;
        health["upstreams"] = probes.report();
        axum::Json(health)
    })
}

/// `shutdown` closes open streams once in-flight calls are done; `stop` (the signal itself)
/// ends the streams no call waits on, such as the console's log.
fn router(server: &Server, shutdown: CancellationToken, stop: CancellationToken) -> Router {
    let settings = server.settings();
    tracing::info!(
        name = %server.info.name,
        version = %server.info.version,
        tools = server.registry().tools().len(),
        stateless = settings.stateless,
        require_auth = settings.require_auth,
        "MCP endpoint ready at {MCP_PATH}"
    );
    server.notifier.start_relay(&shutdown);
    let hosts = HostPolicy::new(server);
    let transport = crate::wire::streamable_http(server, shutdown.clone());
    let endpoint = Arc::new(Endpoint {
        hosts,
        bearer_auth: BearerAuth::new(server),
        body_limit: server.settings().body_limit,
        body_read_timeout: Duration::from_secs(server.settings().body_read_timeout),
        sessions: transport
            .sessions
            .map(|live| (live, server.settings().max_sessions)),
        owners: owners::SessionOwners::new(server.settings().max_sessions_per_caller),
        #[cfg(feature = "fast-path")]
        fast: transport.fast,
        rmcp: transport.service,
    });
    if !server.settings().require_auth {
        tracing::warn!("require_auth is off: anyone who can reach this server can call its tools");
    }
    let health =
        json!({ "status": "ok", "name": server.info.name, "version": server.info.version });
    let metadata = get(
        |State(endpoint): State<Arc<Endpoint>>, headers: HeaderMap| async move {
            axum::Json(endpoint.bearer_auth.metadata(&headers))
        },
    );
    let metadata = Router::new()
        .route(METADATA_PATH, metadata.clone())
        .route(&format!("{METADATA_PATH}{MCP_PATH}"), metadata)
        .with_state(endpoint.clone());
    let mut router = Router::new()
        .route(MCP_PATH, any(serve_mcp).with_state(endpoint.clone()))
        .route("/healthz", healthz(health, server.probes.clone()))
        .merge(metadata);
    if settings.dev_console {
        router = router.merge(console::routes(server, endpoint.hosts.clone(), stop));
    }
    #[cfg(feature = "metrics")]
    let router = router.merge(metrics_route(server, endpoint));
    #[cfg(feature = "oauth-server")]
    let router = match &server.oauth {
        Some(oauth) => router.merge(oauth.router()),
        None => router,
    };
    router
}

/// `GET /metrics`, in Prometheus' text format, behind the same Host/Origin check as `/mcp`
/// and, while authentication is required, its own bearer token (`metrics_token_sha256`):
/// call counts name the tools and how busy the server is.
#[cfg(feature = "metrics")]
fn metrics_route(server: &Server, endpoint: Arc<Endpoint>) -> Router {
    use subtle::ConstantTimeEq as _;
    let dispatcher = server.dispatcher.clone();
    let settings = server.settings();
    let token = settings.metrics_token_sha256.clone();
    let open = !settings.require_auth;
    let metrics = get(move |headers: HeaderMap| async move {
        if let Err(message) = endpoint.hosts.check(&headers) {
            return (StatusCode::FORBIDDEN, message).into_response();
        }
        match &token {
            None if open => {}
            None => {
                let message = "/metrics needs a token while authentication is required: set \
                               metrics_token_sha256 to the SHA-256 of the token Prometheus sends";
                return (StatusCode::FORBIDDEN, message).into_response();
            }
            Some(expected) => {
                let presented = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .map(crate::auth::sha256_hex)
                    .unwrap_or_default();
                if !bool::from(
                    presented
                        .as_bytes()
                        .ct_eq(expected.to_ascii_lowercase().as_bytes()),
                ) {
                    let challenge = [(header::WWW_AUTHENTICATE, "Bearer")];
                    return (
                        StatusCode::UNAUTHORIZED,
                        challenge,
                        "a valid bearer token is needed",
                    )
                        .into_response();
                }
            }
        }
        let content_type = [(header::CONTENT_TYPE, "text/plain; version=0.0.4")];
        (content_type, dispatcher.metrics.render()).into_response()
    });
    Router::new().route("/metrics", metrics)
}

/// One span per request to `/mcp`: its method, the caller once known, and a line with the
/// status and duration when it is answered. Both at `debug`: at `info` the span alone would
/// cost a sixth of a request's CPU (`benches/observability.sh`).
async fn serve_mcp(State(endpoint): State<Arc<Endpoint>>, request: Request) -> Response {
    let span = tracing::debug_span!(
        "mcp_request",
        method = %request.method(),
        subject = tracing::field::Empty,
    );
    if span.is_disabled() {
        return handle(endpoint, request).await;
    }
    let started = std::time::Instant::now();
    let response = handle(endpoint, request).instrument(span.clone()).await;
    span.in_scope(|| {
        let micros = started.elapsed().as_micros() as u64;
        tracing::debug!(
            status = response.status().as_u16(),
            micros,
            "request answered"
        );
    });
    response
}

/// The answer to a well-formed 2026-07-28 request for a method that revision removed: HTTP
/// 404 and -32601. Everything else, malformed requests included, goes on to be checked.
fn removed_method(headers: &axum::http::HeaderMap, body: &[u8]) -> Option<Response> {
    #[derive(serde::Deserialize)]
    struct Probe {
        id: Option<serde_json::Value>,
        method: String,
        params: Option<ProbeParams>,
    }
    #[derive(serde::Deserialize)]
    struct ProbeParams {
        #[serde(rename = "_meta")]
        meta: Option<serde_json::Map<String, serde_json::Value>>,
    }
    let version = headers.get("mcp-protocol-version")?.to_str().ok()?;
    if version < crate::jsonrpc::PER_REQUEST_REVISION {
        return None;
    }
    let probe: Probe = serde_json::from_slice(body).ok()?;
    let meta = probe.params?.meta?;
    let declared = meta.get("io.modelcontextprotocol/protocolVersion")?;
    if declared != version
        || !meta.contains_key("io.modelcontextprotocol/clientCapabilities")
        || crate::jsonrpc::has_method(version, &probe.method)
    {
        return None;
    }
    let error = serde_json::json!({
        "jsonrpc": "2.0",
        "id": probe.id,
        "error": {
            "code": -32601,
            "message": format!("method not found: `{}` is not part of the {version} revision", probe.method),
        },
    });
    Some((StatusCode::NOT_FOUND, axum::Json(error)).into_response())
}

/// Checks Host/Origin and the body limit, then answers from the fast path or lets rmcp parse
/// the body. When rmcp refuses the body (it answers 415 to anything it cannot parse), the body
/// is examined again to answer with the JSON-RPC error that says what is wrong; valid requests
/// pay no second parse.
async fn handle(endpoint: Arc<Endpoint>, mut request: Request) -> Response {
    if let Err(message) = endpoint.hosts.check(request.headers()) {
        tracing::warn!(%message, "refused a request to /mcp");
        return rpc_error(StatusCode::FORBIDDEN, -32600, &message);
    }
    match endpoint
        .bearer_auth
        .authenticate(request.headers(), request.uri())
        .await
    {
        Ok(Some(principal)) => {
            tracing::Span::current().record("subject", principal.subject.as_str());
            request.extensions_mut().insert(principal);
        }
        Ok(None) => {}
        Err(refusal) => return refusal,
    }
    // Mounted in an application served with `ConnectInfo`, the client's address is known too.
    if request.extensions().get::<ClientAddr>().is_none()
        && let Some(ConnectInfo(peer)) = request
            .extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .copied()
    {
        request.extensions_mut().insert(ClientAddr(peer.ip()));
    }
    // Borrowed, not copied: most requests carry no session and open none.
    let session = request
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok());
    if let Some(id) = session
        && !endpoint.owners.allows(id, subject_of(request.extensions()))
    {
        // The same answer as for a session that does not exist: nothing to learn from it.
        return rpc_error(StatusCode::NOT_FOUND, -32600, "session not found");
    }
    if request.method() == Method::DELETE {
        let session = session.map(str::to_owned);
        let response = endpoint.rmcp(request).await;
        if response.status().is_success()
            && let Some(id) = &session
        {
            endpoint.owners.closed(id);
        }
        return response;
    }
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if request.method() != Method::POST || !is_json {
        return endpoint.rmcp(request).await;
    }
    let (parts, body) = request.into_parts();
    let read = axum::body::to_bytes(body, endpoint.body_limit);
    let bytes: Bytes = match tokio::time::timeout(endpoint.body_read_timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            let message = format!(
                "request body is larger than the {}-byte limit",
                endpoint.body_limit
            );
            return rpc_error(StatusCode::PAYLOAD_TOO_LARGE, -32600, &message);
        }
        Err(_) => {
            let message = format!(
                "the request body did not arrive within {} s",
                endpoint.body_read_timeout.as_secs()
            );
            return rpc_error(StatusCode::REQUEST_TIMEOUT, -32600, &message);
        }
    };
    let opens_session = endpoint.sessions.is_some()
        && !parts.headers.contains_key("mcp-session-id")
        && method_of(&bytes).as_deref() == Some("initialize");
    if opens_session && let Some((live, max)) = &endpoint.sessions {
        let live = live().await;
        if live.len() >= *max {
            tracing::warn!(max, "refused a new session: the server is at max_sessions");
            let message = "too many open sessions; try again later";
            return rpc_error(StatusCode::SERVICE_UNAVAILABLE, -32000, message);
        }
        if let Err(max) = endpoint
            .owners
            .may_open(subject_of(&parts.extensions), &live)
        {
            let message = format!(
                "this caller has {max} sessions open, the most allowed; end one (DELETE) first"
            );
            return rpc_error(StatusCode::TOO_MANY_REQUESTS, -32000, &message);
        }
    }
    if let Some(refusal) = removed_method(&parts.headers, &bytes) {
        return refusal;
    }
    #[cfg(feature = "fast-path")]
    if let Some(fast) = &endpoint.fast
        && let Some(response) = fast.serve(&parts, &bytes).await
    {
        return response;
    }
    let opener = opens_session.then(|| subject_of(&parts.extensions).map(str::to_owned));
    let response = endpoint
        .rmcp(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    if let Some(opener) = opener
        && let Some(id) = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
    {
        endpoint.owners.opened(id, opener.as_deref());
    }
    if response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE
        && let Err((code, message)) = crate::jsonrpc::check_envelope(&bytes)
    {
        return rpc_error(StatusCode::BAD_REQUEST, code, &message);
    }
    response
}

/// The authenticated caller's subject, once the door has let the request in.
fn subject_of(extensions: &axum::http::Extensions) -> Option<&str> {
    extensions
        .get::<crate::auth::Principal>()
        .map(|principal| principal.subject.as_str())
}

/// The `method` of a JSON-RPC message, if it has one.
fn method_of(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Method {
        method: String,
    }
    serde_json::from_slice::<Method>(bytes)
        .ok()
        .map(|m| m.method)
}

fn rpc_error(status: StatusCode, code: i32, message: &str) -> Response {
    let body =
        json!({ "jsonrpc": "2.0", "id": null, "error": { "code": code, "message": message } });
    (status, axum::Json(body)).into_response()
}

async fn serve(server: &Server) -> std::io::Result<()> {
    let settings = server.settings();
    let listener = tokio::net::TcpListener::bind((settings.host, settings.port))
        .await
        .map_err(|error| {
            std::io::Error::new(
                error.kind(),
                format!(
                    "cannot listen on {}:{}: {error}",
                    settings.host, settings.port
                ),
            )
        })?;
    let address = listener.local_addr()?;
    let streams = CancellationToken::new();
    let stop = CancellationToken::new();
    let app = router(server, streams.clone(), stop.clone());
    tracing::info!(name = %server.info.name, version = %server.info.version, "serving MCP on http://{address}{MCP_PATH}");
    tokio::spawn(shutdown_signal(stop.clone()));
    let timeout = Duration::from_secs(settings.graceful_shutdown_timeout);
    let limits = limits::Limits {
        max_connections: settings.max_connections,
        header_read_timeout: Duration::from_secs(settings.header_read_timeout),
    };
    let serving = limits::serve(listener, app, limits, stop.clone());
    tokio::select! {
        () = serving => {}
        () = async { stop.cancelled().await; tokio::time::sleep(timeout).await } => {
            tracing::warn!("in-flight requests did not finish within {}s; closing them", timeout.as_secs());
        }
    }
    streams.cancel();
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
pub(crate) async fn shutdown_signal(stop: CancellationToken) {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
    stop.cancel();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_drop_the_port() {
        assert_eq!(host_name("example.com:8080"), "example.com");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("localhost"), "localhost");
    }
}
