"""The official Python SDK against `hello` with authentication on, as shipped: bearer tokens
from its settings file, lists filtered per token, and the 401 challenge with its metadata."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from conftest import _stop, connect_with_token as connect
from test_lifecycle import start

# The demo tokens of examples/hello/mcp-kit.toml.
READER = "hello-reader-token"
WRITER = "hello-writer-token"


@pytest.fixture(scope="module")
def secured(hello_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`hello serve` with authentication required, as `cargo run -p hello` starts it."""
    log = tmp_path_factory.mktemp("auth") / "hello.log"
    process, port = start(hello_bin, log, env={"MCP_KIT_REQUIRE_AUTH": "true"})
    try:
        yield port
    finally:
        _stop(process)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "discover"])
async def test_each_token_lists_only_what_it_may_use(secured: int, mode: str) -> None:
    async with connect(secured, WRITER, mode) as writer:
        names = {tool.name for tool in (await writer.list_tools()).tools}
        assert {"increment", "whoami", "add"} <= names, names
        result = await writer.call_tool("whoami", {})
        assert result.structured_content["subject"] == "writer"
        result = await writer.call_tool("increment", {})
        assert not result.is_error and int(result.content[0].text) >= 1

    async with connect(secured, READER, mode) as reader:
        names = {tool.name for tool in (await reader.list_tools()).tools}
        assert "whoami" in names and "increment" not in names, names
        result = await reader.call_tool("increment", {})
        assert result.is_error
        assert "hello:write" in result.content[0].text


@pytest.mark.anyio
async def test_without_a_token_the_sdk_is_refused(secured: int) -> None:
    # The SDK reports a refusal as a generic error; what the server answered is read off the
    # wire, so a refused connection or any other failure cannot pass for the 401.
    statuses: list[int] = []

    async def record(response: httpx2.Response) -> None:
        statuses.append(response.status_code)

    async with httpx2.AsyncClient(event_hooks={"response": [record]}) as http:
        with pytest.raises(Exception):
            transport = streamable_http_client(f"http://127.0.0.1:{secured}/mcp", http_client=http)
            async with Client(transport, mode="legacy", cache=None) as client:
                await client.list_tools()
    assert statuses == [401], statuses


def test_the_challenge_points_at_the_metadata(secured: int) -> None:
    base = f"http://127.0.0.1:{secured}"
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    response = httpx2.post(f"{base}/mcp", headers=headers, json=body)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    metadata_url = f"{base}/.well-known/oauth-protected-resource/mcp"
    assert f'resource_metadata="{metadata_url}"' in challenge, challenge
    assert 'scope="mcp"' in challenge

    metadata = httpx2.get(metadata_url).json()
    assert metadata["resource"] == f"{base}/mcp"
    assert metadata["bearer_methods_supported"] == ["header"]
    assert {"mcp", "hello:write"} <= set(metadata["scopes_supported"])

    wrong = httpx2.post(f"{base}/mcp", headers={**headers, "Authorization": "Bearer nope"}, json=body)
    assert wrong.status_code == 401
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
    assert "nope" not in wrong.text
