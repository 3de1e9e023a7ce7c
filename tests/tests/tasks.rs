//! Tools that run as tasks (the `io.modelcontextprotocol/tasks` extension), over real HTTP
//! with a real SQLite store: the lifecycle, answers through `tasks/update` on another
//! replica, cancellation reaching the handler, and every bad input the extension names.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};

use mcp_kit::prelude::*;
use mcp_kit::{Elicitation, Settings};
use mcp_kit_tests::{TestServer, request_2026, spawn, test_settings, wait_for};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Set once `forever`'s future has been dropped: its cancellation reached it.
static FOREVER_DROPPED: AtomicBool = AtomicBool::new(false);

struct SetOnDrop(&'static AtomicBool);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs until cancelled.
#[tool(task = "required")]
async fn forever() -> String {
    let _dropped = SetOnDrop(&FOREVER_DROPPED);
    std::future::pending::<()>().await;
    unreachable!()
}

/// Reports its progress, then runs until cancelled.
#[tool(task = "required")]
async fn indexing(context: Context) -> Result<String, ToolError> {
    context.progress(3.0, Some(10.0), Some("indexing")).await?;
    std::future::pending::<()>().await;
    unreachable!()
}

/// Answers at once (without waiting on anything); a task only when the client supports
/// tasks.
#[tool(task = "optional")]
async fn quick(word: String) -> String {
    word.to_uppercase()
}

/// Waits once (so the task starts), then answers, always as a task.
#[tool(task = "required")]
async fn later(word: String) -> String {
    tokio::task::yield_now().await;
    word
}

#[derive(Deserialize, JsonSchema)]
struct Name {
    name: String,
}

/// Asks a name, as a task.
#[tool(task = "required")]
async fn ask(context: Context) -> Result<String, ToolError> {
    Ok(match context.elicit::<Name>("Your name?").await? {
        Elicitation::Accepted(Name { name }) => format!("Hello, {name}"),
        _ => "no name".into(),
    })
}

/// Asks a name of the call, then greets from a task.
#[tool(task = "required")]
async fn ask_first(context: Context) -> Result<String, ToolError> {
    let answer = context
        .elicit::<Name>("Your name?")
        .key("name")
        .before_task()
        .await?;
    // The task starts at the handler's first wait after the question.
    tokio::task::yield_now().await;
    Ok(format!(
        "Hi, {}",
        answer.accepted().map_or(String::new(), |n| n.name)
    ))
}

/// Asks a name, as a task, once a minute at most.
#[tool(task = "required", rate_limit(calls = 1, per = 60))]
async fn ask_rarely(context: Context) -> Result<String, ToolError> {
    ask(context).await
}

/// A result larger than the store keeps.
#[tool(task = "required")]
async fn huge() -> String {
    "x".repeat(10_000)
}

/// Fails as the server fails.
#[tool(task = "required")]
async fn broken() -> Result<String, ToolError> {
    Err(ToolError::internal("the disk is on fire"))
}

/// Never a task.
#[tool]
fn plain() -> &'static str {
    "plain"
}

fn settings(database_url: &str) -> Settings {
    let mut settings = test_settings();
    settings.require_auth = true;
    settings.tasks.database_url = database_url.into();
    settings.tasks.max_result_bytes = 2_000;
    settings.tasks.max_live_per_caller = 3;
    settings
}

async fn server(database_url: &str) -> TestServer {
    let server = Server::builder()
        .settings(settings(database_url))
        .bearer_resolver(
            |token: String| async move { Some(Principal::new(token).with_scopes(["mcp"])) },
        )
        .build()
        .expect("builds");
    spawn(server).await
}

/// A file database in a directory removed with it.
fn database() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("tasks.db").display()
    );
    (dir, url)
}

const TASKS: &str = "io.modelcontextprotocol/tasks";

/// A 2026-07-28 request as `caller`, declaring the tasks extension and elicitation.
async fn rpc(addr: SocketAddr, caller: &str, method: &str, params: Value) -> Value {
    let capabilities = json!({"elicitation": {}, "extensions": {TASKS: {}}});
    request_2026(addr, Some(caller), method, params, capabilities).await
}

async fn call(addr: SocketAddr, caller: &str, tool: &str, arguments: Value) -> Value {
    rpc(
        addr,
        caller,
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    )
    .await
}

