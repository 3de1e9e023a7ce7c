"""`examples/everything` through the official MCP Python SDK: resources and templates,
prompts, completions, and a tool that asks the client back (sampling, elicitation) on a
stateful session."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from mcp import Client, MCPError
from mcp.types import (
    CreateMessageResult,
    ElicitResult,
    PromptReference,
    ResourceTemplateReference,
    TextContent,
)

from conftest import REQUEST_TIMEOUT_S, HelloServer, everything_server

pytestmark = pytest.mark.anyio

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    with everything_server(tmp_path_factory, {"MCP_KIT_REQUIRE_AUTH": "false"}) as server:
        yield server


def connect(server: HelloServer, **callbacks) -> Client:
    return Client(server.mcp_url, mode="legacy", cache=None, read_timeout_seconds=REQUEST_TIMEOUT_S, **callbacks)


async def test_resources_and_templates_are_listed_and_read(everything: HelloServer) -> None:
    async with connect(everything) as client:
        resources = (await client.list_resources()).resources
        assert {r.uri for r in resources} == {"test://static-text", "test://static-binary", "test://watched-resource"}
        assert all(r.description for r in resources)
        templates = (await client.list_resource_templates()).resource_templates
        assert [(t.uri_template, t.mime_type) for t in templates] == [("test://template/{id}/data", "application/json")]

        text = (await client.read_resource("test://static-text")).contents[0]
        assert (text.mime_type, text.text) == ("text/plain", "This is the content of the static text resource.")
        binary = (await client.read_resource("test://static-binary")).contents[0]
        assert binary.mime_type == "image/png"
        assert base64.b64decode(binary.blob).startswith(PNG_SIGNATURE)
        data = (await client.read_resource("test://template/42/data")).contents[0]
        assert json.loads(data.text) == {"id": "42", "templateTest": True, "data": "Data for ID: 42"}

        with pytest.raises(MCPError) as missing:
            await client.read_resource("test://nowhere")
        assert missing.value.error.code == -32002


async def test_prompts_are_listed_and_rendered(everything: HelloServer) -> None:
    async with connect(everything) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert set(prompts) == {
            "test_simple_prompt",
            "test_prompt_with_arguments",
            "test_prompt_with_embedded_resource",
            "test_prompt_with_image",
            "test_input_required_result_prompt",
        }
        arguments = prompts["test_prompt_with_arguments"].arguments
        assert [(a.name, a.required) for a in arguments] == [("arg1", True), ("arg2", True)]

        rendered = await client.get_prompt("test_prompt_with_arguments", {"arg1": "one", "arg2": "two"})
        assert rendered.messages[0].role == "user"
        assert rendered.messages[0].content.text == "Prompt with arguments: arg1='one', arg2='two'"
        embedded = await client.get_prompt("test_prompt_with_embedded_resource", {"resourceUri": "test://x"})
        assert embedded.messages[0].content.type == "resource"
        assert embedded.messages[0].content.resource.uri == "test://x"
        image = await client.get_prompt("test_prompt_with_image")
        assert base64.b64decode(image.messages[0].content.data).startswith(PNG_SIGNATURE)

        with pytest.raises(MCPError) as missing_argument:
            await client.get_prompt("test_prompt_with_arguments", {"arg1": "one"})
        assert missing_argument.value.error.code == -32602
        assert "arg2" in missing_argument.value.error.message


async def test_completions_suggest_argument_values(everything: HelloServer) -> None:
    async with connect(everything) as client:
        result = await client.complete(PromptReference(type="ref/prompt", name="test_prompt_with_arguments"), {"name": "arg1", "value": "test"})
        assert result.completion.values == ["test", "testValue1", "testValue2"]
        assert result.completion.has_more is False
        none = await client.complete(
            ResourceTemplateReference(type="ref/resource", uri="test://template/{id}/data"), {"name": "id", "value": ""}
        )
        assert none.completion.values == []


async def test_tools_ask_the_client_back(everything: HelloServer) -> None:
    asked: dict[str, object] = {}

    async def sampling(_context, params) -> CreateMessageResult:
        asked["sampling"] = params
        return CreateMessageResult(role="assistant", content=TextContent(type="text", text="forty-two"), model="test-model")

    async def elicitation(_context, params) -> ElicitResult:
        asked["elicitation"] = params
        return ElicitResult(action="accept", content={"username": "ada", "email": "ada@example.com"})

    async with connect(everything, sampling_callback=sampling, elicitation_callback=elicitation) as client:
        sampled = await client.call_tool("test_sampling", {"prompt": "What is six times seven?"})
        assert sampled.content[0].text == "LLM response: forty-two"
        request = asked["sampling"]
        assert request.max_tokens == 100
        assert request.messages[0].content.text == "What is six times seven?"

        elicited = await client.call_tool("test_elicitation", {"message": "Who are you?"})
        assert elicited.content[0].text == "User response: action=accept, username=ada, email=ada@example.com"
        form = asked["elicitation"]
        assert form.message == "Who are you?"
        assert form.requested_schema["required"] == ["username", "email"]
        assert form.requested_schema["properties"]["email"]["description"] == "User's email address"


async def test_a_client_without_the_capability_gets_a_clear_error(everything: HelloServer) -> None:
    async with connect(everything) as client:
        result = await client.call_tool("test_elicitation", {"message": "Who are you?"})
        assert result.is_error
        assert "did not declare the `elicitation` capability" in result.content[0].text
