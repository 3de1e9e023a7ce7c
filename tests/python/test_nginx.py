"""Two `hello` replicas behind nginx, configured with deploy/nginx/mcp-kit-proxy.conf as
shipped: the official Python SDK lists and calls tools through it, a streamed call's progress
notifications arrive before its result, and both replicas serve requests."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx2
import pytest

from conftest import REQUEST_TIMEOUT_S, SDK_MODES, _SERVER_ENV, _free_port, _read_tail, _stop, _wait_healthy, check_negotiated
from mcp import Client

pytestmark = pytest.mark.anyio

PROXY_SNIPPET = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "mcp-kit-proxy.conf"


def _nginx_conf(root: Path, port: int, replicas: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in replicas)
    temp = "\n".join(f"    {kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format upstreams '$request_method $status $upstream_addr';
    access_log {root}/access.log upstreams;
{temp}
    upstream mcp_kit {{
{servers}
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        include {PROXY_SNIPPET};
    }}
}}
"""


@pytest.fixture(scope="module")
def behind_nginx(hello_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        pytest.fail("nginx is not installed (Debian package `nginx`; scripts/test installs it)", pytrace=False)
    root = tmp_path_factory.mktemp("nginx")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        ports = []
        for n in range(2):
            port = _free_port()
            log = root / f"replica-{n}.log"
            with log.open("wb") as stderr:
                process = subprocess.Popen(
                    [hello_bin, "serve", "--host", "127.0.0.1", "--port", str(port)],
                    stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr, env={**os.environ, **_SERVER_ENV},
                )
            processes.append(process)
            why = _wait_healthy(process, f"http://127.0.0.1:{port}", log)
            assert why is None, f"replica {n}: {why}\n{_read_tail(log)}"
            ports.append(port)
        port = _free_port()
        conf = root / "nginx.conf"
        conf.write_text(_nginx_conf(root, port, ports))
        nginx_process = subprocess.Popen([nginx, "-p", str(root), "-c", str(conf)], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        processes.append(nginx_process)
        why = _wait_healthy(nginx_process, f"http://127.0.0.1:{port}", root / "error.log")
        assert why is None, f"nginx: {why}\n{_read_tail(root / 'error.log')}"
        yield f"http://127.0.0.1:{port}/mcp", root / "access.log"
    finally:
        for process in processes:
            _stop(process)


@pytest.mark.parametrize("mode", ["legacy", "discover"])
async def test_the_sdk_works_through_nginx(behind_nginx: tuple[str, Path], mode: str) -> None:
    url, _ = behind_nginx
    async with Client(url, mode=SDK_MODES[mode], cache=None, read_timeout_seconds=REQUEST_TIMEOUT_S) as client:
        check_negotiated(client, mode)
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"add", "count", "echo"} <= names
        result = await client.call_tool("add", {"a": 20, "b": 22})
        assert result.content[0].text == "42"


async def test_progress_streams_through_nginx(behind_nginx: tuple[str, Path]) -> None:
    url, _ = behind_nginx
    events: list[tuple[str, float]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        events.append(("progress", progress))

    async with Client(url, mode="legacy", cache=None, read_timeout_seconds=REQUEST_TIMEOUT_S) as client:
        result = await client.call_tool("count", {"to": 5}, progress_callback=on_progress)
        events.append(("result", 0))
    assert result.content[0].text == "counted to 5"
    assert events == [("progress", n) for n in (1, 2, 3, 4, 5)] + [("result", 0)]


async def test_progress_arrives_while_the_call_runs(behind_nginx: tuple[str, Path]) -> None:
    """The "started" notification reaches the client while the ten-second call still runs,
    not with its result."""
    url, _ = behind_nginx
    started = anyio.Event()
    finished = False

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        if message == "started":
            started.set()

    async def call(client: Client) -> None:
        nonlocal finished
        await client.call_tool("sleep", {"ms": 10_000}, progress_callback=on_progress)
        finished = True

    async with Client(url, mode="legacy", cache=None, read_timeout_seconds=REQUEST_TIMEOUT_S) as client:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(call, client)
            with anyio.fail_after(REQUEST_TIMEOUT_S):
                await started.wait()
            assert not finished, "the first progress notification came with the result"
            tasks.cancel_scope.cancel()


def test_both_replicas_serve(behind_nginx: tuple[str, Path]) -> None:
    url, access_log = behind_nginx
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"message": "hi"}}}
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
    with httpx2.Client(timeout=REQUEST_TIMEOUT_S) as http:
        for _ in range(6):
            response = http.post(url, json=body, headers=headers)
            assert response.status_code == 200, response.text
    deadline = time.monotonic() + 5  # nginx writes its access log after answering
    while time.monotonic() < deadline:
        upstreams = {line.split()[-1] for line in access_log.read_text().splitlines() if line.startswith("POST 200")}
        if len(upstreams) >= 2:
            break
        time.sleep(0.05)
    assert len(upstreams) == 2, f"one replica did all the work: {upstreams}"
