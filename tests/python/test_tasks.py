"""`examples/everything`'s task tools (the `io.modelcontextprotocol/tasks` extension, SEP-2663)
driven by the official MCP Python SDK at protocol revision 2026-07-28.

mcp 2.3.0 has no tasks support of its own, but it has a client extension API
(mcp/client/extension.py): a `ClientExtension` passed as `Client(extensions=[...])` is
advertised in every request's `_meta` client capabilities under its identifier, and each of
its `ResultClaim`s adds one `resultType` to what `tools/call` may answer. When the server
answers with a claimed shape, `Client.call_tool` hands it to the claim's `resolve`, which
sends follow-up requests through `ClaimContext.session` and returns the final
`CallToolResult`; the caller never sees the task.

`TasksExtension` below is such an extension (identifier `io.modelcontextprotocol/tasks`,
settings `{}`), claiming `resultType: "task"`. Its `resolve` polls `tasks/get`, waiting the
`pollIntervalMs` the server last gave; returns `result` when the task is `completed`; raises
`MCPError` from `error` when it is `failed`; and when it is `input_required`, runs each
`inputRequests` entry through the client's own callbacks (`ClientSession.dispatch_input_request`,
the routine the SDK's input-required driver uses) and sends the answers with `tasks/update`.
If the call is cancelled while it waits, it sends `tasks/cancel`. The `tasks/*` requests are
small pydantic models declaring `name_param = "taskId"`, so the SDK sets the `Mcp-Name`
header the server requires on them from the task id.

Every JSON body and `Mcp-Name` header the SDK posts is recorded, and `TasksExtension` keeps
each task it was handed, so the tests check that the server really answered with a task and
that the SDK drove it with `tasks/get` (and `tasks/update`), not that the tool answered
inline:

* `slow_compute` (task "optional") comes back from `Client.call_tool` as its text.
* `failing_job` (task "required") comes back as a `CallToolResult` with `isError` true.
* `confirm_delete` asks `{confirm: boolean}` of the task; the client's elicitation callback
  accepts, the answer goes back with `tasks/update`, and the result is "Deleted 'py.txt'".
* Cancelling a `call_tool` of a long `slow_compute` cancels its task on the server.
* Without the extension, `failing_job` is refused with `MCPError` -32021 (a required
  extension is missing) and `slow_compute` answers inline.

Each runs against the server with `MCP_KIT_STATELESS=true` and `MCP_KIT_JSON_RESPONSE=true`,
and with both false (what `examples/everything/mcp-kit.toml` ships). Both keep tasks in an
in-memory SQLite database (as the shipped file does) and ask for polls every 200 ms, so the
tests do not wait whole seconds between polls.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import httpx2
import pytest
from mcp import Client, MCPError
from mcp.client.extension import ClaimContext, ClientExtension, ResultClaim
from mcp.client.session import ClientRequestContext, ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import MCP_DEFAULT_SSE_READ_TIMEOUT, MCP_DEFAULT_TIMEOUT
from mcp.types import CallToolResult, ElicitResult, ErrorData, InputRequests, InputResponses, Request, RequestParams, Result

from conftest import (
    MODERN_VERSION,
    REQUEST_TIMEOUT_S,
    HelloServer,
    _attach_log,
    check_negotiated,
    everything_server,
)

pytestmark = pytest.mark.anyio

TASKS = "io.modelcontextprotocol/tasks"
CAPABILITIES_META_KEY = "io.modelcontextprotocol/clientCapabilities"
POLL_INTERVAL_MS = 200
MISSING_REQUIRED_CAPABILITY = -32021

TaskStatus = Literal["working", "input_required", "completed", "failed", "cancelled"]


# --------------------------------------------------------------------------- tasks wire models


class CreatedTask(Result):
    """What `tools/call` answers for a task tool (the claimed shape)."""

    result_type: Literal["task"]
    task_id: str
    status: TaskStatus
    status_message: str | None = None
    created_at: str
    last_updated_at: str
    ttl_ms: int | None = None
    poll_interval_ms: int | None = None


class TaskParams(RequestParams):
    task_id: str


class UpdateTaskParams(TaskParams):
    input_responses: InputResponses


class GetTaskRequest(Request[TaskParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    params: TaskParams
    name_param = "taskId"


class UpdateTaskRequest(Request[UpdateTaskParams, Literal["tasks/update"]]):
    method: Literal["tasks/update"] = "tasks/update"
    params: UpdateTaskParams
    name_param = "taskId"


class CancelTaskRequest(Request[TaskParams, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    params: TaskParams
    name_param = "taskId"


class TaskState(Result):
    """`tasks/get`'s answer."""

    result_type: Literal["complete"]
    task_id: str
    status: TaskStatus
    status_message: str | None = None
    created_at: str
    last_updated_at: str
    ttl_ms: int | None = None
    poll_interval_ms: int | None = None
    result: CallToolResult | None = None
    error: ErrorData | None = None
    input_requests: InputRequests | None = None


