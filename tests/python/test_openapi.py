"""`examples/axum-app`'s REST API published as MCP tools through its OpenAPI document
(`notes-openapi`), called with the official MCP Python SDK: the tools come from the document,
their calls reach the running API, and its errors come back as tool errors."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import _free_port, _read_tail, _stop, _wait_healthy, connect_with_token as connect
from test_lifecycle import start

pytestmark = pytest.mark.anyio

TARGET = Path(__file__).resolve().parents[2] / "target" / "debug"
TOKEN = "axum-app-token"


def binary(name: str) -> str:
    path = os.environ.get(f"MCP_KIT_{name.upper().replace('-', '_')}_BIN", str(TARGET / name))
    if not os.access(path, os.X_OK):
        pytest.fail(f"{name} binary not found: {path!r} (cargo build -p axum-app)", pytrace=False)
    return path


@pytest.fixture(scope="module")
def notes_openapi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    workdir = tmp_path_factory.mktemp("axum-app")
    api_port = _free_port()
    log = workdir / "axum-app.log"
    with log.open("wb") as out:
        app = subprocess.Popen(
            [binary("axum-app")],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env={**os.environ, "NOTES_ADDR": f"127.0.0.1:{api_port}", "NOTES_DATABASE": str(workdir / "notes.db")},
        )
    try:
        why = _wait_healthy(app, f"http://127.0.0.1:{api_port}", log)
        if why is not None:
            pytest.fail(f"axum-app did not start: {why}\n{_read_tail(log)}", pytrace=False)
        env = {"NOTES_API_URL": f"http://127.0.0.1:{api_port}", "MCP_KIT_REQUIRE_AUTH": "true"}
        tools, port = start(binary("notes-openapi"), workdir / "notes-openapi.log", env=env)
        try:
            yield port
        finally:
            _stop(tools)
    finally:
        _stop(app)


@pytest.mark.parametrize("mode", ["legacy", "discover"])
async def test_the_documents_operations_are_tools_that_call_the_api(notes_openapi: int, mode: str) -> None:
    async with connect(notes_openapi, TOKEN, mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == {"notes_list", "notes_add", "notes_get"}
        assert tools["notes_list"].annotations.read_only_hint is True
        assert tools["notes_add"].input_schema["required"] == ["text"]
        assert tools["notes_get"].output_schema["required"] == ["id", "text"]

        added = await client.call_tool("notes_add", {"text": f"written in {mode}"})
        assert not added.is_error, added.content
        note = added.structured_content
        assert note["text"] == f"written in {mode}"

        fetched = await client.call_tool("notes_get", {"id": note["id"]})
        assert fetched.structured_content == note

        listed = await client.call_tool("notes_list", {})
        assert f'"written in {mode}"' in listed.content[0].text


async def test_api_errors_and_bad_arguments_are_tool_errors(notes_openapi: int) -> None:
    async with connect(notes_openapi, TOKEN, "discover") as client:
        missing = await client.call_tool("notes_get", {"id": 999999})
        assert missing.is_error
        assert missing.content[0].text == (
            "not found: GET /api/notes/{id} on 127.0.0.1 answered 404 Not Found: no note 999999"
        )
        bad = await client.call_tool("notes_add", {"txt": "typo"})
        assert bad.is_error
        assert "txt: unknown argument" in bad.content[0].text
        assert "text: missing" in bad.content[0].text
