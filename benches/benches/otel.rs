//! What one exported span costs in OpenTelemetry's Rust SDK, whatever the server: the floor
//! under `benches/observability.sh`'s "otel exporting every span" figure. A span with the
//! attributes the MCP conventions give a `tools/call`, ended into the batch processor that
//! export uses (its exporter drops the batches), made (a) through the SDK's own API and (b) as
//! mcp-kit makes it, a `tracing` span turned into an OpenTelemetry one by
//! tracing-opentelemetry.
//!
//!   cargo bench -p mcp-kit-benches --bench otel

use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, SpanKind, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tracing_subscriber::layer::SubscriberExt as _;

#[derive(Debug)]
struct Dropped;

impl SpanExporter for Dropped {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        drop(batch);
        Ok(())
    }
}

fn provider() -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_batch_exporter(Dropped)
        .build()
}

fn spans(c: &mut Criterion) {
    let mut group = c.benchmark_group("otel_span");
    let sdk = provider();
    let tracer = sdk.tracer("bench");
    group.bench_function("sdk", |b| {
        b.iter(|| {
            let mut span = tracer
                .span_builder("tools/call echo")
                .with_kind(SpanKind::Server)
                .with_attributes([
                    KeyValue::new("mcp.method.name", "tools/call"),
                    KeyValue::new("gen_ai.operation.name", "execute_tool"),
                    KeyValue::new("gen_ai.tool.name", "echo".to_owned()),
                    KeyValue::new("jsonrpc.request.id", "1".to_owned()),
                    KeyValue::new("mcp.protocol.version", "2025-11-25".to_owned()),
                    KeyValue::new("network.transport", "tcp"),
                    KeyValue::new("client.address", "127.0.0.1".to_owned()),
                ])
                .start(&tracer);
            span.end();
        });
    });

    let bridged = provider();
    let layer = tracing_opentelemetry::layer()
        .with_tracer(bridged.tracer("bench"))
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_tracked_inactivity(false)
        .with_context_activation(false);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        group.bench_function("tracing_bridge", |b| {
            b.iter(|| {
                let span = tracing::info_span!(
                    "operation",
                    otel.name = "tools/call echo",
                    otel.kind = "server",
                    mcp.method.name = "tools/call",
                    gen_ai.operation.name = "execute_tool",
                    gen_ai.tool.name = "echo",
                    jsonrpc.request.id = 1,
                    mcp.protocol.version = "2025-11-25",
                    network.transport = "tcp",
                    client.address = "127.0.0.1",
                );
                // A request's span is entered at each poll of its future: twice here.
                drop(span.enter());
                drop(span.enter());
            });
        });
    });
    group.finish();
}

criterion_group!(benches, spans);
criterion_main!(benches);
