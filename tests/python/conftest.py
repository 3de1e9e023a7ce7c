"""Fixtures that drive `examples/hello` with the official MCP Python SDK (mcp 2.3.x), and
`everything_server`, which starts `examples/everything` for the modules that test it.

What mcp 2.3.0 actually looks like (read from site-packages/mcp, mcp_types):

* Entry point is `mcp.Client` (mcp/client/client.py:267), a dataclass used as
  `async with Client(server, mode=...) as client`. `server` may be a URL str
  (-> `streamable_http_client(url)`), a `StdioServerParameters` (-> `stdio_client`)
  or any `Transport` (an async CM yielding (read, write)); dispatch at
  client.py:398-403.
* Streamable HTTP: `mcp.client.streamable_http.streamable_http_client(url, *,
  http_client=None, terminate_on_close=True, ...)` (streamable_http.py:713).
  The old `streamablehttp_client` name is gone, and so is `httpx`: the SDK
  depends on the `httpx2` fork, which is what these tests use for raw HTTP.
* Protocol switch = `Client(..., mode=...)` (client.py:335, applied at
  client.py:462-467, validated at client.py:381):
    - `mode="legacy"`     -> `ClientSession.initialize()` (session.py:651): the
      `initialize` handshake offering LATEST_HANDSHAKE_VERSION = "2025-11-25"
      (mcp_types/version.py:53), then `notifications/initialized`.
    - `mode="auto"` (the DEFAULT) -> `negotiate_auto` (client/_probe.py:52): sends
      `server/discover` at "2026-07-28" (session.py:722) and adopts it; on ANY
      JSON-RPC error, an HTTP 4xx, or a DiscoverResult that fails validation it
      silently falls back to `initialize`. So "auto" alone proves nothing:
      `open_client` asserts the negotiated version afterwards.
    - `mode="2026-07-28"` (any of MODERN_PROTOCOL_VERSIONS, version.py:41) ->
      adopts that version with NO wire probe (a synthesized DiscoverResult).
      Handshake-era strings like "2025-11-25" are rejected: use "legacy".
* At 2026-07-28 the client validates every result against that revision's wire
  schema (session.py:586-592): results need `resultType`, and tools/list and
  server/discover results also need `ttlMs` and `cacheScope`. Each request
  carries `_meta` io.modelcontextprotocol/{protocolVersion,clientInfo,
  clientCapabilities} plus `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`
  headers (session.py:153-190).
* JSON-RPC errors raise `mcp.MCPError` (mcp/shared/exceptions.py:19; `.code`);
  `McpError` no longer exists. A non-error `CallToolResult` is re-validated
  against the tool's outputSchema, listing tools first if needed
  (session.py:1101, 1118).
* stdio: `StdioServerParameters(command, args, env, cwd)` (stdio.py:94);
  `env` is MERGED over a small safe default set (HOME, PATH, ...,
  stdio.py:76), not over os.environ. `stdio_client(params, errlog=sys.stderr)`
  (stdio.py:115) spawns in a new session (stdio.py:348) and passes `errlog` as
  the child's stderr, so it must be a real file. Shutdown closes stdin, waits
  2 s, then SIGTERM/SIGKILLs the tree. `Client(StdioServerParameters)` cannot
  take `errlog`, hence `Client(stdio_client(params, errlog=f))` below.
* Async tests use anyio's pytest plugin (ships with anyio, which mcp requires),
  as the SDK's own test-suite does: `@pytest.mark.anyio` + `anyio_backend`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

DEFAULT_BIN = str(Path(__file__).resolve().parents[2] / "target" / "debug" / "hello")
EVERYTHING_BIN = str(Path(__file__).resolve().parents[2] / "target" / "debug" / "everything")
STARTUP_TIMEOUT_S = float(os.environ.get("MCP_KIT_STARTUP_TIMEOUT", "30"))
REQUEST_TIMEOUT_S = float(os.environ.get("MCP_KIT_REQUEST_TIMEOUT", "30"))

LEGACY_VERSION = "2025-11-25"
MODERN_VERSION = "2026-07-28"

# Test-level protocol mode -> the SDK's `Client(mode=...)` value.
#   "legacy":   initialize handshake (2025-11-25)
#   "discover": server/discover probe, must end up on 2026-07-28 (checked)
SDK_MODES = {"legacy": "legacy", "discover": "auto"}
CLIENT_PARAMS = ["http-legacy", "http-discover", "stdio-legacy", "stdio-discover"]

_SERVER_ENV = {"MCP_KIT_REQUIRE_AUTH": "false", "RUST_BACKTRACE": "1"}


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


# --------------------------------------------------------------------------- binary


@pytest.fixture(scope="session")
def hello_bin() -> str:
    path = os.environ.get("MCP_KIT_HELLO_BIN", DEFAULT_BIN)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(
            f"hello server binary not found or not executable: {path!r}. "
            "Build it (cargo build -p hello) or point MCP_KIT_HELLO_BIN at it.",
            pytrace=False,
        )
    return path


# --------------------------------------------------------------------------- stderr capture


def _attach_log(node: pytest.Item, label: str, path: Path) -> None:
    """Show `path`'s output written during this test if the test fails."""
    offset = path.stat().st_size if path.exists() else 0
    logs = node.__dict__.setdefault("_hello_logs", [])
    logs.append((label, path, offset))


