//! A caller's trace, sent in a request's `_meta` (SEP-414), goes on into the server's span
//! for the request and from there into the HTTP calls its tools make, over real loopback
//! HTTP. The spans are read as an OpenTelemetry SDK exports them.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use mcp_kit::Server;
use mcp_kit::openapi::OpenApi;
use mcp_kit_tests::{post_mcp_with, spawn, test_settings};
use opentelemetry::trace::{
    SpanId, SpanKind, Status, TraceContextExt as _, TraceId, TracerProvider as _,
};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// The spans the SDK exported, and a signal at each export.
#[derive(Debug, Clone, Default)]
struct Exported(Arc<(Mutex<Vec<SpanData>>, tokio::sync::Notify)>);

impl SpanExporter for Exported {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let (spans, exported) = &*self.0;
        spans.lock().unwrap().extend(batch);
        exported.notify_waiters();
        Ok(())
    }
}

impl Exported {
    /// The span named `name` for which `mine` holds, once it has ended: waits for exports,
    /// with a hang guard. The tests share one exporter, so each picks out its own span.
    async fn span(&self, name: &str, mine: impl Fn(&SpanData) -> bool) -> SpanData {
        let (spans, exported) = &*self.0;
        let found = async {
            loop {
                // Listening before looking: an export between the two is not missed.
                let next_export = exported.notified();
                tokio::pin!(next_export);
                next_export.as_mut().enable();
                let span = (spans.lock().unwrap().iter())
                    .find(|s| s.name == name && mine(s))
                    .cloned();
                if let Some(span) = span {
                    return span;
                }
                next_export.await;
            }
        };
        match tokio::time::timeout(Duration::from_secs(10), found).await {
            Ok(span) => span,
            Err(_) => {
                let spans = spans.lock().unwrap();
                let names: Vec<_> = spans.iter().map(|s| s.name.clone()).collect();
                panic!("no span {name} of this test; exported: {names:?}");
            }
        }
    }
}

/// An API whose one operation answers with the `traceparent` header it was sent.
async fn api() -> SocketAddr {
    let api = Router::new().route(
        "/trace",
        get(|headers: HeaderMap| async move {
            let traceparent = headers
                .get("traceparent")
                .map(|v| v.to_str().unwrap().to_owned());
            axum::Json(json!({ "traceparent": traceparent }))
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });
    addr
}

fn server(api: SocketAddr) -> Server {
    let document = json!({
        "openapi": "3.1.0",
        "info": {"title": "trace", "version": "1"},
        "paths": {"/trace": {"get": {"responses": {"200": {
            "description": "the header",
            "content": {"application/json": {"schema": {"type": "object"}}}
        }}}}}
    });
    let tools = OpenApi::parse(&document.to_string())
        .unwrap()
        .prefix("up")
        .base_url(format!("http://{api}"))
        .tools()
        .unwrap();
    Server::builder()
        .without_linked_tools()
        .settings(test_settings())
        .tools(tools)
        .build()
        .unwrap()
}

/// Sends every span to an OpenTelemetry SDK: the server's request spans, and the tests' own.
/// One subscriber for the whole process, set once, rather than one per test thread.
fn traced() -> &'static Exported {
    static EXPORTED: OnceLock<Exported> = OnceLock::new();
    EXPORTED.get_or_init(|| {
        let exported = Exported::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exported.clone())
            .build();
        let targets = Targets::new()
            .with_target("mcp_kit::operation", tracing::Level::DEBUG)
            .with_target("otel", tracing::Level::INFO);
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        // A filter for the whole subscriber, not the layer alone: a per-layer filter can
        // drop a span (tokio-rs/tracing#2519; the command line guards against it with
        // `log_filter::Fresh`).
        let subscriber = tracing_subscriber::registry().with(targets).with(layer);
        tracing::subscriber::set_global_default(subscriber).unwrap();
        exported
    })
}

