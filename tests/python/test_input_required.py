"""`examples/everything`'s `test_elicit_then_sample` answered by the official MCP Python SDK's
own elicitation and sampling callbacks, on both ways a tool can ask the client something.

The tool elicits a form `{topic: string}` ("What should the line be about?"), then samples
"Write one line about {topic}." (maxTokens 50), and returns "{topic}: {line}".

* 2026-07-28 (SEP-2322 input-required results): the SDK negotiates the revision with
  `server/discover` and `Client.call_tool` drives the rounds itself
  (mcp/client/_input_required.py): each `{"resultType": "input_required", "inputRequests",
  "requestState"}` is answered through the same callbacks a 2025-11-25 session uses, and the
  call is sent again with `inputResponses` and the echoed `requestState`. Run against the
  server with `MCP_KIT_STATELESS=true` and with `MCP_KIT_STATELESS=false` (the setting
  `examples/everything/mcp-kit.toml` ships): a 2026-07-28 request has no session either way.
  The `tools/call` bodies the SDK posts are recorded, so the test also checks that the answers
  really went back as two further rounds (elicitation, then sampling) and not some other way.
* 2025-11-25 stateful session (`MCP_KIT_STATELESS=false`): after `initialize`, the same tool
  sends `elicitation/create` and `sampling/createMessage` on the call's stream; the SDK answers
  each with a JSON-RPC response POSTed to the session, and the call is posted only once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import MCP_DEFAULT_SSE_READ_TIMEOUT, MCP_DEFAULT_TIMEOUT
from mcp.types import CreateMessageResult, ElicitResult, TextContent

from conftest import (
    LEGACY_VERSION,
    MODERN_VERSION,
    REQUEST_TIMEOUT_S,
    HelloServer,
    _attach_log,
    check_negotiated,
    everything_server,
)

pytestmark = pytest.mark.anyio

TOOL = "test_elicit_then_sample"
TOPIC = "otters"
LINE = "They hold hands while sleeping."
EXPECTED = f"{TOPIC}: {LINE}"


# --------------------------------------------------------------------------- servers


@contextmanager
def _everything(tmp_path_factory: pytest.TempPathFactory, stateless: bool) -> Iterator[HelloServer]:
    env = {"MCP_KIT_REQUIRE_AUTH": "false", "MCP_KIT_STATELESS": "true" if stateless else "false", "RUST_BACKTRACE": "1"}
    with everything_server(tmp_path_factory, env) as server:
        yield server


@pytest.fixture(scope="module")
def stateless_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    with _everything(tmp_path_factory, stateless=True) as server:
        yield server


@pytest.fixture(scope="module")
def stateful_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    with _everything(tmp_path_factory, stateless=False) as server:
        yield server


def _live(server: HelloServer, request: pytest.FixtureRequest, label: str) -> HelloServer:
    if server.process.poll() is not None:
        pytest.fail(f"everything ({label}) has exited with code {server.process.returncode}:\n{server.stderr_tail()}", pytrace=False)
    _attach_log(request.node, label, server.stderr_path)
    return server


@pytest.fixture(params=["stateless", "stateful"])
def any_server(request: pytest.FixtureRequest) -> HelloServer:
    return _live(request.getfixturevalue(f"{request.param}_server"), request, request.param)


@pytest.fixture
def session_server(stateful_server: HelloServer, request: pytest.FixtureRequest) -> HelloServer:
    return _live(stateful_server, request, "stateful")


# --------------------------------------------------------------------------- client


class Answers:
    """The client's elicitation and sampling callbacks, recording what they were asked."""

    def __init__(self) -> None:
        self.elicited: list[tuple[Any, Any]] = []  # (request id, params)
        self.sampled: list[tuple[Any, Any]] = []

    async def elicitation(self, context, params) -> ElicitResult:
        self.elicited.append((context.request_id, params))
        return ElicitResult(action="accept", content={"topic": TOPIC})

    async def sampling(self, context, params) -> CreateMessageResult:
        self.sampled.append((context.request_id, params))
        return CreateMessageResult(role="assistant", content=TextContent(type="text", text=LINE), model="test-model")

    def check(self) -> None:
        assert len(self.elicited) == 1, self.elicited
        form = self.elicited[0][1]
        assert form.message == "What should the line be about?"
        schema = form.requested_schema
        assert schema["properties"]["topic"]["type"] == "string", schema
        assert schema.get("required") == ["topic"], schema

        assert len(self.sampled) == 1, self.sampled
        sampling = self.sampled[0][1]
        assert sampling.max_tokens == 50
        assert len(sampling.messages) == 1, sampling.messages
        assert sampling.messages[0].role == "user"
        assert sampling.messages[0].content.type == "text"
        assert sampling.messages[0].content.text == f"Write one line about {TOPIC}."


