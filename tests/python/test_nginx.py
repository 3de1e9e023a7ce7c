"""Two `hello` replicas behind nginx, configured with deploy/nginx/mcp-kit-proxy.conf as
shipped: the official Python SDK lists and calls tools through it, a streamed call's progress
notifications arrive before its result, and both replicas serve requests. The whole site,
deploy/nginx/mcp-kit.conf, passes `nginx -t` on the nginx installed here (Debian's)."""

from __future__ import annotations

import os
import re
import shutil
import socket
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
SITE = PROXY_SNIPPET.with_name("mcp-kit.conf")


def _nginx() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        pytest.fail("nginx is not installed (Debian package `nginx`; scripts/test installs it)", pytrace=False)
    return nginx


def _temp_paths(root: Path) -> str:
    """Temporary directories under `root`, not the packaged /var/lib/nginx."""
    return "\n".join(f"    {kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))


def _nginx_conf(root: Path, port: int, replicas: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in replicas)
    temp = _temp_paths(root)
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
    nginx = _nginx()
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


def _self_signed_certificate(root: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for mcp.example.com, valid for a day."""
    cert, key = root / "fullchain.pem", root / "privkey.pem"
    openssl = shutil.which("openssl")
    if openssl:
        made = subprocess.run(
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=mcp.example.com", "-days", "1",
             "-keyout", str(key), "-out", str(cert)],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
        )
        assert made.returncode == 0, f"openssl req failed:\n{made.stderr}"
        return cert, key
    # No openssl CLI: `cryptography` (in requirements.txt) makes the same certificate.
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mcp.example.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert, key


def _ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::", 0))
        return True
    except OSError:
        return False


def _site_copy(root: Path) -> Path:
    """mcp-kit.conf with the throwaway certificate, the repository's proxy snippet, and
    unprivileged ports; everything else as shipped."""
    site = SITE.read_text()

    def replace(old: str, new: str) -> None:
        nonlocal site
        assert site.count(old) == 1, f"{SITE.name} no longer has exactly one {old!r}: update this test"
        site = site.replace(old, new)

    cert, key = _self_signed_certificate(root)
    replace("/etc/letsencrypt/live/mcp.example.com/fullchain.pem", str(cert))
    replace("/etc/letsencrypt/live/mcp.example.com/privkey.pem", str(key))
    replace("/etc/nginx/snippets/mcp-kit-proxy.conf", str(PROXY_SNIPPET))
    # `nginx -t` binds every listen address (it tolerates only "address in use"), so as a user
    # other than root ports 80 and 443 fail with "Permission denied": use free high ports.
    http = _free_port()
    https = _free_port()
    while https == http:
        https = _free_port()
    ports = {"80": str(http), "443": str(https)}
    listens = len(re.findall(r"(?m)^\s*listen\s", site))
    site, rewritten = re.subn(r"(?m)^(\s*listen\s+(?:\[::\]:)?)(80|443)\b", lambda m: m[1] + ports[m[2]], site)
    assert rewritten == listens, f"{SITE.name} listens on a port other than 80 and 443: update this test"
    if not _ipv6():
        # A host without IPv6 cannot bind [::]; the IPv6 lines mirror the IPv4 ones.
        site = re.sub(r"(?m)^\s*listen\s+\[::\]:.*\n", "", site)
    copy = root / "sites-enabled" / SITE.name
    copy.parent.mkdir()
    copy.write_text(site)
    return copy


def test_the_site_passes_nginx_config_test(tmp_path: Path) -> None:
    """`nginx -t` on the whole site, with the nginx installed here: Debian's, older than the
    1.25.1 that brought `http2 on;`."""
    nginx = _nginx()
    site = _site_copy(tmp_path)
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log {tmp_path}/access.log;
{_temp_paths(tmp_path)}
    include {site};
}}
""")
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
    assert checked.returncode == 0, f"nginx -t failed on {SITE.name} ({version}):\n{checked.stderr}"
