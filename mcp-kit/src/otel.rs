//! OpenTelemetry: traces and the `mcp.server.operation.duration` histogram, exported over
//! OTLP/HTTP and configured by the standard `OTEL_*` variables.
//!
//! Every MCP request gets a server span named after OpenTelemetry's conventions for MCP
//! (`tools/call get_weather`), whose parent is the caller's trace context from the request's
//! `_meta` (SEP-414), so a client's trace continues into the server and into what a tool does
//! under it: its own `tracing` spans, and the HTTP calls of OpenAPI tools, which carry the
//! context on as a `traceparent` header.
//!
//! `mcp_kit::run!()` sets this up by itself. A server with its own `main` and subscriber
//! asks for [`Telemetry::from_env`] and adds [`Telemetry::layer`]:
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//!
//! let telemetry = mcp_kit::otel::Telemetry::from_env("my-server")?;
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::fmt::layer())
//!     .with(telemetry.as_ref().and_then(|t| t.layer()))
//!     .init();
//! // … serve; dropping `telemetry` sends what is still buffered.
//! # Ok::<(), mcp_kit::ConfigError>(())
//! ```
//!
//! | variable | meaning |
//! |---|---|
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | the collector's base URL (`/v1/traces`, `/v1/metrics` are added); export is on only when this or a signal's own endpoint is set |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `…_METRICS_ENDPOINT` | one signal's full URL |
//! | `OTEL_EXPORTER_OTLP_PROTOCOL` | `http/protobuf` (the default) or `http/json` |
//! | `OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT` | headers (`key=value,…`) and timeout of each export |
//! | `OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER` | `otlp` or `none` |
//! | `OTEL_SDK_DISABLED` | `true` turns everything off |
//! | `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` | the resource; the service name defaults to the server's |
//! | `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, `OTEL_METRIC_EXPORT_INTERVAL` | as the OpenTelemetry SDK reads them |

use std::sync::{LazyLock, OnceLock};
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Histogram, MeterProvider as _};
use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator as _,
};
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde_json::{Map, Value};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::config::ConfigError;

/// The instrumentation scope of every span and metric.
const SCOPE: &str = "mcp-kit";

/// The span target of MCP requests, which the layer always takes.
pub const OPERATION_TARGET: &str = "mcp_kit::operation";

/// The histogram's buckets, in seconds, as the conventions recommend.
const BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// `mcp.server.operation.duration`, once a meter provider is installed.
static DURATION: OnceLock<Histogram<f64>> = OnceLock::new();

/// What requests' `_meta` carries, whatever propagator is global.
static PROPAGATOR: LazyLock<TextMapCompositePropagator> = LazyLock::new(w3c);

/// W3C trace context and baggage: the keys SEP-414 carries unprefixed in `_meta`.
fn w3c() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
}

/// The installed exporters. Dropping it sends what is still buffered and stops them.
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
    metrics: Option<SdkMeterProvider>,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("traces", &self.traces.is_some())
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

impl Telemetry {
    /// Installs OTLP export as the `OTEL_*` variables say; `Ok(None)` when they ask for none
    /// (no endpoint set, `OTEL_SDK_DISABLED=true`, or both exporters `none`). The tracer and
    /// meter providers also become OpenTelemetry's global ones, for a tool's own spans and
    /// metrics. `service_name` is used unless `OTEL_SERVICE_NAME` or
    /// `OTEL_RESOURCE_ATTRIBUTES` names the service.
    pub fn from_env(service_name: &str) -> Result<Option<Self>, ConfigError> {
        Self::from_vars(service_name, |name| std::env::var(name).ok())
    }