def _read_tail(path: Path, offset: int = 0, limit: int = 8000) -> str:
    try:
        with path.open("rb") as f:
            f.seek(offset)
            data = f.read()
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    text = data.decode("utf-8", "replace")
    return text if len(text) <= limit else "...\n" + text[-limit:]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # noqa: ARG001
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for label, path, offset in item.__dict__.get("_hello_logs", []):
            report.sections.append((f"hello stderr ({label}, {report.when})", _read_tail(path, offset) or "<empty>"))


# --------------------------------------------------------------------------- HTTP server


@dataclass
class HelloServer:
    port: int
    process: subprocess.Popen[bytes]
    stderr_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    def stderr_tail(self) -> str:
        return _read_tail(self.stderr_path)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, stderr_path: Path) -> str | None:
    """Poll /healthz until 200 or the deadline. Returns None when ready, else why not."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error = "no attempt made"
    with httpx2.Client(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return f"exited with code {process.returncode} before becoming healthy"
            try:
                response = http.get(f"{base_url}/healthz")
                if response.status_code == 200:
                    return None
                last_error = f"/healthz answered {response.status_code}: {response.text[:200]!r}"
            except httpx2.TransportError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            time.sleep(0.05)  # poll interval between readiness checks, not a startup guess
    return f"not healthy within {STARTUP_TIMEOUT_S}s (last: {last_error})"


@pytest.fixture(scope="session")
def http_server(hello_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    """One `hello serve` for the whole session, on a free loopback port."""
    log_dir = tmp_path_factory.mktemp("hello-http")
    failures: list[str] = []
    for attempt in range(3):  # the free port can be taken between probe and bind
        port = _free_port()
        stderr_path = log_dir / f"stderr-{attempt}.log"
        with stderr_path.open("wb") as stderr_file:
            process = subprocess.Popen(
                [hello_bin, "serve", "--host", "127.0.0.1", "--port", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=stderr_file,  # stdout is not the protocol channel here; keep it with the logs
                stderr=stderr_file,
                env={**os.environ, **_SERVER_ENV},
            )
        why = _wait_healthy(process, f"http://127.0.0.1:{port}", stderr_path)
        if why is None:
            server = HelloServer(port=port, process=process, stderr_path=stderr_path)
            try:
                yield server
            finally:
                _stop(process)
            return
        _stop(process)
        failures.append(f"attempt {attempt + 1} (port {port}): {why}\n{_read_tail(stderr_path, limit=3000)}")
        if process.returncode is None or process.returncode == 0:
            break  # not an early exit (e.g. bind failure): retrying will not help
    pytest.fail("hello serve did not start:\n" + "\n".join(failures), pytrace=False)


@contextmanager
def everything_server(
    tmp_path_factory: pytest.TempPathFactory,
    env: dict[str, str],
    *,
    label: str = "everything",
    cwd: Path | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[HelloServer]:
    """`examples/everything serve` on a free loopback port, stopped on exit.

    The binary is `MCP_KIT_EVERYTHING_BIN`, else `EVERYTHING_BIN`. The child gets os.environ
    overlaid with exactly `env` (nothing else is added) and runs in `cwd` (None: this
    process's working directory, where a ./mcp-kit.toml would be read), with `args` after
    `serve` (e.g. `--config FILE`). Its stdout and
    stderr go to `stderr.log` in a fresh temporary directory named after `label`. Fails the
    test (no retry) if the binary is missing or the server does not become healthy.
    """
    binary = os.environ.get("MCP_KIT_EVERYTHING_BIN", EVERYTHING_BIN)
    if not os.access(binary, os.X_OK):
        pytest.fail(f"everything binary not found: {binary!r} (cargo build -p everything)", pytrace=False)
    stderr_path = tmp_path_factory.mktemp(label) / "stderr.log"
    port = _free_port()
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [binary, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
            cwd=cwd,
            env={**os.environ, **env},
        )
    why = _wait_healthy(process, f"http://127.0.0.1:{port}", stderr_path)
    if why is not None:
        _stop(process)
        pytest.fail(f"everything did not start: {why}\n{_read_tail(stderr_path)}", pytrace=False)
    try:
        yield HelloServer(port=port, process=process, stderr_path=stderr_path)
    finally:
        _stop(process)


@pytest.fixture
def hello_http(http_server: HelloServer, request: pytest.FixtureRequest) -> HelloServer:
    """`http_server`, with its stderr attached to this test's failure report."""
    if http_server.process.poll() is not None:
        pytest.fail(
            f"hello serve (shared by the session) has exited with code {http_server.process.returncode}:\n"
            + http_server.stderr_tail(),
            pytrace=False,
        )
    _attach_log(request.node, "http", http_server.stderr_path)
    return http_server


# --------------------------------------------------------------------------- MCP clients


def check_negotiated(client: Client, mode: str) -> None:
    """Fail if the SDK ended up on a different protocol than the one requested."""
    session = client.session
    if mode == "legacy":
        assert session.initialize_result is not None, "legacy mode did not run initialize"
        assert client.protocol_version == LEGACY_VERSION, client.protocol_version
    elif mode == "discover":
        # mode="auto" falls back to initialize silently (client/_probe.py); refuse that.
        assert session.discover_result is not None, (
            "server/discover was not adopted; the SDK fell back to the initialize handshake"
        )
        assert session.initialize_result is None
        assert client.protocol_version == MODERN_VERSION, client.protocol_version
        assert MODERN_VERSION in session.discover_result.supported_versions
    else:  # pragma: no cover - programming error in the tests
        raise ValueError(mode)


@asynccontextmanager
async def connect_with_token(port: int, token: str, mode: str) -> AsyncIterator[Client]:
    """Connect over HTTP to 127.0.0.1:`port` with `Authorization: Bearer token`."""
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http:
        transport = streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)
        async with Client(transport, mode=SDK_MODES[mode], cache=None) as client:
            check_negotiated(client, mode)
            yield client


