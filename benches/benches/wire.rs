//! One `tools/call echo` through `/mcp` in process, without sockets: the fast path (envelope
//! parse, dispatch, serialize) against the same request served through rmcp, and against a raw
//! axum handler that answers it directly. Before the timings it prints the heap allocations each
//! makes per request (the request and response themselves included), counted by the global
//! allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use mcp_kit::prelude::*;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// Counts allocations, so a path's cost in allocations is a number, not a guess.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Says `message` back.
#[tool(annotations(read_only))]
async fn echo(message: String) -> String {
    message
}

const BODY: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}"#;

fn router(fast_path: bool) -> Router {
    let mut settings = mcp_kit::Settings::default();
    settings.require_auth = false;
    settings.fast_path = fast_path;
    let server = Server::builder().settings(settings).build().unwrap();
    server.router(CancellationToken::new())
}

async fn call(router: &Router) -> axum::body::Bytes {
    let request = Request::post("/mcp")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .body(Body::from(BODY))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
}

fn wire(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let paths = [
        ("fast_path", router(true)),
        ("rmcp", router(false)),
        ("raw_axum", mcp_kit_benches::raw_echo()),
    ];
    for (name, router) in &paths {
        let body = runtime.block_on(call(router));
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains(r#""text":"hello""#), "{name} answered {text}");
        const N: usize = 1000;
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        runtime.block_on(async {
            for _ in 0..N {
                black_box(call(router).await);
            }
        });
        let per_request = (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / N as f64;
        println!("allocations per request, {name}: {per_request:.1}");
    }
    let mut group = c.benchmark_group("tools_call_echo");
    for (name, router) in &paths {
        group.bench_function(*name, |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(call(router).await) })
        });
    }
    group.finish();
}

criterion_group!(benches, wire);
criterion_main!(benches);
