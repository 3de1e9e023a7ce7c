"""`examples/bookshop` through the official MCP Python SDK: the model tools of
`#[derive(ModelToolset)]` over a fresh SQLite file, listed, paged and written with the
example's own demo tokens, in both protocol eras."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import _stop, connect_with_token as connect
from test_lifecycle import start

pytestmark = pytest.mark.anyio

DEFAULT_BIN = str(Path(__file__).resolve().parents[2] / "target" / "debug" / "bookshop")
READER = "bookshop-reader-token"
CLERK = "bookshop-clerk-token"


@pytest.fixture(scope="module")
def bookshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    binary = os.environ.get("MCP_KIT_BOOKSHOP_BIN", DEFAULT_BIN)
    if not os.access(binary, os.X_OK):
        pytest.fail(f"bookshop binary not found: {binary!r} (cargo build -p bookshop)", pytrace=False)
    workdir = tmp_path_factory.mktemp("bookshop")
    # Authentication on, as shipped; a database that does not exist yet: the example creates it.
    env = {"MCP_KIT_REQUIRE_AUTH": "true", "DATABASE_URL": f"sqlite:{workdir / 'shop.db'}"}
    process, port = start(binary, workdir / "bookshop.log", env=env)
    try:
        yield port
    finally:
        _stop(process)


@pytest.mark.parametrize("mode", ["legacy", "discover"])
async def test_lists_and_pages_through_a_table(bookshop: int, mode: str) -> None:
    async with connect(bookshop, READER, mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert {"books_list", "books_retrieve", "authors_list", "shelf_list"} <= set(tools)
        # Read-only by default, and writes need a scope the reader lacks.
        assert "books_create" not in tools and "authors_create" not in tools
        assert tools["books_list"].annotations.read_only_hint is True
        assert tools["books_list"].output_schema["required"] == ["items", "next_cursor"]

        titles: list[str] = []
        arguments: dict = {"order_by": "-year", "limit": 3}
        pages = 0
        while True:
            result = await client.call_tool("books_list", arguments)
            assert not result.is_error, result.content
            pages += 1
            titles += [book["title"] for book in result.structured_content["items"]]
            cursor = result.structured_content["next_cursor"]
            if cursor is None:
                break
            arguments = {**arguments, "cursor": cursor}
        assert pages >= 4
        assert titles[:2] == ["View with a Grain of Sand", "If on a winter's night a traveler"]
        assert len(titles) == len(set(titles)) >= 10

        result = await client.call_tool("books_list", {"year__lte": 1950})
        assert [b["title"] for b in result.structured_content["items"]] == ["Ficciones"]
        result = await client.call_tool("books_list", {"year": "nineteen"})
        assert result.is_error and "year: expected an integer" in result.content[0].text


async def test_writes_with_the_write_scope(bookshop: int) -> None:
    async with connect(bookshop, CLERK, "legacy") as client:
        created = await client.call_tool(
            "books_create",
            {"title": "Mr Palomar", "isbn": "978-0156626279", "author_id": 2, "year": 1983, "price": 11.5, "in_stock": True},
        )
        assert not created.is_error, created.content
        book_id = created.structured_content["id"]
        again = await client.call_tool(
            "books_create",
            {"title": "Copy", "isbn": "978-0156626279", "author_id": 2, "year": 1983, "price": 1, "in_stock": True},
        )
        assert again.is_error and "isbn" in again.content[0].text
        gone = await client.call_tool("books_destroy", {"id": book_id})
        assert gone.structured_content["title"] == "Mr Palomar"

    async with connect(bookshop, READER, "legacy") as reader:
        shelf = await reader.call_tool("shelf_create", {"book_id": 1, "status": "reading"})
        assert not shelf.is_error, shelf.content
        mine = await reader.call_tool("shelf_list", {})
        assert [item["book_id"] for item in mine.structured_content["items"]] == [1]


@pytest.mark.parametrize("mode", ["legacy", "discover"])
async def test_a_shelf_row_embeds_its_book(bookshop: int, mode: str) -> None:
    async with connect(bookshop, CLERK, mode) as clerk:
        item = await clerk.call_tool("shelf_create", {"book_id": 2})
        assert not item.is_error, item.content
        # A write returns the row alone; reads embed the book as books_retrieve shows it.
        assert "book" not in item.structured_content
        book = await clerk.call_tool("books_retrieve", {"id": 2})
        shelf = await clerk.call_tool("shelf_list", {"book__title": book.structured_content["title"]})
        assert not shelf.is_error, shelf.content
        [row] = shelf.structured_content["items"]
        assert row["book"] == book.structured_content
        one = await clerk.call_tool("shelf_retrieve", {"id": row["id"]})
        assert one.structured_content["book"]["isbn"] == book.structured_content["isbn"]
        # The schema the client validated against says the book may be absent.
        tools = {tool.name: tool for tool in (await clerk.list_tools()).tools}
        embedded = tools["shelf_list"].output_schema["properties"]["items"]["items"]["properties"]["book"]
        assert embedded["type"] == ["object", "null"]
        await clerk.call_tool("shelf_destroy", {"id": row["id"]})
