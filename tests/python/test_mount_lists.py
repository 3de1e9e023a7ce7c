"""A mounted server's tool list changes, and the front follows, judged by the official MCP
Python SDK at both ends.

The upstream is a server on the SDK itself (`servers/changing_upstream.py`); the front is
`examples/everything`, whose settings mount it under `py`. The SDK client at the front
listens for tool list changes (`subscriptions/listen`) and calls `py_reveal`: the upstream
adds a tool and announces it on the front's own listen stream; the front lists the upstream's
tools again and announces the change to its client, which then finds and calls
`py_revealed`.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from conftest import STARTUP_TIMEOUT_S, HelloServer, _attach_log, _free_port, _stop, open_client
from test_mount import front_mounting

pytestmark = pytest.mark.anyio

UPSTREAM = Path(__file__).parent / "servers" / "changing_upstream.py"
@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    log = tmp_path_factory.mktemp("py-upstream") / "stderr.log"
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(UPSTREAM), str(port)], stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                pytest.fail(f"the Python upstream did not start:\n{log.read_text()}", pytrace=False)
            time.sleep(0.05)  # poll interval between connection attempts
    try:
        yield HelloServer(port=port, process=process, stderr_path=log)
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def front(upstream: HelloServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    with front_mounting(tmp_path_factory, "py", upstream) as server:
        yield server


async def test_a_tool_the_upstream_adds_reaches_the_fronts_client(
    front: HelloServer, upstream: HelloServer, request: pytest.FixtureRequest
) -> None:
    _attach_log(request.node, "front", front.stderr_path)
    _attach_log(request.node, "upstream", upstream.stderr_path)
    async with open_client(front, "discover") as client:
        before = {tool.name for tool in (await client.list_tools()).tools}
        assert "py_reveal" in before and "py_revealed" not in before, sorted(before)
        async with client.listen(tools_list_changed=True) as changes:
            revealed = await client.call_tool("py_reveal", {})
            assert not revealed.is_error, revealed
            with anyio.fail_after(10):
                event = await changes.__anext__()
            assert type(event).__name__ == "ToolsListChanged", event
        after = {tool.name for tool in (await client.list_tools()).tools}
        assert after == before | {"py_revealed"}, sorted(after)
        result = await client.call_tool("py_revealed", {})
    assert not result.is_error, result
    assert result.content[0].text == "here"