@asynccontextmanager
async def open_client(target: str | HelloServer | StdioServerParameters, mode: str, errlog_path: Path | None = None) -> AsyncIterator[Client]:
    """Connect with the SDK in test-mode `mode` ("legacy" | "discover") and verify the negotiation."""
    kwargs = {"mode": SDK_MODES[mode], "cache": None, "read_timeout_seconds": REQUEST_TIMEOUT_S}
    if isinstance(target, StdioServerParameters):
        assert errlog_path is not None
        with errlog_path.open("a") as errlog:
            async with Client(stdio_client(target, errlog=errlog), **kwargs) as client:
                check_negotiated(client, mode)
                yield client
    else:
        url = target.mcp_url if isinstance(target, HelloServer) else target
        async with Client(url, **kwargs) as client:
            check_negotiated(client, mode)
            yield client


def stdio_params(hello_bin: str) -> StdioServerParameters:
    # The SDK does not inherit os.environ (only HOME, PATH, ...): pass our knobs through.
    passthrough = {k: v for k, v in os.environ.items() if k.startswith(("MCP_KIT_", "RUST_"))}
    return StdioServerParameters(command=hello_bin, args=["serve", "--stdio"], env={**passthrough, **_SERVER_ENV})


@pytest.fixture
def stdio_errlog(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    path = tmp_path / "hello-stdio-stderr.log"
    path.touch()
    _attach_log(request.node, "stdio", path)
    return path


@pytest.fixture(params=CLIENT_PARAMS)
async def client(request: pytest.FixtureRequest, hello_bin: str, tmp_path: Path) -> AsyncIterator[Client]:
    """An SDK client connected to hello, over each transport x protocol-mode combination."""
    transport, mode = request.param.split("-", 1)
    if transport == "http":
        server: HelloServer = request.getfixturevalue("hello_http")
        async with open_client(server, mode) as c:
            yield c
    else:
        errlog: Path = request.getfixturevalue("stdio_errlog")
        async with open_client(stdio_params(hello_bin), mode, errlog) as c:
            yield c


@pytest.fixture(params=["legacy", "discover"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param
