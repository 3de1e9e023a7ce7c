"""A server mounted in another, with the official MCP Python SDK as the caller at the front.

Two `examples/everything` processes: the upstream, and the front, whose settings file declares
the upstream (`[[upstream]]`, mounted by `run()`) under the prefix `up`. The SDK calls
`up_test_elicit_then_sample` at the front. The upstream's two questions (a form, then a
message from the model) reach the SDK's own callbacks through the front:

* 2026-07-28: the front answers with input-required results under the upstream's keys, and
  the SDK drives the rounds;
* 2025-11-25 session: the front asks on the call's stream, as for a tool of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import HelloServer, _attach_log, everything_server
from test_input_required import EXPECTED, TOOL, Answers, sdk_client

pytestmark = pytest.mark.anyio

ENV = {"MCP_KIT_REQUIRE_AUTH": "false", "RUST_BACKTRACE": "1"}


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    with everything_server(tmp_path_factory, {**ENV, "MCP_KIT_STATELESS": "true"}, label="upstream") as server:
        yield server


@contextmanager
def front_mounting(
    tmp_path_factory: pytest.TempPathFactory, prefix: str, upstream: HelloServer, head: str = ""
) -> Iterator[HelloServer]:
    """`examples/everything` whose settings (`head`, then an `[[upstream]]` table) mount
    `upstream` under `prefix`."""
    settings = tmp_path_factory.mktemp("front") / "front.toml"
    settings.write_text(
        f'{head}[tasks]\ndatabase_url = "sqlite::memory:"\n\n'
        f'[[upstream]]\nprefix = "{prefix}"\nurl = "{upstream.mcp_url}"\n'
    )
    with everything_server(tmp_path_factory, ENV, label="front", args=("--config", str(settings))) as server:
        yield server


@pytest.fixture(scope="module")
def front(upstream: HelloServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    with front_mounting(tmp_path_factory, "up", upstream, "stateless = false\njson_response = false\n\n") as server:
        yield server


@pytest.mark.parametrize("mode", ["discover", "legacy"])
async def test_the_upstreams_questions_reach_the_callers_callbacks(
    front: HelloServer, upstream: HelloServer, mode: str, request: pytest.FixtureRequest
) -> None:
    _attach_log(request.node, "front", front.stderr_path)
    _attach_log(request.node, "upstream", upstream.stderr_path)
    answers = Answers()
    posted: list[dict[str, Any]] = []
    async with sdk_client(front, mode, answers, posted) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert f"up_{TOOL}" in tools and TOOL in tools, sorted(tools)
        result = await client.call_tool(f"up_{TOOL}", {})

    assert not result.is_error, result
    assert result.content[0].text == EXPECTED
    answers.check()
