//! Tasks that outlive the process running them, with the shipped binary: one killed
//! mid-task leaves its task reported failed (with the reason) to the next process on the
//! same store, and two processes on one PostgreSQL serve each other's tasks.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use mcp_kit_tests::{Postgres, Process, free_port, request_2026, wait_for, wait_healthy};
use serde_json::{Value, json};

/// The binary on a free port, keeping its tasks at `database_url`, beating every second.
async fn start(database_url: &str) -> (Process, SocketAddr) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_everything"))
        .args(["serve", "--port", &port.to_string()])
        .env("MCP_KIT_REQUIRE_AUTH", "false")
        .env("MCP_KIT_TASKS__DATABASE_URL", database_url)
        .env("MCP_KIT_TASKS__HEARTBEAT", "1")
        .env("MCP_KIT_STATELESS", "true")
        .env("MCP_KIT_JSON_RESPONSE", "true")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start everything");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    wait_healthy(addr, "everything").await;
    (Process(child), addr)
}

async fn rpc(addr: SocketAddr, method: &str, params: Value) -> Value {
    let capabilities =
        json!({"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}});
    let body = request_2026(addr, None, method, params, capabilities).await;
    assert!(body["result"].is_object(), "{method}: {body}");
    body["result"].clone()
}

async fn start_task(addr: SocketAddr, tool: &str, arguments: Value) -> String {
    let created = rpc(
        addr,
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    )
    .await;
    assert_eq!(created["resultType"], "task", "{created}");
    created["taskId"].as_str().unwrap().to_owned()
}

/// Polls the task through `addr` until it reaches `status`.
async fn until(addr: SocketAddr, id: &str, status: &str) -> Value {
    let mut last = Value::Null;
    wait_for(&format!("task {id} reaching {status}"), async || {
        last = rpc(addr, "tasks/get", json!({"taskId": id})).await;
        last["status"] == status
    })
    .await;
    last
}

#[tokio::test]
async fn a_task_whose_process_was_killed_reads_as_failed_and_new_tasks_run() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("tasks.db").display()
    );
    let (first, addr) = start(&url).await;
    let id = start_task(
        addr,
        "slow_compute",
        json!({"seconds": 600, "label": "lost"}),
    )
    .await;
    // SIGKILL: no clean-up runs.
    drop(first);

    let (_second, addr) = start(&url).await;
    let failed = until(addr, &id, "failed").await;
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(message.contains("stopped before it finished"), "{failed}");
    assert_eq!(failed["statusMessage"], message, "{failed}");

    let id = start_task(addr, "slow_compute", json!({"seconds": 0, "label": "new"})).await;
    let done = until(addr, &id, "completed").await;
    let text = done["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("\"new\""), "{done}");
}

#[tokio::test]
async fn two_processes_on_one_postgres_serve_each_others_tasks() {
    let postgres = Postgres::start();
    let (_a, a) = start(&postgres.url).await;
    let (_b, b) = start(&postgres.url).await;

    // Created through A, asked and answered through B, finished where B resumed it.
    let id = start_task(a, "confirm_delete", json!({"filename": "x.txt"})).await;
    let asked = until(b, &id, "input_required").await;
    let key = asked["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let answer = json!({"action": "accept", "content": {"confirm": true}});
    let ack = rpc(
        b,
        "tasks/update",
        json!({"taskId": id, "inputResponses": {key: answer}}),
    )
    .await;
    assert_eq!(ack, json!({"resultType": "complete"}));
    let done = until(a, &id, "completed").await;
    assert_eq!(
        done["result"]["content"][0]["text"], "Deleted 'x.txt'",
        "{done}"
    );

    // Running on A, cancelled through B: A sees it too, and it stays cancelled.
    let id = start_task(a, "slow_compute", json!({"seconds": 600, "label": "long"})).await;
    until(b, &id, "working").await;
    rpc(b, "tasks/cancel", json!({"taskId": id})).await;
    until(a, &id, "cancelled").await;
}

/// `everything tasks …` on the store at `database_url`.
fn tasks_command(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_everything"))
        .arg("tasks")
        .args(args)
        .env("MCP_KIT_TASKS__DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run everything tasks")
}

#[tokio::test]
async fn the_command_line_lists_shows_and_cancels_a_live_servers_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("tasks.db").display()
    );
    let (_server, addr) = start(&url).await;
    let id = start_task(
        addr,
        "slow_compute",
        json!({"seconds": 600, "label": "cli"}),
    )
    .await;

    let listed = tasks_command(&url, &["list"]);
    let listed = String::from_utf8(listed.stdout).unwrap();
    let row = listed
        .lines()
        .find(|line| line.starts_with(&id))
        .expect(&listed);
    assert!(
        row.contains("working") && row.contains("slow_compute"),
        "{listed}"
    );
    assert!(row.contains("(anonymous)"), "{listed}");

    let shown = tasks_command(&url, &["show", &id]);
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["status"], "working", "{shown}");
    assert_eq!(shown["arguments"]["label"], "cli", "{shown}");

    let cancelled = tasks_command(&url, &["cancel", &id]);
    assert!(cancelled.status.success());
    let said = String::from_utf8(cancelled.stdout).unwrap();
    assert_eq!(said.trim(), format!("task {id} is cancelled"));
    until(addr, &id, "cancelled").await;

    let missing = tasks_command(&url, &["show", "no-such-task"]);
    assert!(!missing.status.success());
    let said = String::from_utf8(missing.stderr).unwrap();
    assert!(said.contains("no task has the id `no-such-task`"), "{said}");
}
