"""OpenTelemetry: a trace the official Python SDK starts continues into `examples/everything`.

The SDK (mcp 2.3) opens a client span for each request and carries its context in the
request's `_meta` (SEP-414). The server, started with the standard `OTEL_*` variables, exports
its spans and the `mcp.server.operation.duration` histogram over OTLP/HTTP to a receiver here
that decodes them with the official protobuf definitions (opentelemetry-proto).
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import mcp
import pytest
from mcp import StdioServerParameters
from opentelemetry import trace
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from conftest import EVERYTHING_BIN, everything_server, open_client
from test_tasks import TasksExtension, sdk_client

SERVER_KIND = 2  # opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER
STATUS_ERROR = 2  # opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR

# The client's spans, kept in memory. The SDK's tracer is global; set once per process.
CLIENT_SPANS = InMemorySpanExporter()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(CLIENT_SPANS))
trace.set_tracer_provider(_provider)


class Collector:
    """What an OTLP/HTTP collector received: protobuf export requests, decoded."""

    def __init__(self) -> None:
        # Held while reading or adding; notified at each export received.
        self.lock = threading.Condition()
        self.traces: list[ExportTraceServiceRequest] = []
        self.metrics: list[ExportMetricsServiceRequest] = []
        self.content_types: set[str] = set()

    def spans(self) -> list[tuple[dict[str, object], object]]:
        """Every span received, with its resource's attributes."""
        with self.lock:
            requests = list(self.traces)
        found = []
        for request in requests:
            for resource_spans in request.resource_spans:
                resource = attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    found.extend((resource, span) for span in scope_spans.spans)
        return found

    def histogram_points(self, name: str) -> list[object]:
        with self.lock:
            requests = list(self.metrics)
        return [
            point
            for request in requests
            for resource_metrics in request.resource_metrics
            for scope_metrics in resource_metrics.scope_metrics
            for metric in scope_metrics.metrics
            if metric.name == name and metric.unit == "s"
            for point in metric.histogram.data_points
        ]


def attributes(pairs: object) -> dict[str, object]:
    values = {}
    for pair in pairs:
        kind = pair.value.WhichOneof("value")
        values[pair.key] = getattr(pair.value, kind) if kind else None
    return values


@contextmanager
def collector() -> Iterator[tuple[Collector, int]]:
    received = Collector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with received.lock:
                received.content_types.add(self.headers["Content-Type"])
                if self.path == "/v1/traces":
                    received.traces.append(ExportTraceServiceRequest.FromString(body))
                elif self.path == "/v1/metrics":
                    received.metrics.append(ExportMetricsServiceRequest.FromString(body))
                else:
                    self.send_error(404)
                    return
                received.lock.notify_all()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def wait_for(received: Collector, what: str, found: object, timeout: float = 15.0) -> object:
    """`found()` once an export makes it true; the timeout is a hang guard."""
    with received.lock:
        value = received.lock.wait_for(found, timeout)
    if not value:
        pytest.fail(f"the collector never received {what}")
    return value


def server_span(received: Collector, trace_id: bytes, name: str) -> tuple[dict[str, object], object]:
    def matching() -> list[tuple[dict[str, object], object]]:
        return [(r, s) for r, s in received.spans() if s.trace_id == trace_id and s.name == name]

    spans = wait_for(received, f"a span `{name}` in trace {trace_id.hex()}", matching)
    assert len(spans) == 1, spans
    return spans[0]


def client_span(name: str) -> object:
    """The SDK's span for the request `name` (it names them `MCP send {method} {target}`)."""
    spans = [span for span in CLIENT_SPANS.get_finished_spans() if span.name == f"MCP send {name}"]
    assert spans, [span.name for span in CLIENT_SPANS.get_finished_spans()]
    return spans[-1]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "discover"])
