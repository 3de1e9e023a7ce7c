//! The only module that names `rmcp`: our types in and out of its model, its
//! `ServerHandler` over our dispatcher, and its transports.

mod channel;
#[cfg(feature = "client")]
pub(crate) mod client;
mod convert;
#[cfg(feature = "fast-path")]
mod fast;
mod handler;
mod input_required;
mod sessions;
#[cfg(feature = "fast-path")]
mod stateless;
#[cfg(feature = "tasks")]
mod tasks;
mod traced;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServiceExt as _, transport::stdio};
use tokio_util::sync::CancellationToken;

use crate::server::Server;

#[cfg(feature = "fast-path")]
pub(crate) use fast::FastPath;
pub(crate) use handler::Adapter;

/// The Streamable HTTP endpoint as a tower service, for axum to route.
pub(crate) type HttpService = axum::routing::MethodRouter;

/// The ids of a stateful endpoint's open sessions.
pub(crate) type LiveSessions = Arc<dyn Fn() -> BoxFuture<'static, Vec<String>> + Send + Sync>;

/// The Streamable HTTP endpoint and what the HTTP layer needs beside it.
pub(crate) struct StreamableHttp {
    pub(crate) service: HttpService,
    /// In stateful mode, a way to list the open sessions.
    pub(crate) sessions: Option<LiveSessions>,
    /// In stateless mode with JSON answers, unless turned off: plain requests served directly.
    #[cfg(feature = "fast-path")]
    pub(crate) fast: Option<FastPath>,
}

pub(crate) fn streamable_http(server: &Server, shutdown: CancellationToken) -> StreamableHttp {
    let settings = server.settings();
    // Host and Origin are checked by `http::HostPolicy` before rmcp sees the request. rmcp
    // clones its config for every request, so its own lists stay empty.
    let config = StreamableHttpServerConfig::default()
        .with_cancellation_token(shutdown.clone())
        .with_max_request_body_bytes(settings.body_limit)
        .with_legacy_session_mode(!settings.stateless)
        .with_json_response(settings.json_response)
        .disable_allowed_hosts()
        .disable_allowed_origins();
    let adapter = Adapter::new(server);
    #[cfg(feature = "fast-path")]
    let fast = (settings.stateless && settings.json_response && settings.fast_path).then(|| {
        let answered = server.fast_path_answered.clone();
        FastPath::new(adapter.shared().clone(), shutdown.clone(), answered)
    });
    let factory = move || Ok(adapter.for_session());
    if settings.stateless {
        let service =
            StreamableHttpService::new(factory, Arc::new(NeverSessionManager::default()), config);
        StreamableHttp {
            service: axum::routing::any_service(service),
            sessions: None,
            #[cfg(feature = "fast-path")]
            fast,
        }
    } else {
        let mut sessions = LocalSessionManager::default();
        sessions.session_config.keep_alive =
            Some(Duration::from_secs(settings.session_idle_timeout));
        let sessions = Arc::new(sessions);
        let open = sessions.clone();
        let live: LiveSessions = Arc::new(move || {
            let open = open.clone();
            Box::pin(async move {
                let sessions = open.sessions.read().await;
                sessions.keys().map(|id| id.to_string()).collect()
            })
        });
        StreamableHttp {
            service: axum::routing::any_service(StreamableHttpService::new(
                factory, sessions, config,
            )),
            sessions: Some(live),
            #[cfg(feature = "fast-path")]
            fast,
        }
    }
}

impl Server {
    /// Serves over standard input and output until the client closes them.
    pub async fn serve_stdio(&self) -> Result<(), crate::Error> {
        Ok(serve_stdio(self, CancellationToken::new()).await?)
    }
}

/// Serves MCP on standard input and output until the client closes it or `shutdown` fires.
pub(crate) async fn serve_stdio(
    server: &Server,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let running = Adapter::new(server)
        .serve_with_ct(stdio(), shutdown)
        .await
        .map_err(|error| {
            std::io::Error::other(format!("stdio session failed to start: {error}"))
        })?;
    running.waiting().await.map_err(std::io::Error::other)?;
    Ok(())
}
