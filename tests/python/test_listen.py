"""`subscriptions/listen` (2026-07-28, SEP-2575) on `examples/everything`, driven by the official
MCP Python SDK's own listen API.

mcp 2.3.0 has one: `Client.listen(tools_list_changed=..., resource_subscriptions=[...], ...)`
(mcp/client/client.py, driver in mcp/client/subscriptions.py) is an async context manager
that POSTs `subscriptions/listen` with a minted id `listen-N`, returns once the server's
`notifications/subscriptions/acknowledged` for that id arrives (the honored filter is
`sub.honored`), and then iterates typed events (`ResourceUpdated(uri)`, `ToolsListChanged()`,
...) taken from the frames whose `_meta["io.modelcontextprotocol/subscriptionId"]` is that id.
The same notifications are also teed, typed, to the client's `message_handler`. At a 2025-11-25
session it raises `ListenNotSupportedError`, so the client negotiates 2026-07-28 through
`server/discover` (checked) against the server with `MCP_KIT_STATELESS=true`.

* A listen for `test://watched-resource` and the tool list hears `test_trigger_resource_update`
  and `test_trigger_tool_change` (both called through the SDK) as `ResourceUpdated` and
  `ToolsListChanged` events, and the raw notifications carry the listen request's id.
* A listen for the resource only is not told about a tool list change: the server leaves the
  unrequested category out of the acknowledgment and sends no `notifications/tools/list_changed`
  at all, neither on the listen stream nor on the trigger's own `tools/call` response stream
  (checked on the `message_handler` tee, which also sees frames the SDK's listen filter would
  hide from the iterator). At 2026-07-28 change notifications arrive only on a listen stream
  that asked for them ("The server MUST NOT send notification types the client has not
  explicitly requested", draft basic/patterns/subscriptions).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.client.subscriptions import ResourceUpdated, Subscription, ToolsListChanged
from mcp.shared._httpx_utils import MCP_DEFAULT_SSE_READ_TIMEOUT, MCP_DEFAULT_TIMEOUT
from mcp.types import CallToolResult

from conftest import (
    MODERN_VERSION,
    REQUEST_TIMEOUT_S,
    HelloServer,
    _attach_log,
    check_negotiated,
    everything_server,
)

pytestmark = pytest.mark.anyio

WATCHED = "test://watched-resource"
SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId"
RESOURCE_UPDATED = "notifications/resources/updated"
TOOLS_CHANGED = "notifications/tools/list_changed"
EVENT_TIMEOUT_S = 5.0


# --------------------------------------------------------------------------- server


@pytest.fixture(scope="module")
def stateless_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    env = {"MCP_KIT_REQUIRE_AUTH": "false", "MCP_KIT_STATELESS": "true", "RUST_BACKTRACE": "1"}
    with everything_server(tmp_path_factory, env, label="everything-listen") as server:
        yield server


@pytest.fixture
def server(stateless_server: HelloServer, request: pytest.FixtureRequest) -> HelloServer:
    if stateless_server.process.poll() is not None:
        pytest.fail(
            f"everything has exited with code {stateless_server.process.returncode}:\n{stateless_server.stderr_tail()}",
            pytrace=False,
        )
    _attach_log(request.node, "stateless", stateless_server.stderr_path)
    return stateless_server


# --------------------------------------------------------------------------- client


class Tee:
    """The client's `message_handler`: every listen-stream notification the SDK hands it,
    as wire JSON, in the order it was handed over."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self._changed = anyio.Event()

    async def __call__(self, message: Any) -> None:
        if isinstance(message, Exception):
            return
        method = getattr(message, "method", None)
        if method in (RESOURCE_UPDATED, TOOLS_CHANGED, "notifications/prompts/list_changed", "notifications/resources/list_changed"):
            self.seen.append(message.model_dump(by_alias=True, mode="json", exclude_none=True))
            self._changed.set()
            self._changed = anyio.Event()

    async def wait_for(self, found: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first recorded notification `found` accepts, waiting for it if need be."""
        while True:
            changed = self._changed
            for notification in self.seen:
                if found(notification):
                    return notification
            await changed.wait()


@asynccontextmanager
async def sdk_client(server: HelloServer, tee: Tee, posted: list[dict[str, Any]]) -> AsyncIterator[Client]:
    """An SDK client on 2026-07-28 (via `server/discover`); every JSON body it POSTs is
    appended to `posted`, every change notification it receives goes to `tee`."""

    async def record(request: httpx2.Request) -> None:
        if request.method == "POST":
            posted.append(json.loads(request.content))

    http = httpx2.AsyncClient(
        timeout=httpx2.Timeout(MCP_DEFAULT_TIMEOUT, read=MCP_DEFAULT_SSE_READ_TIMEOUT),
        event_hooks={"request": [record]},
    )
    async with http:
        async with Client(
            streamable_http_client(server.mcp_url, http_client=http),
            mode="auto",
            cache=None,
            read_timeout_seconds=REQUEST_TIMEOUT_S,
            message_handler=tee,
        ) as client:
            check_negotiated(client, "discover")
            assert client.protocol_version == MODERN_VERSION
            yield client


async def next_event(sub: Subscription) -> object:
    with anyio.fail_after(EVENT_TIMEOUT_S):
        return await anext(sub)


def stamped(sub: Subscription, method: str) -> Callable[[dict[str, Any]], bool]:
    """Matches a notification `method` tagged with `sub`'s subscription id."""
    return lambda n: n["method"] == method and n.get("params", {}).get("_meta", {}).get(SUBSCRIPTION_ID) == sub.subscription_id


def check_triggered(result: CallToolResult, text: str) -> None:
    assert not result.is_error, result
    assert [(c.type, c.text) for c in result.content] == [("text", text)], result.content


def listen_requests(posted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [body for body in posted if body.get("method") == "subscriptions/listen"]


# --------------------------------------------------------------------------- tests


async def test_listen_hears_a_resource_update_and_a_tool_list_change(server: HelloServer) -> None:
    tee = Tee()
    posted: list[dict[str, Any]] = []
    async with sdk_client(server, tee, posted) as client:
        async with client.listen(resource_subscriptions=[WATCHED], tools_list_changed=True) as sub:
            # Entering returned, so the server acknowledged this request id with this filter.
            assert sub.honored.resource_subscriptions == [WATCHED], sub.honored
            assert sub.honored.tools_list_changed is True, sub.honored
            [listen] = listen_requests(posted)
            assert listen["id"] == sub.subscription_id
            assert listen["params"]["notifications"] == {"resourceSubscriptions": [WATCHED], "toolsListChanged": True}, listen

            check_triggered(await client.call_tool("test_trigger_resource_update", {}), f"announced: {WATCHED} updated")
            assert await next_event(sub) == ResourceUpdated(uri=WATCHED)
            with anyio.fail_after(EVENT_TIMEOUT_S):
                updated = await tee.wait_for(stamped(sub, RESOURCE_UPDATED))
            assert updated["params"]["uri"] == WATCHED, updated

            check_triggered(await client.call_tool("test_trigger_tool_change", {}), "announced: tools/list_changed")
            assert await next_event(sub) == ToolsListChanged()
            with anyio.fail_after(EVENT_TIMEOUT_S):
                await tee.wait_for(stamped(sub, TOOLS_CHANGED))

    # One notification per trigger, nothing else: at 2026-07-28 change notifications travel
    # only on a listen stream, so none may reach the client without this subscription's id.
    strays = [n for n in tee.seen if n.get("params", {}).get("_meta", {}).get(SUBSCRIPTION_ID) != sub.subscription_id]
    assert strays == [], f"change notifications outside listen stream {sub.subscription_id!r}: {strays}"
    assert [(n["method"], n["params"].get("uri")) for n in tee.seen] == [(RESOURCE_UPDATED, WATCHED), (TOOLS_CHANGED, None)], tee.seen
    # The triggers were ordinary 2026-07-28 calls, not riding the listen request.
    calls = [body["params"]["name"] for body in posted if body.get("method") == "tools/call"]
    assert calls == ["test_trigger_resource_update", "test_trigger_tool_change"], calls


async def test_listen_hears_only_what_it_asked_for(server: HelloServer) -> None:
    tee = Tee()
    posted: list[dict[str, Any]] = []
    async with sdk_client(server, tee, posted) as client:
        async with client.listen(resource_subscriptions=[WATCHED]) as sub:
            assert sub.honored.resource_subscriptions == [WATCHED], sub.honored
            assert not sub.honored.tools_list_changed, sub.honored

            # The tool change is announced (to nobody here) before the update, and each
            # announcement goes out before its trigger's result: once the update is in, an
            # unrequested tools/list_changed, on this listen stream or on the call's own
            # response stream, would already have been handed to the tee.
            check_triggered(await client.call_tool("test_trigger_tool_change", {}), "announced: tools/list_changed")
            check_triggered(await client.call_tool("test_trigger_resource_update", {}), f"announced: {WATCHED} updated")
            assert await next_event(sub) == ResourceUpdated(uri=WATCHED)
            with anyio.fail_after(EVENT_TIMEOUT_S):
                await tee.wait_for(stamped(sub, RESOURCE_UPDATED))
            seen = list(tee.seen)

    assert [n["method"] for n in seen] == [RESOURCE_UPDATED], f"unrequested or stray notifications: {seen}"
