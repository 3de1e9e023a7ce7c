"""Process lifecycle of `hello serve`: graceful shutdown on SIGTERM, and stateful sessions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from conftest import _SERVER_ENV, _free_port, _read_tail, _stop, _wait_healthy

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}

HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-11-25",
}


def start(hello_bin: str, log: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [hello_bin, "serve", "--port", str(port), *args],
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
            env={**os.environ, **_SERVER_ENV, **(env or {})},
        )
    why = _wait_healthy(process, f"http://127.0.0.1:{port}", log)
    if why is not None:
        _stop(process)
        pytest.fail(f"{Path(hello_bin).name} serve did not start: {why}\n{_read_tail(log)}", pytrace=False)
    return process, port


@pytest.fixture
def server_log(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "hello.log"
    yield path


def events(lines: Iterator[str]) -> Iterator[dict]:
    for line in lines:
        if line.startswith("data:") and line[5:].strip():
            yield json.loads(line[5:])


def test_sigterm_lets_in_flight_calls_finish_and_refuses_new_ones(hello_bin: str, server_log: Path) -> None:
    # The server's own log orders the two events, so a call that ended before the signal fails
    # the test rather than passing it without testing anything.
    process, port = start(hello_bin, server_log, env={"RUST_LOG": "info,mcp_kit::dispatch=debug"})
    url = f"http://127.0.0.1:{port}/mcp"
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "sleep", "arguments": {"ms": 1500}, "_meta": {"progressToken": "p"}},
    }
    try:
        with httpx2.Client(timeout=20) as http, http.stream("POST", url, headers=HEADERS, json=body) as response:
            assert response.status_code == 200
            stream = events(response.iter_lines())
            first = next(stream)
            # The call is running: it has reported its start.
            assert first["method"] == "notifications/progress", first
            process.send_signal(signal.SIGTERM)

            # New connections are refused once the listener has closed.
            for _ in range(200):
                try:
                    httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                except httpx2.TransportError:
                    break
            else:
                pytest.fail("the server still accepted connections after SIGTERM")

            final = [event for event in stream if "id" in event]
            assert final and final[-1]["result"]["content"][0]["text"] == "slept 1500 ms", final
        assert process.wait(timeout=20) == 0, _read_tail(server_log)
        log = server_log.read_text()
        assert "shutting down" in log, log
        assert "tool call finished" in log, log
        assert log.index("shutting down") < log.index("tool call finished"), f"the call ended before the signal:\n{log}"
    finally:
        _stop(process)


def test_stateful_sessions(hello_bin: str, server_log: Path) -> None:
    process, port = start(hello_bin, server_log, env={"MCP_KIT_STATELESS": "false"})
    url = f"http://127.0.0.1:{port}/mcp"
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 2, "b": 3}}}
    try:
        with httpx2.Client(timeout=10) as http:
            response = http.post(url, headers=HEADERS, json=INITIALIZE)
            assert response.status_code == 200
            session = response.headers.get("mcp-session-id")
            assert session, "a stateful server names the session"
            with_session = {**HEADERS, "Mcp-Session-Id": session}
            initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
            assert http.post(url, headers=with_session, json=initialized).status_code == 202

            response = http.post(url, headers=with_session, json=call)
            assert response.status_code == 200
            results = [e for e in events(response.iter_lines()) if e.get("id") == 2]
            assert results[0]["result"]["content"][0]["text"] == "5"

            assert http.post(url, headers=HEADERS, json=call).status_code == 400
            unknown = {**HEADERS, "Mcp-Session-Id": "no-such-session"}
            assert http.post(url, headers=unknown, json=call).status_code == 404
    finally:
        _stop(process)


def test_sessions_are_bounded(hello_bin: str, server_log: Path) -> None:
    process, port = start(hello_bin, server_log, env={"MCP_KIT_STATELESS": "false", "MCP_KIT_MAX_SESSIONS": "2"})
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        with httpx2.Client(timeout=10) as http:
            sessions = [http.post(url, headers=HEADERS, json=INITIALIZE) for _ in range(2)]
            assert all(r.status_code == 200 and r.headers.get("mcp-session-id") for r in sessions)
            refused = http.post(url, headers=HEADERS, json=INITIALIZE)
            assert refused.status_code == 503
            assert "too many open sessions" in refused.json()["error"]["message"]
            # Closing one makes room for another.
            closed = http.delete(url, headers={**HEADERS, "Mcp-Session-Id": sessions[0].headers["mcp-session-id"]})
            assert closed.status_code == 202, closed.text
            assert http.post(url, headers=HEADERS, json=INITIALIZE).status_code == 200
    finally:
        _stop(process)
