//! Dispatch overhead: `add` through the registry and dispatcher (argument extraction,
//! validation, result formatting) against calling the function directly; and a resource
//! template read (URI matching, variable parsing) against calling its function.

use criterion::{Criterion, criterion_group, criterion_main};
use mcp_kit::prelude::*;
use serde_json::{Map, Value, json};
use std::hint::black_box;

#[tool(annotations(read_only))]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn dispatch(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let server = Server::builder()
        .settings(mcp_kit::Settings::default())
        .build()
        .unwrap();
    let arguments: Map<String, Value> = json!({"a": 2, "b": 3}).as_object().unwrap().clone();

    let mut group = c.benchmark_group("add");
    group.bench_function("direct", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(add(black_box(2), black_box(3)).await) })
    });
    group.bench_function("direct+format", |b| {
        b.to_async(&runtime).iter(|| async {
            let sum = add(black_box(2), black_box(3)).await;
            black_box(IntoToolResult::into_tool_result(sum).unwrap())
        })
    });
    group.bench_function("dispatcher", |b| {
        b.to_async(&runtime).iter(|| async {
            let output = server
                .dispatcher()
                .call_tool(
                    "add",
                    Some(black_box(arguments.clone())),
                    Context::detached(None),
                )
                .await
                .unwrap();
            black_box(output)
        })
    });
    group.finish();
}

/// One note's body.
#[resource("notes://{id}/body")]
async fn note_body(id: u64) -> String {
    format!("note {id}")
}

fn read(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let server = Server::builder()
        .settings(mcp_kit::Settings::default())
        .build()
        .unwrap();
    let mut group = c.benchmark_group("note_body");
    group.bench_function("direct", |b| {
        b.to_async(&runtime).iter(|| async {
            let id: u64 = black_box("42").parse().unwrap();
            black_box(note_body(id).await)
        })
    });
    group.bench_function("dispatcher", |b| {
        b.to_async(&runtime).iter(|| async {
            let contents = server
                .dispatcher()
                .read_resource(black_box("notes://42/body"), Context::detached(None))
                .await
                .unwrap();
            black_box(contents)
        })
    });
    group.finish();
}

criterion_group!(benches, dispatch, read);
criterion_main!(benches);