class Ack(Result):
    """`tasks/update`'s and `tasks/cancel`'s answer."""

    result_type: Literal["complete"]


async def get_task(session: ClientSession, task_id: str, timeout: float | None = None) -> TaskState:
    return await session.send_request(GetTaskRequest(params=TaskParams(task_id=task_id)), TaskState, timeout)


# --------------------------------------------------------------------------- the extension


class TaskFailed(MCPError):
    """A task that ended `failed`: its JSON-RPC error."""


class TaskCancelled(RuntimeError):
    """A task that ended `cancelled` without this client cancelling the call."""


@dataclass(eq=False)
class TasksExtension(ClientExtension):
    """The tasks extension for `Client(extensions=[...])`: claims `resultType: "task"` on
    `tools/call` and drives the task to its `CallToolResult`."""

    identifier = TASKS

    created: list[CreatedTask] = field(default_factory=list)
    """Every task the server answered with, in order."""
    statuses: dict[str, list[TaskStatus]] = field(default_factory=dict)
    """Task id -> the status each `tasks/get` reported."""
    polling: anyio.Event = field(default_factory=anyio.Event)
    """Set once a task has been polled and found still working."""

    def claims(self) -> list[ResultClaim[Any]]:
        return [ResultClaim(result_type="task", model=CreatedTask, resolve=self.resolve)]

    async def resolve(self, task: CreatedTask, ctx: ClaimContext) -> CallToolResult:
        self.created.append(task)
        session, task_id, timeout = ctx.session, task.task_id, ctx.read_timeout_seconds
        seen = self.statuses.setdefault(task_id, [])
        interval_ms = task.poll_interval_ms if task.poll_interval_ms is not None else 1000
        try:
            while True:
                await anyio.sleep(interval_ms / 1000)
                state = await get_task(session, task_id, timeout)
                assert state.task_id == task_id, state
                seen.append(state.status)
                if state.poll_interval_ms is not None:
                    interval_ms = state.poll_interval_ms
                if state.status == "working":
                    self.polling.set()
                elif state.status == "completed":
                    assert state.result is not None, state
                    return state.result
                elif state.status == "failed":
                    assert state.error is not None, state
                    raise TaskFailed.from_error_data(state.error)
                elif state.status == "cancelled":
                    raise TaskCancelled(f"task {task_id} was cancelled: {state.status_message}")
                else:  # input_required
                    answers = await self._answer(session, state.input_requests or {})
                    update = UpdateTaskRequest(params=UpdateTaskParams(task_id=task_id, input_responses=answers))
                    await session.send_request(update, Ack, timeout)
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True), anyio.move_on_after(REQUEST_TIMEOUT_S):
                await session.send_request(CancelTaskRequest(params=TaskParams(task_id=task_id)), Ack, timeout)
            raise

    @staticmethod
    async def _answer(session: ClientSession, requests: InputRequests) -> InputResponses:
        """Ask the client's own sampling/elicitation/roots callbacks, one request at a time."""
        answers: InputResponses = {}
        for key, request in requests.items():
            ctx = ClientRequestContext(session=session, request_id=key, meta=request.params.meta if request.params else None)
            answer = await session.dispatch_input_request(ctx, request)
            if isinstance(answer, ErrorData):
                raise MCPError.from_error_data(answer)
            answers[key] = answer
        return answers


# --------------------------------------------------------------------------- servers


@contextmanager
def _everything(tmp_path_factory: pytest.TempPathFactory, stateless: bool) -> Iterator[HelloServer]:
    env = {
        "MCP_KIT_REQUIRE_AUTH": "false",
        "MCP_KIT_STATELESS": "true" if stateless else "false",
        "MCP_KIT_JSON_RESPONSE": "true" if stateless else "false",
        "MCP_KIT_TASKS__DATABASE_URL": "sqlite::memory:",
        "MCP_KIT_TASKS__POLL_INTERVAL_MS": str(POLL_INTERVAL_MS),
        "RUST_BACKTRACE": "1",
    }
    # An empty working directory: no ./mcp-kit.toml there, so the settings are exactly the ones above.
    workdir = tmp_path_factory.mktemp("everything-tasks-cwd")
    with everything_server(tmp_path_factory, env, label="everything-tasks", cwd=workdir) as server:
        yield server


