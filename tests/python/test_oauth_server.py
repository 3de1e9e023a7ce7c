"""The built-in OAuth 2.1 authorization server (feature `oauth-server`) of `examples/connector`,
as a person and the official MCP Python SDK meet it: the SDK registers itself (RFC 7591),
a person signs in and allows it in headless Chromium, and the token it gets works on /mcp;
the "MCP connector" settings page; the `oauth-client` command line.

What the SDK (mcp 2.3.0, mcp/client/auth/oauth2.py and utils.py) does, and so what the
server must do for the first test to pass:

* The first MCP request goes out without a token; on the 401 it reads `resource_metadata`
  and `scope` from WWW-Authenticate, fetches the protected resource metadata (that URL, then
  /.well-known/oauth-protected-resource/mcp, then the root one) and takes
  `authorization_servers[0]` as the issuer. Its `resource` must be the /mcp URL or a parent.
* It fetches /.well-known/oauth-authorization-server (then openid-configuration) and
  requires `issuer` to equal that `authorization_servers[0]` string exactly (the trailing
  slash matters). `authorization_endpoint`, `token_endpoint` are required fields and
  `registration_endpoint` must be given: without it the SDK posts to /register, not
  /oauth/register. `code_challenge_methods_supported` is not read.
* The requested scope is the challenge's `scope`, else the metadata's `scopes_supported`;
  the `scope` of the client metadata below is overwritten by it before registration
  (`offline_access` is appended when the AS lists it).
* Registration: JSON {redirect_uris, token_endpoint_auth_method: "none", grant_types,
  response_types: ["code"], application_type: "native", scope, client_name}; 200/201 with
  a `client_id`; `token_endpoint_auth_method` in the answer must be absent, "none",
  or client_secret_* together with a `client_secret`.
* Authorization URL: response_type, client_id, redirect_uri, state, code_challenge,
  code_challenge_method=S256, resource (the /mcp URL), scope. The callback's `state` must
  match; `iss`, when present, must equal the metadata's `issuer` (it is required only when
  the metadata says `authorization_response_iss_parameter_supported: true`).
* Token request, form-encoded: grant_type, code, redirect_uri, client_id, code_verifier,
  resource; no client authentication. The answer: access_token, token_type "Bearer" (any
  case), optional expires_in, scope, refresh_token.

Chromium is Debian's (/usr/bin/chromium, or MCP_KIT_CHROMIUM), driven by Playwright; the
screenshots land in tests/python/artifacts/ (or MCP_KIT_ARTIFACTS).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from conftest import REQUEST_TIMEOUT_S, _attach_log, _free_port, _read_tail, _stop, _wait_healthy

HERE = Path(__file__).resolve().parent
DEFAULT_BIN = str(HERE.parents[1] / "target" / "debug" / "connector")
CHROMIUM = os.environ.get("MCP_KIT_CHROMIUM", "/usr/bin/chromium")
# The network is closed: without the background-networking flags Chromium keeps trying
# (and failing) to reach Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Hang guards only: every wait below is for an event (a URL, an element, a value). Generous,
# as a debug build hashes passwords (argon2) slowly.
UI_TIMEOUT_MS = float(os.environ.get("MCP_KIT_UI_TIMEOUT", "60")) * 1000
CLI_TIMEOUT_S = float(os.environ.get("MCP_KIT_CLI_TIMEOUT", "120"))

ALICE, ALICE_PASSWORD = "alice", "alice-correct-horse-battery"
BOB, BOB_PASSWORD = "bob", "bob-correct-horse-battery"
SETTINGS_PERMISSION = "mcp.change_connector_settings"
CLIENT_NAME = "mcp-kit e2e client"
CLAUDE_CALLBACK = "https://claude.ai/api/mcp/auth_callback"

_NO_CHROMIUM = f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set MCP_KIT_CHROMIUM)"
if not os.access(CHROMIUM, os.X_OK) and os.environ.get("CI"):
    # A skipped browser test would let CI pass without the flow it exists to check.
    pytest.fail(f"{_NO_CHROMIUM}: CI runs the browser tests", pytrace=False)

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=_NO_CHROMIUM),
]

expect.set_options(timeout=UI_TIMEOUT_MS)


def artifacts_dir() -> Path:
    path = Path(os.environ.get("MCP_KIT_ARTIFACTS") or HERE / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- the server


@dataclass
class Connector:
    binary: str
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        return run_cli(self.binary, self.env, *args, stdin=stdin)


def run_cli(binary: str, env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """`connector ARGS...` with the server's settings; its stdout. Fails the test on a non-zero exit."""
    done = subprocess.run(
        [binary, *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env,
        timeout=CLI_TIMEOUT_S,
    )
    assert done.returncode == 0, (
        f"connector {' '.join(args)} exited with {done.returncode}\n"
        f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    )
    return done.stdout


def connector_env(port: int, workdir: Path) -> dict[str, str]:
    base = f"http://127.0.0.1:{port}"
    return {
        **os.environ,
        "RUST_BACKTRACE": "1",
        "MCP_KIT_PORT": str(port),
        "MCP_KIT_RESOURCE_SERVER_URL": f"{base}/mcp",
        "MCP_KIT_OAUTH_ISSUER_URL": base,
        "MCP_KIT_OAUTH_SERVER__ENABLED": "true",
        "MCP_KIT_OAUTH_SERVER__DATABASE_URL": f"sqlite://{workdir / 'oauth.db'}?mode=rwc",
        "MCP_KIT_OAUTH_SERVER__DYNAMIC_REGISTRATION": "true",
        "MCP_KIT_AUTH_BACKENDS": '["oauth_server"]',
        "MCP_KIT_REQUIRE_AUTH": "true",
    }


@pytest.fixture(scope="module")
def connector_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connector]:
    """`connector serve` over a fresh SQLite database that has two users: alice, who may change
    the connector's settings, and bob, who may not."""
    binary = os.environ.get("MCP_KIT_CONNECTOR_BIN", DEFAULT_BIN)
    if not os.access(binary, os.X_OK):
        pytest.fail(f"connector binary not found: {binary!r} (cargo build -p connector)", pytrace=False)
    workdir = tmp_path_factory.mktemp("connector")

    env = connector_env(_free_port(), workdir)
    run_cli(binary, env, "user", "create", ALICE, "--permission", SETTINGS_PERMISSION, stdin=f"{ALICE_PASSWORD}\n")
    run_cli(binary, env, "user", "create", BOB, stdin=f"{BOB_PASSWORD}\n")

    failures: list[str] = []
    for attempt in range(3):  # the free port can be taken between probe and bind
        port = _free_port() if attempt else int(env["MCP_KIT_PORT"])
        env = connector_env(port, workdir)
        log = workdir / f"connector-{attempt}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([binary, "serve"], stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env)
        why = _wait_healthy(process, f"http://127.0.0.1:{port}", log)
        if why is None:
            try:
                yield Connector(binary=binary, port=port, env=env, process=process, log=log)
            finally:
                _stop(process)
            return
        _stop(process)
        failures.append(f"attempt {attempt + 1} (port {port}): {why}\n{_read_tail(log, limit=3000)}")
        if process.returncode is None or process.returncode == 0:
            break  # not an early exit (e.g. bind failure): retrying will not help
    pytest.fail("connector serve did not start:\n" + "\n".join(failures), pytrace=False)


