//! The `/mcp` endpoint with any body: the JSON-RPC envelope and depth checks, the fast path's
//! parse, and rmcp's, as a client reaches them. Every body is answered, never with a 5xx.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, header};
use libfuzzer_sys::fuzz_target;
use mcp_kit::prelude::*;
use mcp_kit::{CancellationToken, Server};
use tower::ServiceExt as _;

#[tool(annotations(read_only))]
async fn echo(text: String) -> String {
    text
}

fn shared() -> &'static (tokio::runtime::Runtime, axum::Router) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, axum::Router)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let mut settings = mcp_kit::Settings::default();
        settings.require_auth = false;
        let server = Server::builder()
            .settings(settings)
            .build()
            .expect("the server builds");
        let router = runtime.block_on(async { server.router(CancellationToken::new()) });
        (runtime, router)
    })
}

fuzz_target!(|input: (bool, &[u8])| {
    let (modern, body) = input;
    let (runtime, router) = shared();
    let version = if modern { "2026-07-28" } else { "2025-11-25" };
    let request = Request::post("/mcp")
        .header(header::HOST, "localhost")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header("mcp-protocol-version", version)
        .body(Body::from(body.to_vec()))
        .expect("a request");
    let response = runtime
        .block_on(router.clone().oneshot(request))
        .expect("the router is infallible");
    assert!(
        !response.status().is_server_error(),
        "{} for {:?}",
        response.status(),
        String::from_utf8_lossy(body)
    );
});
