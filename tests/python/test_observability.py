"""Logs of `hello serve` as an operator reads them: JSON lines (`log_format = "json"`) whose
spans name the request, the tool and the caller, with each call's outcome and duration, and
never an argument or a token."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2

from conftest import _stop
from test_lifecycle import HEADERS, start

SECRET_ARGUMENT = "do-not-log-this-argument"
TOKEN = "hello-reader-token"


def test_json_logs_carry_spans_but_no_secrets(hello_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "hello.log"
    env = {"MCP_KIT_LOG_FORMAT": "json", "RUST_LOG": "info,mcp_kit=debug", "MCP_KIT_REQUIRE_AUTH": "true"}
    process, port = start(hello_bin, log, env=env)
    try:
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "echo", "arguments": {"message": SECRET_ARGUMENT}}}
        with httpx2.Client(timeout=10) as http:
            response = http.post(f"http://127.0.0.1:{port}/mcp", json=call,
                                 headers={**HEADERS, "Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
    finally:
        _stop(process)

    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines, "no log lines"
    finished = [line for line in lines if line.get("message") == "tool call finished"]
    assert len(finished) == 1, text
    call_line = finished[0]
    assert call_line["outcome"] == "ok"
    assert isinstance(call_line["micros"], int)
    assert call_line["tool"] == "echo"
    # The request's span, as OpenTelemetry's conventions for MCP name its fields.
    span = call_line["span"]
    assert span["name"] == "operation"
    assert span["otel.name"] == "tools/call echo"
    assert span["mcp.method.name"] == "tools/call"
    assert span["gen_ai.tool.name"] == "echo"
    assert span["jsonrpc.request.id"] == "1"
    assert span["client.address"] == "127.0.0.1"
    assert {"name": "mcp_request", "method": "POST", "subject": "reader"} in call_line["spans"]
    answered = [line for line in lines if line.get("message") == "request answered"]
    assert answered and answered[0]["status"] == 200
    assert SECRET_ARGUMENT not in text and TOKEN not in text
