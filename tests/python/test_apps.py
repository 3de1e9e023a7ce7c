"""MCP Apps: `examples/bookshop`'s catalogue view, read with the official Python SDK and run in
headless Chromium under the official host side (`AppBridge` from
`@modelcontextprotocol/ext-apps`, bundled by tests/apps-host). The view initializes with the
host, gets the tool's input and result, and pages and searches through `books_list`, which the
host forwards to the real server."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from conftest import connect_with_token as connect
from test_bookshop import READER, bookshop  # noqa: F401 - the fixture
from test_oauth_server import CHROMIUM, UI_TIMEOUT_MS, _NO_CHROMIUM, artifacts_dir, browser  # noqa: F401 - the fixture

HOST = Path(__file__).resolve().parents[1] / "apps-host"
APP_MIME = "text/html;profile=mcp-app"

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=_NO_CHROMIUM),
]


@pytest.fixture(scope="module")
def host_bundle() -> Path:
    """The official host side, bundled for the browser (npm ci and esbuild, once)."""
    bundle = HOST / "dist" / "host.js"
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HOST, check=True)
    subprocess.run(["npm", "run", "-s", "build"], cwd=HOST, check=True)
    assert bundle.stat().st_size > 0
    return bundle


def dump(result) -> dict:
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)


async def test_the_catalogue_view_searches_and_pages_through_books_list(
    bookshop: int, browser: Browser, host_bundle: Path  # noqa: F811 - the fixtures
) -> None:
    async with connect(bookshop, READER, "discover") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        catalogue = tools["catalogue"]
        uri = catalogue.meta["ui"]["resourceUri"]
        assert uri == "ui://bookshop/catalogue"

        read = await client.read_resource(uri)
        view = read.contents[0]
        assert view.mime_type == APP_MIME
        assert view.meta == {"ui": {"prefersBorder": True}}
        # Without the extension, the same call is plain text pointing at books_list.
        result = await client.call_tool("catalogue", {"search": ""})
        assert not result.is_error and "books_list" in result.content[0].text

        calls: list[dict] = []

        async def call_tool(params: dict) -> dict:
            calls.append(params)
            return dump(await client.call_tool(params["name"], params.get("arguments") or {}))

        async def read_resource(params: dict) -> dict:
            return dump(await client.read_resource(params["uri"]))

        page = await browser.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.set_content("<!DOCTYPE html><html><head><title>host</title></head><body></body></html>")
        await page.add_script_tag(path=str(host_bundle))
        await page.expose_function("mcpCallTool", call_tool)
        await page.expose_function("mcpReadResource", read_resource)
        started = await asyncio.wait_for(page.evaluate(
            """(args) => startHost({
                ...args,
                callTool: (params) => window.mcpCallTool(params),
                readResource: (params) => window.mcpReadResource(params),
            })""",
            {
                "html": view.text,
                "meta": view.meta["ui"],
                "tool": catalogue.model_dump(mode="json", by_alias=True, exclude_none=True),
                "toolInput": {},
                "toolResult": dump(result),
            },
        ), UI_TIMEOUT_MS / 1000)
        assert started is True

        frame = page.frame_locator("iframe")
        rows = frame.locator("#rows tr")
        await expect(rows).to_have_count(4)
        await expect(frame.locator("#status")).to_have_text("4 books shown")
        assert calls[0] == {"name": "books_list", "arguments": {"order_by": "title", "limit": 4}}

        # The seed has ten books: two more pages, then no "More".
        more = frame.locator("#more")
        await more.click()
        await expect(rows).to_have_count(8)
        assert calls[-1]["arguments"]["cursor"]
        await more.click()
        await expect(rows).to_have_count(10)
        await expect(more).to_be_hidden()
        titles = await frame.locator("#rows tr td:first-child").all_text_contents()
        assert titles == sorted(titles) and len(set(titles)) == 10

        await frame.locator("#query").fill("Ficciones")
        await frame.locator("#search button").click()
        await expect(frame.locator("#status")).to_have_text("1 book shown for “Ficciones”")
        await expect(rows).to_have_count(1)
        await expect(rows.first.locator("td").first).to_have_text("Ficciones")
        await page.screenshot(path=str(artifacts_dir() / "catalogue-app.png"), full_page=True)
        assert errors == []