/// Calls `up_get_trace` with `meta`: the span the server exported, and the header its call
/// sent.
async fn call_with_meta(meta: Value) -> (SpanData, String) {
    static IDS: AtomicU64 = AtomicU64::new(1);
    let id = IDS.fetch_add(1, Ordering::Relaxed);
    let exported = traced();
    let server = spawn(server(api().await)).await;
    let body = json!({
        "jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "up_get_trace", "arguments": {}, "_meta": meta}
    });
    let answer = post_mcp_with(server.addr, &[], body.to_string()).await;
    assert_eq!(answer.status, 200);
    let answer = answer.json();
    let result = &answer["result"];
    assert_eq!(result["isError"], false, "{answer}");
    let sent = result["structuredContent"]["traceparent"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = Some(id.to_string());
    let span = exported
        .span("tools/call up_get_trace", |span| {
            attribute(span, "jsonrpc.request.id") == id
        })
        .await;
    (span, sent)
}

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|pair| pair.key.as_str() == key)
        .map(|pair| pair.value.to_string())
}

#[tokio::test(flavor = "current_thread")]
async fn a_callers_trace_goes_on_into_the_server_and_the_calls_its_tools_make() {
    let traceparent = format!("00-{TRACE_ID}-{CALLER_SPAN}-01");
    let (span, sent) = call_with_meta(json!({ "traceparent": traceparent })).await;

    let context = &span.span_context;
    assert_eq!(context.trace_id(), TraceId::from_hex(TRACE_ID).unwrap());
    assert_eq!(span.parent_span_id, SpanId::from_hex(CALLER_SPAN).unwrap());
    assert!(span.parent_span_is_remote);
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(
        attribute(&span, "mcp.method.name").as_deref(),
        Some("tools/call")
    );
    assert_eq!(
        attribute(&span, "gen_ai.tool.name").as_deref(),
        Some("up_get_trace")
    );
    // The API was called from inside the server's span, in the same trace.
    assert_eq!(sent, format!("00-{TRACE_ID}-{}-01", context.span_id()));
}

#[tokio::test(flavor = "current_thread")]
async fn without_a_trace_in_meta_the_server_starts_one() {
    let (span, sent) = call_with_meta(json!({})).await;
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    let context = &span.span_context;
    assert_ne!(context.trace_id(), TraceId::from_hex(TRACE_ID).unwrap());
    assert_eq!(
        sent,
        format!("00-{}-{}-01", context.trace_id(), context.span_id())
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_malformed_traceparent_is_ignored_not_refused() {
    let bad = [
        "00-zz-00f067aa0ba902b7-01",
        "",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    ];
    for traceparent in bad {
        let (span, _) = call_with_meta(json!({ "traceparent": traceparent })).await;
        assert_eq!(span.parent_span_id, SpanId::INVALID, "{traceparent:?}");
    }
    // Not a string at all.
    let (span, _) = call_with_meta(json!({ "traceparent": 42 })).await;
    assert_eq!(span.parent_span_id, SpanId::INVALID);
}

#[tokio::test(flavor = "current_thread")]
async fn mcp_kit_clients_carry_their_trace_to_the_server() {
    use tracing::Instrument as _;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    let exported = traced();
    let server = spawn(server(api().await)).await;
    let caller = tracing::info_span!("caller");
    let caller_context = caller.context().span().span_context().clone();
    async {
        let client = mcp_kit::client::Client::http(format!("http://{}/mcp", server.addr))
            .connect()
            .await
            .unwrap();
        let output = client.call_tool("up_get_trace", json!({})).await.unwrap();
        assert!(!output.is_error);
        client.close().await;
    }
    .instrument(caller)
    .await;
    let span = exported
        .span("tools/call up_get_trace", |span| {
            span.span_context.trace_id() == caller_context.trace_id()
        })
        .await;
    assert_eq!(span.parent_span_id, caller_context.span_id());
}