/// Calls `tool` and gives the id of the task it started.
async fn start(addr: SocketAddr, caller: &str, tool: &str, arguments: Value) -> String {
    let body = call(addr, caller, tool, arguments).await;
    assert_eq!(body["result"]["resultType"], "task", "{body}");
    body["result"]["taskId"]
        .as_str()
        .expect("a task id")
        .to_owned()
}

async fn get(addr: SocketAddr, caller: &str, id: &str) -> Value {
    rpc(addr, caller, "tasks/get", json!({"taskId": id})).await
}

/// Polls the task until it reaches `status`; its `tasks/get` result then.
async fn until(addr: SocketAddr, caller: &str, id: &str, status: &str) -> Value {
    let mut last = Value::Null;
    wait_for(&format!("task {id} reaching {status}"), async || {
        last = get(addr, caller, id).await;
        last["result"]["status"] == status
    })
    .await;
    last["result"].clone()
}

#[tokio::test]
async fn a_task_is_created_at_once_and_read_with_its_result() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let body = call(server.addr, "alice", "later", json!({"word": "done"})).await;
    let created = &body["result"];
    assert_eq!(created["resultType"], "task", "{body}");
    assert_eq!(created["status"], "working", "{body}");
    assert_eq!(created["ttlMs"], 24 * 3600 * 1000, "{body}");
    assert_eq!(created["pollIntervalMs"], 1000, "{body}");
    assert!(
        created["createdAt"].as_str().unwrap().ends_with('Z'),
        "{body}"
    );
    let id = created["taskId"].as_str().unwrap();
    // 128 random bits: no one guesses another's task.
    assert!(id.len() >= 22, "{id}");

    let done = until(server.addr, "alice", id, "completed").await;
    assert_eq!(done["resultType"], "complete", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "done", "{done}");
    assert_eq!(done["result"]["isError"], false, "{done}");
}

#[tokio::test]
async fn an_optional_task_tool_answers_inline_when_it_finishes_at_once() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let body = call(server.addr, "alice", "quick", json!({"word": "hi"})).await;
    assert_eq!(body["result"]["resultType"], "complete", "{body}");
    assert_eq!(body["result"]["content"][0]["text"], "HI", "{body}");
}

#[tokio::test]
async fn a_required_task_tool_refuses_a_client_without_the_extension() {
    let (_dir, url) = database();
    let server = server(&url).await;
    for capabilities in [json!({}), json!({"extensions": {"other/ext": {}}})] {
        let params = json!({"name": "later", "arguments": {"word": "x"}});
        let body = request_2026(
            server.addr,
            Some("alice"),
            "tools/call",
            params,
            capabilities,
        )
        .await;
        assert_eq!(body["error"]["code"], -32021, "{body}");
        assert_eq!(
            body["error"]["data"]["requiredCapabilities"]["extensions"][TASKS],
            json!({}),
            "{body}"
        );
    }
    // An optional one runs as a plain call for such a client.
    let params = json!({"name": "quick", "arguments": {"word": "x"}});
    let body = request_2026(server.addr, Some("alice"), "tools/call", params, json!({})).await;
    assert_eq!(body["result"]["content"][0]["text"], "X", "{body}");
}

#[tokio::test]
async fn a_question_suspends_the_task_and_another_replica_resumes_it() {
    let (_dir, url) = database();
    let (first, replica) = (server(&url).await, server(&url).await);
    let id = start(first.addr, "alice", "ask", json!({})).await;
    let asked = until(first.addr, "alice", &id, "input_required").await;
    let (key, request) = asked["inputRequests"]
        .as_object()
        .and_then(|requests| requests.iter().next())
        .expect("one question");
    assert_eq!(request["method"], "elicitation/create", "{asked}");
    assert_eq!(request["params"]["message"], "Your name?", "{asked}");

    // An answer to nothing asked changes nothing.
    let ignored = json!({"taskId": id, "inputResponses": {"nope": {"action": "decline"}}});
    let ack = rpc(replica.addr, "alice", "tasks/update", ignored).await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    let still = get(replica.addr, "alice", &id).await;
    assert_eq!(still["result"]["status"], "input_required", "{still}");

    let answer = json!({"action": "accept", "content": {"name": "Alice"}});
    let update = json!({"taskId": id, "inputResponses": {key.clone(): answer}});
    let ack = rpc(replica.addr, "alice", "tasks/update", update).await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    let done = until(first.addr, "alice", &id, "completed").await;
    assert_eq!(
        done["result"]["content"][0]["text"], "Hello, Alice",
        "{done}"
    );
}