@pytest.fixture(scope="module")
def stateless_json_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    with _everything(tmp_path_factory, stateless=True) as server:
        yield server


@pytest.fixture(scope="module")
def stateful_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelloServer]:
    with _everything(tmp_path_factory, stateless=False) as server:
        yield server


@pytest.fixture(params=["stateless_json", "stateful"])
def server(request: pytest.FixtureRequest) -> HelloServer:
    live: HelloServer = request.getfixturevalue(f"{request.param}_server")
    if live.process.poll() is not None:
        pytest.fail(f"everything ({request.param}) has exited with code {live.process.returncode}:\n{live.stderr_tail()}", pytrace=False)
    _attach_log(request.node, request.param, live.stderr_path)
    return live


# --------------------------------------------------------------------------- client


@dataclass
class Posted:
    """One JSON-RPC message the SDK POSTed."""

    body: dict[str, Any]
    mcp_name: str | None

    @property
    def method(self) -> str | None:
        return self.body.get("method")

    @property
    def params(self) -> dict[str, Any]:
        return self.body.get("params") or {}


class Confirmer:
    """The client's elicitation callback: accepts `{"confirm": true}`, recording what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[Any, Any]] = []  # (request id, params)

    async def __call__(self, context, params) -> ElicitResult:
        self.asked.append((context.request_id, params))
        return ElicitResult(action="accept", content={"confirm": True})


@asynccontextmanager
async def sdk_client(
    server: HelloServer,
    posted: list[Posted],
    extension: TasksExtension | None,
    confirmer: Confirmer | None = None,
) -> AsyncIterator[Client]:
    """A 2026-07-28 SDK client (negotiated with `server/discover`), with `extension` if given;
    every JSON body it POSTs is appended to `posted`."""

    async def record(request: httpx2.Request) -> None:
        if request.method == "POST":
            posted.append(Posted(json.loads(request.content), request.headers.get("mcp-name")))

    http = httpx2.AsyncClient(
        timeout=httpx2.Timeout(MCP_DEFAULT_TIMEOUT, read=MCP_DEFAULT_SSE_READ_TIMEOUT),
        event_hooks={"request": [record]},
    )
    kwargs: dict[str, Any] = {}
    if extension is not None:
        kwargs["extensions"] = [extension]
    if confirmer is not None:
        kwargs["elicitation_callback"] = confirmer
    async with http:
        async with Client(
            streamable_http_client(server.mcp_url, http_client=http),
            mode="auto",
            cache=None,
            read_timeout_seconds=REQUEST_TIMEOUT_S,
            **kwargs,
        ) as client:
            check_negotiated(client, "discover")
            assert client.protocol_version == MODERN_VERSION
            yield client


def calls_of(posted: list[Posted], tool: str) -> list[Posted]:
    return [p for p in posted if p.method == "tools/call" and p.params.get("name") == tool]


def task_requests(posted: list[Posted]) -> list[Posted]:
    return [p for p in posted if (p.method or "").startswith("tasks/")]


def declared_extensions(message: Posted) -> dict[str, Any] | None:
    return message.params["_meta"][CAPABILITIES_META_KEY].get("extensions")


def check_ran_as_task(extension: TasksExtension, posted: list[Posted], tool: str) -> str:
    """The one `tools/call` of `tool` declared the extension and was answered with a working
    task, which the SDK then polled with `tasks/get`; returns the task id."""
    (call,) = calls_of(posted, tool)
    assert declared_extensions(call) == {TASKS: {}}, call.body
    assert call.mcp_name == tool
    assert len(extension.created) == 1, extension.created
    task = extension.created[0]
    assert task.result_type == "task" and task.status == "working", task
    assert task.poll_interval_ms == POLL_INTERVAL_MS, task
    task_id = task.task_id
    requests = task_requests(posted)
    assert requests and all(p.params["taskId"] == task_id for p in requests), [p.body for p in requests]
    # The server refuses tasks/* without Mcp-Name; `name_param` makes the SDK set it.
    assert all(p.mcp_name == task_id for p in requests), [(p.method, p.mcp_name) for p in requests]
    gets = [p for p in requests if p.method == "tasks/get"]
    assert len(gets) == len(extension.statuses[task_id]) >= 1
    return task_id


# --------------------------------------------------------------------------- tests


async def test_slow_compute_runs_as_a_task_driven_by_the_sdk(server: HelloServer) -> None:
    extension = TasksExtension()
    posted: list[Posted] = []
    async with sdk_client(server, posted, extension) as client:
        result = await client.call_tool("slow_compute", {"seconds": 1, "label": "py"})

    assert isinstance(result, CallToolResult)
    assert not result.is_error, result
    assert [c.type for c in result.content] == ["text"], result.content
    assert result.content[0].text == 'Computation "py" completed after 1 seconds. Result: 42.'

    task_id = check_ran_as_task(extension, posted, "slow_compute")
    statuses = extension.statuses[task_id]
    assert statuses[-1] == "completed" and set(statuses[:-1]) <= {"working"}, statuses
    assert [p.method for p in task_requests(posted)] == ["tasks/get"] * len(statuses)


async def test_failing_job_ends_as_an_error_result(server: HelloServer) -> None:
    extension = TasksExtension()
    posted: list[Posted] = []
    async with sdk_client(server, posted, extension) as client:
        result = await client.call_tool("failing_job", {})

    assert isinstance(result, CallToolResult)
    assert result.is_error is True, result
    assert [c.type for c in result.content] == ["text"], result.content
    assert "failing_job always reports a tool execution error" in result.content[0].text, result.content

    task_id = check_ran_as_task(extension, posted, "failing_job")
    assert extension.statuses[task_id][-1] == "completed", extension.statuses
    assert [p.method for p in task_requests(posted)] == ["tasks/get"] * len(extension.statuses[task_id])


async def test_confirm_delete_is_answered_by_the_elicitation_callback(server: HelloServer) -> None:
    extension = TasksExtension()
    confirmer = Confirmer()
    posted: list[Posted] = []
    async with sdk_client(server, posted, extension, confirmer) as client:
        result = await client.call_tool("confirm_delete", {"filename": "py.txt"})

    assert not result.is_error, result
    assert [c.type for c in result.content] == ["text"], result.content
    assert result.content[0].text == "Deleted 'py.txt'"

    assert len(confirmer.asked) == 1, confirmer.asked
    key, form = confirmer.asked[0]
    assert form.message == "Are you sure you want to delete 'py.txt'?"
    assert form.requested_schema["properties"]["confirm"]["type"] == "boolean", form.requested_schema

    task_id = check_ran_as_task(extension, posted, "confirm_delete")
    statuses = extension.statuses[task_id]
    assert "input_required" in statuses and statuses[-1] == "completed", statuses
    updates = [p for p in task_requests(posted) if p.method == "tasks/update"]
    assert len(updates) == 1, [p.body for p in updates]
    assert updates[0].params["inputResponses"] == {key: {"action": "accept", "content": {"confirm": True}}}, updates[0].body
    # The question came with the task, not as a server-to-client request: no JSON-RPC
    # responses were POSTed, and the tool was called once.
    assert [p.body for p in posted if p.method is None] == []


async def test_cancelling_the_call_cancels_the_task(server: HelloServer) -> None:
    extension = TasksExtension()
    posted: list[Posted] = []
    async with sdk_client(server, posted, extension) as client:
        outcome: list[Any] = []

        async def call() -> None:
            outcome.append(await client.call_tool("slow_compute", {"seconds": 60, "label": "abandoned"}))

        with anyio.fail_after(REQUEST_TIMEOUT_S):
            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                await extension.polling.wait()  # the task exists and is still working
                tg.cancel_scope.cancel()
        assert outcome == [], outcome

        (task,) = extension.created
        cancels = [p for p in task_requests(posted) if p.method == "tasks/cancel"]
        assert len(cancels) == 1 and cancels[0].mcp_name == task.task_id, [p.body for p in cancels]
        state = await get_task(client.session, task.task_id)
        assert state.status == "cancelled", state
        assert state.result is None, state


async def test_without_the_extension(server: HelloServer) -> None:
    posted: list[Posted] = []
    async with sdk_client(server, posted, extension=None) as client:
        with pytest.raises(MCPError) as refused:
            await client.call_tool("failing_job", {})
        # An optional task tool runs inline for a client that did not declare tasks.
        inline = await client.call_tool("slow_compute", {"seconds": 1, "label": "inline"})

    assert refused.value.code == MISSING_REQUIRED_CAPABILITY, refused.value.error
    assert refused.value.data == {"requiredCapabilities": {"extensions": {TASKS: {}}}}, refused.value.error
    (call,) = calls_of(posted, "failing_job")
    assert not declared_extensions(call), call.body

    assert not inline.is_error, inline
    assert inline.content[0].text == 'Computation "inline" completed after 1 seconds. Result: 42.'
    assert task_requests(posted) == []