@pytest.mark.parametrize("stateless", ["false", "true"])
async def test_a_client_trace_continues_into_the_server(
    tmp_path_factory: pytest.TempPathFactory, mode: str, stateless: str
) -> None:
    with collector() as (received, port):
        env = {
            "MCP_KIT_REQUIRE_AUTH": "false",
            "MCP_KIT_STATELESS": stateless,
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
            "OTEL_BSP_SCHEDULE_DELAY": "50",
            "OTEL_METRIC_EXPORT_INTERVAL": "100",
        }
        with everything_server(tmp_path_factory, env, label=f"otel-{mode}") as server:
            CLIENT_SPANS.clear()
            async with open_client(server, mode) as client:
                result = await client.call_tool("test_simple_text", {})
                assert not result.is_error
                failed = await client.call_tool("test_error_handling", {})
                assert failed.is_error
                with pytest.raises(mcp.MCPError):
                    await client.call_tool("no_such_tool", {})

            called = client_span("tools/call test_simple_text")
            context = called.get_span_context()
            resource, span = server_span(received, context.trace_id.to_bytes(16, "big"),
                                         "tools/call test_simple_text")
            # The client's span is the server span's parent: one trace across the wire.
            assert span.parent_span_id == context.span_id.to_bytes(8, "big")
            assert span.kind == SERVER_KIND
            assert resource["service.name"] == "everything"
            span_attributes = attributes(span.attributes)
            assert span_attributes["mcp.method.name"] == "tools/call"
            assert span_attributes["gen_ai.tool.name"] == "test_simple_text"
            assert span_attributes["gen_ai.operation.name"] == "execute_tool"
            assert span_attributes["network.transport"] == "tcp"
            assert span_attributes["client.address"] == "127.0.0.1"
            assert span_attributes["jsonrpc.request.id"].isdigit()
            assert "error.type" not in span_attributes

            # A tool's own failure, and a JSON-RPC error, each named as the conventions ask.
            errored = client_span("tools/call test_error_handling").get_span_context()
            _, span = server_span(received, errored.trace_id.to_bytes(16, "big"),
                                  "tools/call test_error_handling")
            assert attributes(span.attributes)["error.type"] == "tool_error"
            assert span.status.code == STATUS_ERROR
            unknown = client_span("tools/call no_such_tool").get_span_context()
            _, span = server_span(received, unknown.trace_id.to_bytes(16, "big"),
                                  "tools/call no_such_tool")
            unknown_attributes = attributes(span.attributes)
            assert unknown_attributes["error.type"] == "-32602", unknown_attributes
            assert unknown_attributes["rpc.response.status_code"] == "-32602"
            assert span.status.code == STATUS_ERROR
            assert "no_such_tool" in span.status.message

            def calls() -> list[object]:
                points = received.histogram_points("mcp.server.operation.duration")
                return [
                    point for point in points
                    if attributes(point.attributes).get("gen_ai.tool.name") == "test_simple_text"
                ]

            point = wait_for(received, "the operation-duration histogram", calls)[-1]
            assert point.count >= 1
            assert 0 < point.sum < 5
            point_attributes = attributes(point.attributes)
            assert point_attributes["mcp.method.name"] == "tools/call"
            assert "error.type" not in point_attributes
            assert received.content_types == {"application/x-protobuf"}


@pytest.mark.anyio
async def test_over_stdio_the_trace_goes_on_too(tmp_path: Path) -> None:
    with collector() as (received, port):
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
            "OTEL_BSP_SCHEDULE_DELAY": "50",
            "OTEL_METRIC_EXPORT_INTERVAL": "100",
        }
        binary = os.environ.get("MCP_KIT_EVERYTHING_BIN", EVERYTHING_BIN)
        params = StdioServerParameters(command=binary, args=["serve", "--stdio"], env=env)
        CLIENT_SPANS.clear()
        async with open_client(params, "legacy", tmp_path / "stderr.log") as client:
            assert not (await client.call_tool("test_simple_text", {})).is_error
        called = client_span("tools/call test_simple_text").get_span_context()
        _, span = server_span(received, called.trace_id.to_bytes(16, "big"),
                              "tools/call test_simple_text")
        assert span.parent_span_id == called.span_id.to_bytes(8, "big")
        span_attributes = attributes(span.attributes)
        assert span_attributes["network.transport"] == "pipe"
        assert "client.address" not in span_attributes


@pytest.mark.anyio
async def test_a_task_goes_on_in_the_trace_of_its_call(tmp_path_factory: pytest.TempPathFactory) -> None:
    with collector() as (received, port):
        env = {
            "MCP_KIT_REQUIRE_AUTH": "false",
            "MCP_KIT_TASKS__DATABASE_URL": "sqlite::memory:",
            "MCP_KIT_TASKS__POLL_INTERVAL_MS": "50",
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
            "OTEL_BSP_SCHEDULE_DELAY": "50",
        }
        workdir = tmp_path_factory.mktemp("otel-tasks-cwd")
        with everything_server(tmp_path_factory, env, label="otel-tasks", cwd=workdir) as server:
            tasks = TasksExtension()
            CLIENT_SPANS.clear()
            async with sdk_client(server, [], tasks) as client:
                result = await client.call_tool("slow_compute", {"seconds": 1, "label": "traced"})
            assert "traced" in result.content[0].text
            assert len(tasks.created) == 1, "the call was answered inline, not as a task"

            called = client_span("tools/call slow_compute").get_span_context()
            trace_id = called.trace_id.to_bytes(16, "big")
            _, call = server_span(received, trace_id, "tools/call slow_compute")
            # The task's span is the call's child, in the client's trace, and names the task.
            _, task = server_span(received, trace_id, "task slow_compute")
            assert task.parent_span_id == call.span_id
            task_attributes = attributes(task.attributes)
            assert task_attributes["mcp.task.id"] == tasks.created[0].task_id
            assert task_attributes["gen_ai.tool.name"] == "slow_compute"


def test_an_unsupported_protocol_stops_the_server_with_its_name() -> None:
    binary = os.environ.get("MCP_KIT_EVERYTHING_BIN", EVERYTHING_BIN)
    env = {
        **os.environ,
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
    }
    finished = subprocess.run([binary, "serve", "--port", "0"], env=env, capture_output=True,
                              timeout=30, stdin=subprocess.DEVNULL)
    assert finished.returncode != 0
    assert b"OTEL_EXPORTER_OTLP_PROTOCOL=grpc: mcp-kit exports OTLP over HTTP only" in finished.stderr