@pytest.fixture
def connector(connector_server: Connector, request: pytest.FixtureRequest) -> Connector:
    """`connector_server`, with its log attached to this test's failure report."""
    if connector_server.process.poll() is not None:
        pytest.fail(
            f"connector serve has exited with code {connector_server.process.returncode}:\n"
            + _read_tail(connector_server.log),
            pytrace=False,
        )
    _attach_log(request.node, "connector", connector_server.log)
    return connector_server


# --------------------------------------------------------------------------- the browser


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@asynccontextmanager
async def new_context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile: no cookies, so no login."""
    context = await browser.new_context()
    context.set_default_timeout(UI_TIMEOUT_MS)
    try:
        yield context
    finally:
        await context.close()


async def wait_for_path(page: Page, path: str) -> None:
    """Wait until `page` has loaded a URL whose path is `path`; on a hang guard, say where it is."""
    try:
        await page.wait_for_url(lambda url: urlparse(url).path == path)
    except PlaywrightTimeout:
        text = await page.locator("body").inner_text() if await page.locator("body").count() else ""
        raise AssertionError(f"expected a page at {path}, still at {page.url}:\n{text[:2000]}") from None


async def sign_in(page: Page, username: str, password: str) -> None:
    """Fill in and submit the login page `page` shows."""
    await wait_for_path(page, "/oauth/login")
    await expect(page.locator("input#password[type=password]")).to_be_visible()
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(password)
    await page.get_by_role("button", name="Sign in", exact=True).click()


def pkce_challenge() -> str:
    verifier = secrets.token_urlsafe(48)
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


# --------------------------------------------------------------------------- the OAuth client


@dataclass
class MemoryStorage:
    """The SDK's `TokenStorage` protocol, kept in memory."""

    tokens: OAuthToken | None = None
    client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


@dataclass
class CallbackServer:
    """The client's loopback redirect target (RFC 8252 §7.3): records what reaches /callback."""

    port: int
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"