    fn from_vars(
        service_name: &str,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
        if var("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        let traces_protocol = protocol(&var, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")?;
        let metrics_protocol = protocol(&var, "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL")?;
        let endpoint = set("OTEL_EXPORTER_OTLP_ENDPOINT");
        let traces = exporter_wanted(&var, "OTEL_TRACES_EXPORTER")?
            && (endpoint || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        let metrics = exporter_wanted(&var, "OTEL_METRICS_EXPORTER")?
            && (endpoint || set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
        if !traces && !metrics {
            return Ok(None);
        }
        let named = set("OTEL_SERVICE_NAME")
            || var("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|v| v.contains("service.name="));
        let mut resource = opentelemetry_sdk::Resource::builder();
        if !named {
            resource = resource.with_service_name(service_name.to_owned());
        }
        let resource = resource.build();
        // The exporters' HTTP client speaks TLS with the provider the rest of the crate uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let failed = |what: &str, error: &dyn std::fmt::Display| {
            ConfigError(format!("OpenTelemetry {what} exporter: {error}"))
        };
        let traces = if traces {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(traces_protocol)
                .build()
                .map_err(|e| failed("trace", &e))?;
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(resource.clone())
                .build();
            opentelemetry::global::set_tracer_provider(provider.clone());
            Some(provider)
        } else {
            None
        };
        let metrics = if metrics {
            let exporter = opentelemetry_otlp::MetricExporter::builder()
                .with_http()
                .with_protocol(metrics_protocol)
                .build()
                .map_err(|e| failed("metric", &e))?;
            let provider = SdkMeterProvider::builder()
                .with_periodic_exporter(exporter)
                .with_resource(resource)
                .build();
            let histogram = provider
                .meter(SCOPE)
                .f64_histogram("mcp.server.operation.duration")
                .with_unit("s")
                .with_description(
                    "MCP request duration as observed on the server, from the time it was \
                     received until the result was sent",
                )
                .with_boundaries(BUCKETS.to_vec())
                .build();
            // A second installation keeps the first histogram, which records into its own
            // provider; the global one is the newest.
            let _ = DURATION.set(histogram);
            opentelemetry::global::set_meter_provider(provider.clone());
            Some(provider)
        } else {
            None
        };
        opentelemetry::global::set_text_map_propagator(w3c());
        Ok(Some(Self { traces, metrics }))
    }

    /// The `tracing` layer that turns spans into OpenTelemetry spans, when traces are
    /// exported. Filter it as you like, but let the `mcp_kit::operation` target through at
    /// `debug`: that is where each request's span is (see [`OPERATION_TARGET`]). Prefer a
    /// filter on the whole subscriber (`registry().with(filter).with(layer)`): with a
    /// per-layer filter (`layer.with_filter(filter)`), tracing-subscriber 0.3 can drop a span
    /// on the word of an earlier, unrelated `enabled` check (tokio-rs/tracing#2519).
    pub fn layer<S>(&self) -> Option<impl tracing_subscriber::Layer<S> + use<S>>
    where
        S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    {
        let tracer = self.traces.as_ref()?.tracer(SCOPE);
        Some(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_location(false)
                .with_threads(false)
                .with_target(false)
                .with_tracked_inactivity(false)
                .with_context_activation(false),
        )
    }

    /// Sends what is buffered and stops the exporters, waiting at most `timeout` for each.
    pub fn shutdown(mut self, timeout: Duration) {
        self.stop(timeout);
    }

    fn stop(&mut self, timeout: Duration) {
        if let Some(traces) = self.traces.take()
            && let Err(error) = traces.shutdown_with_timeout(timeout)
        {
            tracing::warn!(%error, "the trace exporter did not stop cleanly");
        }
        if let Some(metrics) = self.metrics.take()
            && let Err(error) = metrics.shutdown_with_timeout(timeout)
        {
            tracing::warn!(%error, "the metric exporter did not stop cleanly");
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

/// Whether `OTEL_*_EXPORTER` leaves the signal to OTLP: unset, `otlp`, or `none`.
fn exporter_wanted(var: &impl Fn(&str) -> Option<String>, name: &str) -> Result<bool, ConfigError> {
    match var(name).as_deref().map(str::trim) {
        None | Some("" | "otlp") => Ok(true),
        Some("none") => Ok(false),
        Some(other) => Err(ConfigError(format!(
            "{name}={other}: mcp-kit exports over OTLP only; use `otlp` or `none`"
        ))),
    }
}

/// A signal's protocol: its own variable, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else
/// `http/protobuf`, the standard default (the exporter crate would pick JSON when both are
/// compiled in).
fn protocol(
    var: &impl Fn(&str) -> Option<String>,
    signal: &str,
) -> Result<opentelemetry_otlp::Protocol, ConfigError> {
    let general = "OTEL_EXPORTER_OTLP_PROTOCOL";
    let Some((name, value)) = [signal, general]
        .into_iter()
        .find_map(|name| Some((name, var(name)?)))
    else {
        return Ok(opentelemetry_otlp::Protocol::HttpBinary);
    };
    match value.trim() {
        "http/protobuf" => Ok(opentelemetry_otlp::Protocol::HttpBinary),
        "http/json" => Ok(opentelemetry_otlp::Protocol::HttpJson),
        other => Err(ConfigError(format!(
            "{name}={other}: mcp-kit exports OTLP over HTTP only; use `http/protobuf` or \
             `http/json`"
        ))),
    }
}

/// Makes the trace context in a request's `_meta`, if it holds a valid one, the parent of
/// `span`.
pub(crate) fn adopt_parent(span: &tracing::Span, meta: &Map<String, Value>) {
    if !meta.contains_key("traceparent") {
        return;
    }
    let parent = PROPAGATOR.extract(&MetaCarrier(meta));
    if parent.span().span_context().is_valid() {
        // Fails only when no OpenTelemetry layer sees the span: then there is no trace.
        let _ = span.set_parent(parent);
    }
}

/// The current span's trace context as HTTP headers (`traceparent`, `tracestate`,
/// `baggage`), for an HTTP call a tool makes, so that the trace goes on into the service it
/// calls. OpenAPI tools send them by themselves. Empty outside a trace.
///
/// ```
/// let mut request = axum::http::Request::get("https://api.example.com/stock");
/// for (name, value) in mcp_kit::otel::trace_headers() {
///     request = request.header(name, value);
/// }
/// ```
pub fn trace_headers() -> Vec<(&'static str, String)> {
    struct Headers(Vec<(&'static str, String)>);
    impl Injector for Headers {
        fn set(&mut self, key: &str, value: String) {
            let key = match key {
                "traceparent" => "traceparent",
                "tracestate" => "tracestate",
                "baggage" => "baggage",
                _ => return,
            };
            self.0.push((key, value));
        }
    }
    let context = tracing::Span::current().context();
    let mut headers = Headers(Vec::new());
    PROPAGATOR.inject_context(&context, &mut headers);
    headers.0
}

/// `_meta` read as a propagation carrier: string values only.
struct MetaCarrier<'a>(&'a Map<String, Value>);

impl Extractor for MetaCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)?.as_str()
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

/// The histogram's attributes for one request, kept from its start to its end.
pub(crate) struct Labels(Vec<KeyValue>);

impl Labels {
    /// An empty set, or `None` unless the histogram is recorded.
    pub(crate) fn new() -> Option<Self> {
        DURATION.get().map(|_| Self(Vec::with_capacity(6)))
    }

    /// Adds an attribute (`gen_ai.tool.name`, `mcp.method.name`, …).
    pub(crate) fn add(&mut self, key: &'static str, value: &str) {
        self.0.push(KeyValue::new(key, value.to_owned()));
    }

    pub(crate) fn record(mut self, took: Duration, error_type: Option<&str>) {
        let Some(histogram) = DURATION.get() else {
            return;
        };
        if let Some(error_type) = error_type {
            self.0
                .push(KeyValue::new("error.type", error_type.to_owned()));
        }
        histogram.record(took.as_secs_f64(), &self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn nothing_is_exported_without_an_endpoint() {
        let telemetry = Telemetry::from_vars("demo", vars(&[("OTEL_SERVICE_NAME", "x")]));
        assert!(telemetry.unwrap().is_none());
    }

    #[test]
    fn disabled_sdk_and_none_exporters_export_nothing() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1");
        let disabled = [endpoint, ("OTEL_SDK_DISABLED", "TRUE")];
        assert!(
            Telemetry::from_vars("demo", vars(&disabled))
                .unwrap()
                .is_none()
        );
        let none = [
            endpoint,
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ];
        assert!(Telemetry::from_vars("demo", vars(&none)).unwrap().is_none());
    }

    #[test]
    fn an_unsupported_protocol_or_exporter_is_named() {
        let grpc = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ];
        let error = Telemetry::from_vars("demo", vars(&grpc)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "OTEL_EXPORTER_OTLP_PROTOCOL=grpc: mcp-kit exports OTLP over HTTP only; use \
             `http/protobuf` or `http/json`"
        );
        let zipkin = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("OTEL_TRACES_EXPORTER", "zipkin"),
        ];
        let error = Telemetry::from_vars("demo", vars(&zipkin)).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("OTEL_TRACES_EXPORTER=zipkin:"),
            "{error}"
        );
    }

    #[test]
    fn a_traceparent_in_meta_becomes_the_context_injected_into_outgoing_calls() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let provider = SdkTracerProvider::builder().build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer(SCOPE));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let meta: Map<String, Value> = serde_json::from_str(
                r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#,
            )
            .unwrap();
            let span = tracing::info_span!("request");
            adopt_parent(&span, &meta);
            let headers = span.in_scope(trace_headers);
            let (name, value) = &headers[0];
            assert_eq!(*name, "traceparent");
            // The same trace, a new span of ours, sampled.
            assert!(
                value.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
                "{value}"
            );
            assert!(!value.contains("00f067aa0ba902b7"), "{value}");
            assert!(value.ends_with("-01"), "{value}");
        });
    }

    #[test]
    fn a_malformed_traceparent_starts_no_trace() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let provider = SdkTracerProvider::builder().build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer(SCOPE));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let meta: Map<String, Value> =
                serde_json::from_str(r#"{"traceparent":"00-nothex-00f067aa0ba902b7-01"}"#).unwrap();
            let span = tracing::info_span!("request");
            adopt_parent(&span, &meta);
            let headers = span.in_scope(trace_headers);
            assert!(!headers[0].1.contains("nothex"), "{headers:?}");
        });
    }
}