#[tokio::test]
async fn a_question_asked_before_the_task_is_asked_of_the_call() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let body = call(server.addr, "alice", "ask_first", json!({})).await;
    let asked = &body["result"];
    assert_eq!(asked["resultType"], "input_required", "{body}");
    assert!(asked.get("taskId").is_none(), "{body}");
    assert!(asked["inputRequests"]["name"].is_object(), "{body}");
    let state = asked["requestState"].as_str().unwrap().to_owned();

    let retry = |state: &str| {
        json!({"name": "ask_first", "arguments": {},
               "inputResponses": {"name": {"action": "accept", "content": {"name": "Bo"}}},
               "requestState": state})
    };
    // A tampered state is refused before anything runs.
    let tampered = rpc(
        server.addr,
        "alice",
        "tools/call",
        retry(&format!("{state}x")),
    )
    .await;
    assert_eq!(tampered["error"]["code"], -32602, "{tampered}");

    let body = rpc(server.addr, "alice", "tools/call", retry(&state)).await;
    assert_eq!(body["result"]["resultType"], "task", "{body}");
    assert!(body["result"].get("requestState").is_none(), "{body}");
    let id = body["result"]["taskId"].as_str().unwrap();
    let done = until(server.addr, "alice", id, "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "Hi, Bo", "{done}");
}

#[tokio::test]
async fn cancelling_reaches_the_handler_and_twice_is_the_same_as_once() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let id = start(server.addr, "alice", "forever", json!({})).await;
    let working = get(server.addr, "alice", &id).await;
    assert_eq!(working["result"]["status"], "working", "{working}");
    for _ in 0..2 {
        let ack = rpc(server.addr, "alice", "tasks/cancel", json!({"taskId": id})).await;
        assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    }
    let cancelled = get(server.addr, "alice", &id).await;
    assert_eq!(cancelled["result"]["status"], "cancelled", "{cancelled}");
    wait_for("the handler's future to be dropped", async || {
        FOREVER_DROPPED.load(Ordering::SeqCst)
    })
    .await;
}

#[tokio::test]
async fn unknown_malformed_and_other_callers_task_ids_are_invalid_params() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let id = start(server.addr, "alice", "later", json!({"word": "mine"})).await;
    let unknown = get(server.addr, "alice", "no-such-task").await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    // Bob is told the same as for an id that does not exist, for every method.
    let theirs = get(server.addr, "bob", &id).await;
    assert_eq!(theirs["error"], unknown["error"], "{theirs}");
    let cancel = rpc(server.addr, "bob", "tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(cancel["error"]["code"], -32602, "{cancel}");
    let update = json!({"taskId": id, "inputResponses": {}});
    let update = rpc(server.addr, "bob", "tasks/update", update).await;
    assert_eq!(update["error"]["code"], -32602, "{update}");
    let malformed = rpc(server.addr, "alice", "tasks/get", json!({"taskId": 42})).await;
    assert_eq!(malformed["error"]["code"], -32602, "{malformed}");
    // Alice's task is untouched.
    until(server.addr, "alice", &id, "completed").await;
}

#[tokio::test]
async fn task_methods_need_the_extension_declared() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let params = json!({"taskId": "anything"});
    let body = request_2026(server.addr, Some("alice"), "tasks/get", params, json!({})).await;
    assert_eq!(body["error"]["code"], -32021, "{body}");
}

#[tokio::test]
async fn a_result_over_the_bound_fails_the_task_saying_so() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let id = start(server.addr, "alice", "huge", json!({})).await;
    let failed = until(server.addr, "alice", &id, "failed").await;
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(message.contains("tasks.max_result_bytes"), "{failed}");
    assert!(failed.get("result").is_none(), "{failed}");
}

#[tokio::test]
async fn a_server_fault_fails_the_task_without_its_detail() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let id = start(server.addr, "alice", "broken", json!({})).await;
    let failed = get(server.addr, "alice", &id).await["result"].clone();
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], -32603, "{failed}");
    assert!(!failed.to_string().contains("fire"), "{failed}");
}

#[tokio::test]
async fn a_caller_has_a_bounded_number_of_live_tasks() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let mut started = Vec::new();
    for _ in 0..3 {
        started.push(start(server.addr, "carol", "forever", json!({})).await);
    }
    let refused = call(server.addr, "carol", "forever", json!({})).await;
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    let text = refused["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("3 tasks"), "{refused}");
    // Others are not held back by Carol's tasks, and a finished one frees a place.
    start(server.addr, "dave", "forever", json!({})).await;
    rpc(
        server.addr,
        "carol",
        "tasks/cancel",
        json!({"taskId": started[0]}),
    )
    .await;
    start(server.addr, "carol", "forever", json!({})).await;
}

