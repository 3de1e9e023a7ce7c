"""Integration tests for `examples/hello`, driven by the official MCP Python SDK.

The `client` fixture runs every MCP-level test four times: Streamable HTTP and
stdio, each with the legacy `initialize` handshake (2025-11-25) and with the
stateless `server/discover` protocol (2026-07-28). See conftest.py.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
import select
import socket
import subprocess
import time
from typing import Any

import h11
import httpx2
import pytest
from mcp import Client, MCPError
from mcp.types import CallToolResult, Tool

from conftest import MODERN_VERSION, REQUEST_TIMEOUT_S, HelloServer, open_client, stdio_params

pytestmark = pytest.mark.anyio

EXPECTED_TOOLS = {"add", "echo", "reverse", "stats", "pixel", "divide"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
INVALID_PARAMS = -32602
PARSE_ERROR = -32700
MAX_BODY = 4 * 1024 * 1024


# --------------------------------------------------------------------------- helpers


def texts(result: CallToolResult) -> list[str]:
    return [block.text for block in result.content if block.type == "text"]


def ok_text(result: CallToolResult) -> str:
    """The single text block of a successful result."""
    assert not result.is_error, f"unexpected tool error: {texts(result)}"
    blocks = texts(result)
    assert len(blocks) == 1, f"expected exactly one text block, got {result.content!r}"
    return blocks[0]


def error_text(result: CallToolResult) -> str:
    assert result.is_error is True, f"expected an isError result, got {result!r}"
    joined = "\n".join(texts(result))
    assert joined.strip(), "isError result carries no explanatory text"
    return joined


def names_field(message: str, field: str) -> bool:
    """Whether an error message identifies argument `field` unambiguously.

    A bare word-boundary match would accept any message for `a` (the English
    article), so the field must appear quoted (`a`, 'a', "a"), as a path
    (/a, .a, $.a), as `a:` (serde_path_to_error style), after a noun such as
    "field a" / "argument 'a'", or alone on a line (pydantic style).
    """
    f = re.escape(field)
    patterns = [
        rf"[`'\"]{f}[`'\"]",
        rf"(?:^|[\s(\[])\$?[/.]{f}\b",
        rf"(?:^|\s){f}\s*:",
        rf"\b(?:field|parameter|param|argument|arg|property|key)s?\s*[:=]?\s*[`'\"]?{f}\b",
        rf"(?m)^\s*{f}\s*$",
    ]
    return any(re.search(p, message, re.IGNORECASE if len(field) > 1 else 0) for p in patterns)


async def tools_by_name(client: Client) -> dict[str, Tool]:
    listed = await client.list_tools()
    names = [tool.name for tool in listed.tools]
    assert len(names) == len(set(names)), f"duplicate tool names: {names}"
    assert listed.next_cursor is None, "six tools should fit one page"
    return {tool.name: tool for tool in listed.tools}


def prop_type(schema: dict[str, Any], name: str) -> Any:
    assert schema.get("type") == "object", schema
    props = schema.get("properties") or {}
    assert name in props, f"{name!r} missing from properties {list(props)}"
    return props[name].get("type")


# --------------------------------------------------------------------------- tools/list


async def test_list_tools_names(client: Client) -> None:
    tools = await tools_by_name(client)
    missing = EXPECTED_TOOLS - set(tools)
    assert not missing, f"missing tools: {sorted(missing)} (got {sorted(tools)})"


async def test_add_schema_and_annotations(client: Client) -> None:
    add = (await tools_by_name(client))["add"]
    schema = add.input_schema
    assert prop_type(schema, "a") == "integer"
    assert prop_type(schema, "b") == "integer"
    assert {"a", "b"} <= set(schema.get("required", []))
    assert add.annotations is not None, "add must carry annotations"
    assert add.annotations.read_only_hint is True
    assert add.annotations.idempotent_hint is True


async def test_other_input_schemas(client: Client) -> None:
    tools = await tools_by_name(client)
    assert prop_type(tools["echo"].input_schema, "message") == "string"
    assert "message" in tools["echo"].input_schema.get("required", [])
    assert prop_type(tools["reverse"].input_schema, "text") == "string"
    assert "text" in tools["reverse"].input_schema.get("required", [])
    numbers = tools["stats"].input_schema["properties"]["numbers"]
    assert numbers.get("type") == "array"
    assert numbers.get("items", {}).get("type") == "number"
    for arg in ("a", "b"):
        assert prop_type(tools["divide"].input_schema, arg) == "number"
        assert arg in tools["divide"].input_schema.get("required", [])
    pixel = tools["pixel"].input_schema
    assert pixel.get("type") == "object"
    assert not pixel.get("required"), "pixel takes no arguments"


async def test_stats_output_schema(client: Client) -> None:
    stats = (await tools_by_name(client))["stats"]
    schema = stats.output_schema
    assert schema is not None, "stats must declare an outputSchema"
    assert schema.get("type") == "object"
    assert {"count", "sum", "mean"} <= set(schema.get("properties", {}))


# --------------------------------------------------------------------------- tools/call


async def test_add(client: Client) -> None:
    assert ok_text(await client.call_tool("add", {"a": 2, "b": 3})) == "5"
    assert ok_text(await client.call_tool("add", {"a": -7, "b": 4})) == "-3"


async def test_echo_exact(client: Client) -> None:
    message = '  Hello, wörld!\n\t"quotes" \\ {json} 🦀  '
    assert ok_text(await client.call_tool("echo", {"message": message})) == message


async def test_reverse(client: Client) -> None:
    assert ok_text(await client.call_tool("reverse", {"text": "hello"})) == "olleh"
    # Reversal is by character, not byte: multi-byte UTF-8 must survive.
    assert ok_text(await client.call_tool("reverse", {"text": "añb→c"})) == "c→bña"


async def test_stats_structured(client: Client) -> None:
    # The SDK also validates structuredContent against the listed outputSchema here.
    result = await client.call_tool("stats", {"numbers": [1.5, 2.5, 3, 5]})
    assert not result.is_error, texts(result)
    data = result.structured_content
    assert isinstance(data, dict), f"no structuredContent: {result!r}"
    assert data["count"] == 4
    assert math.isclose(data["sum"], 12.0)
    assert math.isclose(data["mean"], 3.0)


async def test_pixel_png(client: Client) -> None:
    result = await client.call_tool("pixel", {})
    assert not result.is_error, texts(result)
    assert len(result.content) == 1, result.content
    block = result.content[0]
    assert block.type == "image"
    assert block.mime_type == "image/png"
    try:
        raw = base64.b64decode(block.data, validate=True)
    except binascii.Error as exc:
        pytest.fail(f"image data is not strict base64: {exc}")
    assert raw.startswith(PNG_SIGNATURE), raw[:16]
    assert raw[12:16] == b"IHDR", "a PNG starts with its IHDR chunk"


async def test_divide(client: Client) -> None:
    assert float(ok_text(await client.call_tool("divide", {"a": 7, "b": 2}))) == 3.5
    assert float(ok_text(await client.call_tool("divide", {"a": -1, "b": 4}))) == -0.25


async def test_divide_by_zero_is_tool_error(client: Client) -> None:
    result = await client.call_tool("divide", {"a": 1, "b": 0})
    assert "division by zero" in error_text(result).lower()


# --------------------------------------------------------------------------- bad input


async def test_unknown_tool_is_invalid_params(client: Client) -> None:
    with pytest.raises(MCPError) as info:
        await client.call_tool("no_such_tool", {})
    assert info.value.code == INVALID_PARAMS, f"{info.value.code}: {info.value.message}"


async def test_wrong_type_names_field(client: Client) -> None:
    message = error_text(await client.call_tool("add", {"a": "x", "b": 3}))
    assert names_field(message, "a"), message


async def test_missing_argument_names_field(client: Client) -> None:
    message = error_text(await client.call_tool("add", {"a": 2}))
    assert names_field(message, "b"), message


async def test_extra_argument_names_field(client: Client) -> None:
    message = error_text(await client.call_tool("add", {"a": 2, "b": 3, "c": 4}))
    assert names_field(message, "c"), message


async def test_bad_call_does_not_poison_connection(client: Client) -> None:
    with pytest.raises(MCPError):
        await client.call_tool("no_such_tool", {})
    error_text(await client.call_tool("add", {"a": "x", "b": 1}))
    assert ok_text(await client.call_tool("add", {"a": 20, "b": 22})) == "42"


def test_names_field_helper() -> None:
    # The helper must not be satisfied by prose alone.
    assert not names_field("expected a number", "a")
    assert not names_field("invalid type: string, expected i64", "a")
    assert names_field("a: invalid type: string \"x\", expected i64", "a")
    assert names_field("missing field `b`", "b")
    assert names_field("unknown field `c`, expected `a` or `b`", "c")
    assert names_field("Invalid argument 'a': not an integer", "a")
    assert names_field("/a: 'x' is not of type 'integer'", "a")


# --------------------------------------------------------------------------- protocol selection


async def test_pinned_modern_version_without_probe(hello_http: HelloServer) -> None:
    # mode="2026-07-28" adopts the version with no server/discover round trip.
    async with Client(hello_http.mcp_url, mode=MODERN_VERSION, cache=None, read_timeout_seconds=REQUEST_TIMEOUT_S) as c:
        assert c.protocol_version == MODERN_VERSION
        assert ok_text(await c.call_tool("add", {"a": 2, "b": 3})) == "5"


async def test_connections_are_independent(hello_http: HelloServer, mode: str) -> None:
    # Stateless server: two clients at once, interleaved, each sees its own answers.
    async with open_client(hello_http, mode) as first, open_client(hello_http, mode) as second:
        assert ok_text(await first.call_tool("echo", {"message": "one"})) == "one"
        assert ok_text(await second.call_tool("echo", {"message": "two"})) == "two"
        assert ok_text(await first.call_tool("add", {"a": 1, "b": 1})) == "2"


# --------------------------------------------------------------------------- raw HTTP

JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def initialize_body(request_id: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "raw-http-test", "version": "0"},
        },
    }


def modern_call(name: str, arguments: dict[str, Any], request_id: int = 1) -> tuple[dict[str, str], dict[str, Any]]:
    """A self-contained 2026-07-28 tools/call: headers + body."""
    headers = {
        **JSON_HEADERS,
        "MCP-Protocol-Version": MODERN_VERSION,
        "Mcp-Method": "tools/call",
        "Mcp-Name": name,
    }
    body = {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {
            "name": name,
            "arguments": arguments,
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
                "io.modelcontextprotocol/clientInfo": {"name": "raw-http-test", "version": "0"},
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    }
    return headers, body


@pytest.fixture
def http(hello_http: HelloServer) -> httpx2.Client:
    with httpx2.Client(base_url=hello_http.base_url, timeout=REQUEST_TIMEOUT_S) as client:
        yield client


def test_healthz(http: httpx2.Client) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "ok"
    assert isinstance(body["version"], str) and body["version"], body


def test_initialize_is_stateless_json(http: httpx2.Client) -> None:
    response = http.post("/mcp", json=initialize_body(), headers=JSON_HEADERS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    assert "mcp-session-id" not in response.headers, "a stateless server must not mint sessions"
    body = response.json()
    assert body["id"] == 1
    assert body["result"]["protocolVersion"] == "2025-11-25"


def test_malformed_json_is_parse_error(http: httpx2.Client) -> None:
    response = http.post("/mcp", content=b'{"jsonrpc": "2.0", "id": 1, "method": ', headers=JSON_HEADERS)
    # JSON-RPC over HTTP allows 400 or 200 for an error with no request id; this server says 400.
    assert response.status_code == 400, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert body.get("jsonrpc") == "2.0"
    assert body["error"]["code"] == PARSE_ERROR, body
    assert body.get("id") is None, "a parse error cannot echo a request id"
    assert "result" not in body


def test_foreign_host_rejected(http: httpx2.Client) -> None:
    response = http.post("/mcp", json=initialize_body(), headers={**JSON_HEADERS, "Host": "evil.example"})
    # DNS-rebinding protection: the status is the server's choice (the SDK uses 421; this server 403).
    assert response.status_code == 403, (response.status_code, response.text)
    assert "evil.example" in response.json()["error"]["message"]
    assert "result" not in response.text


def test_modern_request_accepted(http: httpx2.Client) -> None:
    headers, body = modern_call("add", {"a": 2, "b": 3})
    response = http.post("/mcp", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    result = response.json()["result"]
    assert result.get("isError") in (None, False)
    assert [c["text"] for c in result["content"] if c["type"] == "text"] == ["5"]


def test_body_just_under_limit_accepted(http: httpx2.Client) -> None:
    headers, body = modern_call("echo", {"message": ""})
    overhead = len(json.dumps(body).encode())
    body["params"]["arguments"]["message"] = "x" * (MAX_BODY - overhead - 1024)
    payload = json.dumps(body).encode()
    assert len(payload) < MAX_BODY
    response = http.post("/mcp", content=payload, headers=headers)
    assert response.status_code == 200, (response.status_code, response.text[:300])
    result = response.json()["result"]
    assert len(result["content"][0]["text"]) == len(body["params"]["arguments"]["message"])


def _raw_post(port: int, path: str, headers: dict[str, str], payload: bytes) -> tuple[int, bytes]:
    """POST with `Expect: 100-continue` over a bare socket, so a server that rejects on
    Content-Length can answer without us pushing megabytes into a closing connection."""
    conn = h11.Connection(h11.CLIENT)
    sock = socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT_S)
    try:
        all_headers = [
            ("Host", f"127.0.0.1:{port}"),
            ("Content-Length", str(len(payload))),
            ("Expect", "100-continue"),
            ("Connection", "close"),
            *headers.items(),
        ]
        sock.sendall(conn.send(h11.Request(method="POST", target=path, headers=all_headers)))

        def next_event(wait: float | None = None) -> Any:
            while True:
                event = conn.next_event()
                if event is not h11.NEED_DATA:
                    return event
                if wait is not None and not select.select([sock], [], [], wait)[0]:
                    return None
                conn.receive_data(sock.recv(65536))

        # RFC 9110 §10.1.1: wait a bounded time for 100 or a final status, then send anyway.
        first = next_event(wait=3.0)
        if first is None or isinstance(first, h11.InformationalResponse):
            try:
                sock.sendall(conn.send(h11.Data(data=payload)) + conn.send(h11.EndOfMessage()))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer and close mid-upload; read what it said
            first = next_event()
            while isinstance(first, h11.InformationalResponse):
                first = next_event()
        assert isinstance(first, h11.Response), first
        body = b""
        while not isinstance(event := next_event(), h11.EndOfMessage):
            if isinstance(event, h11.Data):
                body += event.data
        return first.status_code, body
    finally:
        sock.close()


def test_oversized_body_is_413(hello_http: HelloServer) -> None:
    headers, body = modern_call("echo", {"message": ""})
    overhead = len(json.dumps(body).encode())
    body["params"]["arguments"]["message"] = "x" * (MAX_BODY - overhead + 1024)
    payload = json.dumps(body).encode()
    assert len(payload) > MAX_BODY
    status, response_body = _raw_post(hello_http.port, "/mcp", headers, payload)
    assert status == 413, (status, response_body[:300])


def test_server_survives_raw_abuse(http: httpx2.Client) -> None:
    # Runs after the raw tests in file order; the shared server must still answer.
    assert http.get("/healthz").status_code == 200
    headers, body = modern_call("echo", {"message": "still here"})
    response = http.post("/mcp", json=body, headers=headers)
    assert response.status_code == 200
    assert response.json()["result"]["content"][0]["text"] == "still here"


# --------------------------------------------------------------------------- raw stdio


def test_stdio_stdout_is_protocol_only_and_exits_on_eof(hello_bin: str, stdio_errlog) -> None:
    """stdout carries only JSON-RPC lines; closing stdin ends the server."""
    params = stdio_params(hello_bin)
    with stdio_errlog.open("ab") as errlog:
        process = subprocess.Popen(
            [params.command, *params.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errlog,
            env={**os.environ, **(params.env or {})},
        )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write((json.dumps(initialize_body(7)) + "\n").encode())
        process.stdin.flush()
        deadline = time.monotonic() + REQUEST_TIMEOUT_S
        ready = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))[0]
        assert ready, "no response to initialize on stdout"
        line = process.stdout.readline()
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"first stdout line is not JSON-RPC (logging to stdout?): {line[:200]!r}")
        assert message.get("id") == 7, message
        assert message["result"]["protocolVersion"] == "2025-11-25"
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("server did not exit within 10s of stdin closing")
        rest = process.stdout.read().decode("utf-8", "replace")
        for extra in filter(None, rest.splitlines()):
            json.loads(extra)  # anything else on stdout must be JSON too
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
