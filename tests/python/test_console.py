"""The developer console (`serve --dev`) in headless Chromium: `examples/everything`'s tools
searched, a form built from a schema with a nested object and an enum filled and called, an
image and an error rendered; `examples/bookshop`'s tools as each configured caller sees them."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from conftest import EVERYTHING_BIN, _stop, open_client
from test_bookshop import DEFAULT_BIN as BOOKSHOP_BIN
from test_lifecycle import start
from test_oauth_server import CHROMIUM, CHROMIUM_ARGS, UI_TIMEOUT_MS, _NO_CHROMIUM, artifacts_dir

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=_NO_CHROMIUM),
]


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    binary = os.environ.get("MCP_KIT_EVERYTHING_BIN", EVERYTHING_BIN)
    process, port = start(binary, tmp_path_factory.mktemp("console") / "everything.log", "--dev")
    try:
        yield port
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def bookshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    binary = os.environ.get("MCP_KIT_BOOKSHOP_BIN", BOOKSHOP_BIN)
    workdir = tmp_path_factory.mktemp("console-bookshop")
    env = {"MCP_KIT_REQUIRE_AUTH": "true", "DATABASE_URL": f"sqlite:{workdir / 'shop.db'}"}
    process, port = start(binary, workdir / "bookshop.log", "--dev", env=env)
    try:
        yield port
    finally:
        _stop(process)


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            # The console's Content-Security-Policy allows nothing but its own files.
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            yield page
            assert errors == [], errors
        finally:
            await browser.close()


async def test_search_fill_a_nested_form_call_and_see_the_result(everything: int, page: Page) -> None:
    await page.goto(f"http://127.0.0.1:{everything}/_dev")
    await page.fill("#filter", "2020")
    tools = page.locator("nav button[data-kind=tools]")
    await expect(tools).to_have_count(1)
    await tools.first.click()

    form = page.locator("#form")
    await form.locator("[data-name=name] input").fill("Ada")
    address = form.locator("[data-name=address]")
    await address.locator("input[type=checkbox]").check()
    await address.locator("[data-name=street] input").fill("1 Main St")
    await address.locator("[data-name=city] input").fill("Oslo")
    await form.locator("[data-name=contactMethod] select").select_option(label='"email"')
    await form.locator("[data-name=email] input").fill("ada@example.com")
    await page.click("#call")

    result = page.locator("#result pre.text")
    await expect(result).to_contain_text('"city": "Oslo"')
    await expect(result).to_contain_text('"contactMethod": "email"')
    await expect(result).not_to_contain_text("phone")
    await page.screenshot(path=str(artifacts_dir() / "console-form.png"), full_page=True)

    await page.fill("#filter", "test_image_content")
    await page.locator("nav button[data-kind=tools]").first.click()
    await page.click("#call")
    await expect(page.locator("#result img")).to_be_visible()

    await page.fill("#filter", "test_error_handling")
    await page.locator("nav button[data-kind=tools]").first.click()
    await page.click("#call")
    await expect(page.locator("#result")).to_have_class("error")
    log = page.locator("#log li")
    await expect(log).to_have_count(3)
    await expect(log.first).to_contain_text("test_error_handling as anonymous: error")

    # The log is the server's: a call from another client shows up too.
    async with open_client(f"http://127.0.0.1:{everything}/mcp", "legacy") as client:
        await client.call_tool("test_simple_text", {})
    await expect(log).to_have_count(4)
    await expect(log.first).to_contain_text("test_simple_text as anonymous: ok")


async def test_a_tool_that_asks_gets_a_form_in_the_console(everything: int, page: Page) -> None:
    await page.goto(f"http://127.0.0.1:{everything}/_dev")
    await page.fill("#filter", "test_elicitation")
    await page.locator("nav button[data-name=test_elicitation]").click()
    await page.fill("#form [data-name=message] input", "Who are you?")
    await page.click("#call")

    question = page.locator("#questions .question")
    await expect(question).to_contain_text("Who are you?")
    await question.locator("[data-name=username] input").fill("ada")
    await question.locator("[data-name=email] input").fill("ada@example.com")
    await page.screenshot(path=str(artifacts_dir() / "console-question.png"), full_page=True)
    await question.locator("button.accept").click()
    await expect(page.locator("#result pre.text")).to_have_text(
        "User response: action=accept, username=ada, email=ada@example.com"
    )
    await expect(question).to_have_count(0)

    await page.click("#call")
    await page.locator("#questions .question button.decline").click()
    await expect(page.locator("#result pre.text")).to_have_text("User response: action=decline")


async def test_read_a_resource_and_a_template_and_get_a_prompt(everything: int, page: Page) -> None:
    await page.goto(f"http://127.0.0.1:{everything}/_dev")
    await page.fill("#filter", "static-text")
    await page.locator("nav button[data-kind=resources]").first.click()
    await page.click("#call")
    await expect(page.locator("#result pre.text")).to_have_text("This is the content of the static text resource.")

    await page.fill("#filter", "test://template")
    await page.locator("nav button[data-kind=templates]").first.click()
    await page.fill("[data-name=id] input", "a b")
    await page.click("#call")
    await expect(page.locator("#result p.meta")).to_contain_text("test://template/a%20b/data")
    await expect(page.locator("#result pre.text")).to_contain_text("Data for ID: a b")

    await page.fill("#filter", "test_prompt_with_arguments")
    await page.locator("nav button[data-kind=prompts]").first.click()
    await page.fill("[data-name=arg1] input", "one")
    await page.fill("[data-name=arg2] input", "two")
    await page.click("#call")
    await expect(page.locator("#result pre.text").first).to_have_text("Prompt with arguments: arg1='one', arg2='two'")


async def test_each_caller_sees_only_its_tools(bookshop: int, page: Page) -> None:
    await page.goto(f"http://127.0.0.1:{bookshop}/_dev")
    create = page.locator("nav button[data-name=books_create]")
    await expect(page.locator("nav button[data-name=books_list]")).to_be_visible()
    await expect(create).to_have_count(0)

    await page.select_option("#caller", "clerk")
    await expect(create).to_have_count(1)
    await create.click()
    await expect(page.locator("#detail .permission")).to_contain_text("scope `books:write`")
    await page.screenshot(path=str(artifacts_dir() / "console-clerk.png"), full_page=True)

    await page.select_option("#caller", "reader")
    await expect(create).to_have_count(0)


async def test_the_console_is_off_without_dev(tmp_path: Path) -> None:
    binary = os.environ.get("MCP_KIT_EVERYTHING_BIN", EVERYTHING_BIN)
    process, port = start(binary, tmp_path / "everything.log")
    try:
        import httpx2

        async with httpx2.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/_dev")
        assert response.status_code == 404
    finally:
        _stop(process)


def test_an_open_log_does_not_hold_shutdown(tmp_path: Path) -> None:
    """The log stream ends on SIGTERM rather than holding the server for its graceful timeout."""
    import signal

    import httpx2

    binary = os.environ.get("MCP_KIT_EVERYTHING_BIN", EVERYTHING_BIN)
    log = tmp_path / "everything.log"
    # A timeout far longer than the hang guard below: waiting it out would fail the test.
    process, port = start(binary, log, "--dev", env={"MCP_KIT_GRACEFUL_SHUTDOWN_TIMEOUT": "600"})
    try:
        with httpx2.Client(timeout=30) as http:
            with http.stream("GET", f"http://127.0.0.1:{port}/_dev/api/log") as stream:
                assert stream.status_code == 200
                called = http.post(f"http://127.0.0.1:{port}/_dev/api/call", json={"name": "test_simple_text"})
                assert called.status_code == 200
                lines = stream.iter_lines()
                assert next(line for line in lines if line.startswith("data:"))
                process.send_signal(signal.SIGTERM)
                # Ends when the server closes it; a hang is caught by the read timeout.
                for _ in lines:
                    pass
        assert process.wait(timeout=30) == 0
        assert "did not finish" not in log.read_text()
    finally:
        _stop(process)