@contextmanager
def callback_server() -> Iterator[CallbackServer]:
    holder: list[CallbackServer] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if urlparse(self.path).path == "/callback":
                holder[0].requests.append(self.path)
                body, status = b"<!doctype html><title>Done</title><p>Authorized. You may close this window.", 200
            else:  # /favicon.ico and the like
                body, status = b"not found", 404
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # port 0: no race for a free port
    holder.append(CallbackServer(port=httpd.server_address[1]))
    thread = threading.Thread(target=httpd.serve_forever, name="oauth-callback", daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- tests


async def test_a_user_connects_a_client_through_login_and_consent(connector: Connector, browser: Browser) -> None:
    # The SDK compares these strings exactly: a trailing slash on one side fails the flow.
    async with httpx2.AsyncClient(base_url=connector.base_url, timeout=REQUEST_TIMEOUT_S) as http:
        resource = (await http.get("/.well-known/oauth-protected-resource/mcp")).json()
        metadata = (await http.get("/.well-known/oauth-authorization-server")).json()
    assert resource["resource"] == connector.mcp_url, resource
    assert resource["authorization_servers"] == [connector.issuer], resource
    assert metadata["issuer"] == connector.issuer, metadata
    assert metadata["registration_endpoint"] == f"{connector.issuer}/oauth/register", metadata

    storage = MemoryStorage()
    authorization_urls: list[str] = []
    callback_urls: list[str] = []

    with callback_server() as callback:
        async with new_context(browser) as context:

            async def redirect_handler(authorization_url: str) -> None:
                """What a person does with the URL the client opens: sign in, read, allow."""
                authorization_urls.append(authorization_url)
                page = await context.new_page()
                await page.goto(authorization_url)
                # Not signed in: the server sends the browser to its login page first.
                await sign_in(page, ALICE, ALICE_PASSWORD)

                # ... and back to /oauth/authorize, which now asks for consent.
                await wait_for_path(page, "/oauth/authorize")
                allow = page.get_by_role("button", name="Allow", exact=True)
                await expect(allow).to_be_visible()
                await expect(page.get_by_role("button", name="Deny", exact=True)).to_be_visible()
                await expect(page.locator("body")).to_contain_text(CLIENT_NAME)
                await expect(page.locator("li").get_by_text("mcp", exact=True)).to_be_visible()
                await expect(page.locator("body")).to_contain_text("127.0.0.1")  # where the browser goes next
                await page.screenshot(path=str(artifacts_dir() / "consent.png"), full_page=True)

                await allow.click()
                await page.wait_for_url(lambda url: url.startswith(callback.url + "?"))
                callback_urls.append(page.url)
                await page.close()

            async def callback_handler() -> AuthorizationCodeResult:
                assert callback_urls, "the browser never reached the callback"
                query = parse_qs(urlparse(callback_urls[-1]).query)
                assert "code" in query, f"the authorization response carried no code: {callback_urls[-1]}"
                return AuthorizationCodeResult(
                    code=query["code"][0],
                    state=query.get("state", [None])[0],
                    iss=query.get("iss", [None])[0],
                )

            provider = OAuthClientProvider(
                server_url=connector.mcp_url,
                client_metadata=OAuthClientMetadata(
                    client_name=CLIENT_NAME,
                    redirect_uris=[callback.url],
                    grant_types=["authorization_code", "refresh_token"],
                    response_types=["code"],
                    token_endpoint_auth_method="none",
                    scope="mcp",
                ),
                storage=storage,
                redirect_handler=redirect_handler,
                callback_handler=callback_handler,
            )
            async with create_mcp_http_client(auth=provider) as http:
                transport = streamable_http_client(connector.mcp_url, http_client=http)
                async with Client(transport, mode="legacy", cache=None, read_timeout_seconds=REQUEST_TIMEOUT_S) as client:
                    names = {tool.name for tool in (await client.list_tools()).tools}
                    assert "whoami" in names, names
                    result = await client.call_tool("whoami", {})
                    assert not result.is_error, result.content
                    me = result.structured_content
                    assert me["subject"] == ALICE, me
                    assert "mcp" in me["scopes"], me

    # One round through the browser, and it really reached the client's loopback server.
    assert len(authorization_urls) == 1 and len(callback_urls) == 1, (authorization_urls, callback_urls)
    assert [urlparse(callback_urls[0]).query] == [urlparse(path).query for path in callback.requests]

    # What the SDK asked for: PKCE S256, the resource (RFC 8707), the client it registered.
    assert storage.client_info is not None and storage.client_info.client_id
    asked = {key: values[0] for key, values in parse_qs(urlparse(authorization_urls[0]).query).items()}
    assert urlparse(authorization_urls[0]).path == "/oauth/authorize", authorization_urls[0]
    assert asked["client_id"] == storage.client_info.client_id
    assert asked["code_challenge_method"] == "S256"
    assert asked["resource"] == connector.mcp_url
    assert asked["redirect_uri"] == callback.url
    assert "mcp" in asked["scope"].split()

    # RFC 9207: the response names its issuer (the SDK checked it equals the metadata's).
    answered = {key: values[0] for key, values in parse_qs(urlparse(callback_urls[0]).query).items()}
    assert answered.get("iss") == connector.issuer, callback_urls[0]
    assert answered["state"] == asked["state"]

    assert storage.tokens is not None and storage.tokens.access_token
    assert "mcp" in (storage.tokens.scope or "").split(), storage.tokens.scope


async def test_the_connector_settings_page(connector: Connector, browser: Browser) -> None:
    settings_url = f"{connector.base_url}/oauth/connector"
    login_url = f"{connector.base_url}/oauth/login?{urlencode({'next': '/oauth/connector'})}"

    async with new_context(browser) as context:
        page = await context.new_page()
        await page.goto(login_url)
        await sign_in(page, ALICE, ALICE_PASSWORD)
        await wait_for_path(page, "/oauth/connector")

        await page.locator("#enabled").check()
        await page.locator("#app_name").fill("Claude")
        await page.locator("#redirect_uris").fill(CLAUDE_CALLBACK)
        await page.get_by_role("button", name="Save", exact=True).click()

        # Saved (303 back here): the page now shows the connector's client id, read-only.
        client_id_box = page.locator("#client_id")
        await expect(client_id_box).to_have_value(re.compile(r"\S"))
        await expect(client_id_box).not_to_be_editable()
        client_id = (await client_id_box.input_value()).strip()

        # And it was stored: a fresh load shows what was saved.
        await page.goto(settings_url)
        await expect(page.locator("#client_id")).to_have_value(client_id)
        await expect(page.locator("#app_name")).to_have_value("Claude")
        await expect(page.locator("#enabled")).to_be_checked()
        await expect(page.locator("#redirect_uris")).to_have_value(re.compile(re.escape(CLAUDE_CALLBACK)))
        await page.screenshot(path=str(artifacts_dir() / "connector.png"), full_page=True)

    listed = connector.cli("oauth-client", "list")
    assert client_id in listed, listed
    assert "Claude" in listed, listed

    # bob may sign in, but not change the connector.
    async with new_context(browser) as context:
        page = await context.new_page()
        await page.goto(login_url)
        await sign_in(page, BOB, BOB_PASSWORD)
        await wait_for_path(page, "/oauth/connector")
        response = await page.goto(settings_url)
        assert response is not None and response.status == 403, response and response.status
        await expect(page.locator("form[action='/oauth/connector']")).to_have_count(0)
        await expect(page.locator("#client_id")).to_have_count(0)
        await expect(page.locator("#app_name")).to_have_count(0)
        assert client_id not in await page.content()


CLIENT_ID_LINE = re.compile(r"^\s*Client ID:\s*(\S+)\s*$", re.MULTILINE)


def printed_client_id(output: str) -> str:
    match = CLIENT_ID_LINE.search(output)
    assert match, f"no `Client ID: ...` line in:\n{output}"
    return match.group(1)


async def test_the_cli_is_idempotent(connector: Connector, browser: Browser) -> None:
    name, redirect_uri = "cli-made client", "https://a.example/cb"
    create = ("oauth-client", "create", "--name", name, "--redirect-uri", redirect_uri)
    client_id = printed_client_id(connector.cli(*create))
    assert printed_client_id(connector.cli(*create)) == client_id
    listed = connector.cli("oauth-client", "list")
    assert client_id in listed and name in listed, listed
    assert listed.count(client_id) == 1, listed

    authorize_url = f"{connector.base_url}/oauth/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "code_challenge": pkce_challenge(),
            "code_challenge_method": "S256",
            "state": secrets.token_urlsafe(16),
            "scope": "mcp",
            "resource": connector.mcp_url,
        }
    )
    async with new_context(browser) as context:
        page = await context.new_page()
        # While the client exists, alice is asked to sign in and then to consent.
        await page.goto(authorize_url)
        await sign_in(page, ALICE, ALICE_PASSWORD)
        await wait_for_path(page, "/oauth/authorize")
        await expect(page.get_by_role("button", name="Allow", exact=True)).to_be_visible()
        await expect(page.locator("body")).to_contain_text(name)

        connector.cli("oauth-client", "revoke", client_id)
        listed = connector.cli("oauth-client", "list")
        still_listed = [line for line in listed.splitlines() if client_id in line]
        assert all("revoked" in line.lower() for line in still_listed), listed

        # Revoked: the same request, signed in, is an error page, and nothing is sent to the client.
        response = await page.goto(authorize_url)
        assert response is not None, "no response for /oauth/authorize"
        assert response.status == 400, (response.status, await page.content())
        assert urlparse(page.url).netloc == urlparse(connector.base_url).netloc, page.url
        await expect(page.get_by_role("button", name="Allow", exact=True)).to_have_count(0)