#[tokio::test]
async fn an_unreachable_store_makes_task_tools_unavailable_and_others_serve() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rw",
        dir.path().join("missing/tasks.db").display()
    );
    let server = server(&url).await;
    let body = call(server.addr, "alice", "later", json!({"word": "x"})).await;
    assert_eq!(body["result"]["isError"], true, "{body}");
    let text = body["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("unavailable"), "{body}");
    let body = call(server.addr, "alice", "plain", json!({})).await;
    assert_eq!(body["result"]["content"][0]["text"], "plain", "{body}");
}

#[tokio::test]
async fn the_test_client_runs_a_task_answers_it_and_waits_for_it() {
    let (_dir, url) = database();
    let server = Server::builder().settings(settings(&url)).build().unwrap();
    let client = server
        .test_client()
        .as_principal(Principal::new("erin").with_scopes(["mcp"]));
    let done = client
        .call_task("later", json!({"word": "ok"}))
        .await
        .unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "ok", "{done}");

    let asked = client.call_task("ask", json!({})).await.unwrap();
    assert_eq!(asked["status"], "input_required", "{asked}");
    let id = asked["taskId"].as_str().unwrap();
    let key = asked["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap();
    let answer = json!({key: {"action": "accept", "content": {"name": "Erin"}}});
    let done = client.answer_task(id, answer).await.unwrap();
    assert_eq!(
        done["result"]["content"][0]["text"], "Hello, Erin",
        "{done}"
    );

    let refused = client.call_task("plain", json!({})).await.unwrap_err();
    assert!(
        refused.contains("no tool named `plain` runs as a task"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_task_past_its_ttl_is_gone() {
    let (_dir, url) = database();
    let mut settings = settings(&url);
    settings.tasks.ttl = 1;
    let server = Server::builder().settings(settings).build().unwrap();
    let client = server.test_client();
    let done = client
        .call_task("later", json!({"word": "brief"}))
        .await
        .unwrap();
    let id = done["taskId"].as_str().unwrap().to_owned();
    wait_for("the task to expire", async || {
        client
            .cancel_task(&id)
            .await
            .is_err_and(|e| e.contains("no task"))
    })
    .await;
}

#[tokio::test]
async fn a_resumed_task_takes_no_more_of_its_rate_limit() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let id = start(server.addr, "frank", "ask_rarely", json!({})).await;
    let asked = until(server.addr, "frank", &id, "input_required").await;
    let key = asked["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let answer = json!({"action": "accept", "content": {"name": "Frank"}});
    let update = json!({"taskId": id, "inputResponses": {key: answer}});
    rpc(server.addr, "frank", "tasks/update", update).await;
    let done = until(server.addr, "frank", &id, "completed").await;
    assert_eq!(
        done["result"]["content"][0]["text"], "Hello, Frank",
        "{done}"
    );
    // The limit still holds for a new call: its task ends at once, refused.
    let id = start(server.addr, "frank", "ask_rarely", json!({})).await;
    let refused = until(server.addr, "frank", &id, "completed").await;
    let text = refused["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("rate limited"), "{refused}");
}

#[tokio::test]
async fn an_answer_to_a_task_that_asked_nothing_changes_nothing() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let id = start(server.addr, "gina", "forever", json!({})).await;
    let update = json!({"taskId": id, "inputResponses": {"elicitation-1": {"action": "decline"}}});
    let ack = rpc(server.addr, "gina", "tasks/update", update).await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    let task = get(server.addr, "gina", &id).await;
    assert_eq!(task["result"]["status"], "working", "{task}");
    rpc(server.addr, "gina", "tasks/cancel", json!({"taskId": id})).await;
}

#[tokio::test]
async fn a_tasks_progress_is_its_status_message() {
    let (_dir, url) = database();
    let server = server(&url).await;
    let id = start(server.addr, "hana", "indexing", json!({})).await;
    wait_for("the progress to show", async || {
        let task = get(server.addr, "hana", &id).await;
        task["result"]["statusMessage"] == "indexing (3/10)"
    })
    .await;
    let task = get(server.addr, "hana", &id).await;
    assert_eq!(task["result"]["status"], "working", "{task}");
    rpc(server.addr, "hana", "tasks/cancel", json!({"taskId": id})).await;
}