@asynccontextmanager
async def sdk_client(server: HelloServer, mode: str, answers: Answers, posted: list[dict[str, Any]]) -> AsyncIterator[Client]:
    """An SDK client in test-mode `mode` ("legacy" | "discover") with `answers` as its
    callbacks; every JSON body it POSTs is appended to `posted`."""

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
            mode={"legacy": "legacy", "discover": "auto"}[mode],
            cache=None,
            read_timeout_seconds=REQUEST_TIMEOUT_S,
            elicitation_callback=answers.elicitation,
            sampling_callback=answers.sampling,
        ) as client:
            check_negotiated(client, mode)
            yield client


def tool_calls(posted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [body for body in posted if body.get("method") == "tools/call" and body["params"].get("name") == TOOL]


# --------------------------------------------------------------------------- tests


async def test_2026_07_28_rounds_are_answered_by_the_sdk_callbacks(any_server: HelloServer) -> None:
    answers = Answers()
    posted: list[dict[str, Any]] = []
    async with sdk_client(any_server, "discover", answers, posted) as client:
        assert client.protocol_version == MODERN_VERSION
        result = await client.call_tool(TOOL, {})

    assert not result.is_error, result
    assert [c.type for c in result.content] == ["text"], result.content
    assert result.content[0].text == EXPECTED
    answers.check()
    # Driven by input-required results: the inputRequests keys the server chose are the
    # request ids the SDK handed its callbacks.
    elicit_key, sample_key = answers.elicited[0][0], answers.sampled[0][0]
    assert isinstance(elicit_key, str) and isinstance(sample_key, str) and elicit_key != sample_key

    calls = tool_calls(posted)
    assert len(calls) == 3, json.dumps(calls, indent=1)
    first, second, third = (call["params"] for call in calls)
    assert "inputResponses" not in first and "requestState" not in first, first
    assert {k: v for k, v in second.items() if k in ("arguments", "inputResponses")} == {
        "arguments": {},
        "inputResponses": {elicit_key: {"action": "accept", "content": {"topic": TOPIC}}},
    }, second
    assert isinstance(second.get("requestState"), str) and second["requestState"], second
    assert list(third["inputResponses"]) == [sample_key], third
    sampled = third["inputResponses"][sample_key]
    assert (sampled["role"], sampled["content"], sampled["model"]) == (
        "assistant",
        {"type": "text", "text": LINE},
        "test-model",
    ), third
    assert isinstance(third.get("requestState"), str) and third["requestState"], third
    assert third["requestState"] != second["requestState"], "the second round must carry the elicited answer forward"
    # Nothing was answered outside the rounds: no JSON-RPC responses were POSTed.
    assert [body for body in posted if "method" not in body] == []


async def test_2025_11_25_session_asks_on_the_call_stream(session_server: HelloServer) -> None:
    answers = Answers()
    posted: list[dict[str, Any]] = []
    async with sdk_client(session_server, "legacy", answers, posted) as client:
        assert client.protocol_version == LEGACY_VERSION
        result = await client.call_tool(TOOL, {})

    assert not result.is_error, result
    assert [c.type for c in result.content] == ["text"], result.content
    assert result.content[0].text == EXPECTED
    answers.check()

    calls = tool_calls(posted)
    assert len(calls) == 1, json.dumps(calls, indent=1)
    assert "inputResponses" not in calls[0]["params"] and "requestState" not in calls[0]["params"], calls[0]
    # The two questions were server-to-client requests, each answered by one POSTed response
    # whose id is the one the callback saw.
    responses = [body for body in posted if "method" not in body]
    assert [body["id"] for body in responses] == [answers.elicited[0][0], answers.sampled[0][0]], responses
    assert responses[0]["result"] == {"action": "accept", "content": {"topic": TOPIC}}, responses[0]
    assert responses[1]["result"]["content"] == {"type": "text", "text": LINE}, responses[1]
