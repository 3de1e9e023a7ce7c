//! The app's REST route and its MCP tools share one store, over real HTTP on one port, and
//! the same tools in a process of their own see the same database.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use axum_app::{Notes, app, mcp_builder};
use mcp_kit_tests::{Process, call_body, free_port, post_mcp_with, send, wait_healthy};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const AUTH: [(&str, &str); 1] = [("authorization", "Bearer axum-app-token")];

/// The app on a loopback port over the database at `path`.
async fn start_app(path: &std::path::Path) -> (SocketAddr, CancellationToken) {
    let notes = Notes::open(path).unwrap();
    notes.migrate().await.unwrap();
    let mcp = mcp_builder(notes.clone())
        .build()
        .expect("the example's settings load");
    let shutdown = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(notes, &mcp, shutdown.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (addr, shutdown)
}

fn texts(response: &mcp_kit_tests::Response) -> Vec<Value> {
    response.json()["result"]["structuredContent"]["notes"]
        .as_array()
        .unwrap_or_else(|| panic!("no notes: {}", response.json()))
        .iter()
        .map(|note| note["text"].clone())
        .collect()
}

/// A database file in a directory removed when the test ends, however it ends.
fn temp_database() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.db");
    (dir, file)
}

#[tokio::test]
async fn rest_and_mcp_share_the_store() {
    let (_dir, database) = temp_database();
    let (addr, shutdown) = start_app(&database).await;
    let created = send(
        addr,
        "POST",
        "/api/notes",
        &[("content-type", "application/json")],
        br#"{"text": "from REST"}"#,
    )
    .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );

    let added = post_mcp_with(
        addr,
        &AUTH,
        call_body("add_note", json!({"text": "from MCP"})),
    )
    .await;
    assert_eq!(
        added.json()["result"]["structuredContent"],
        json!({"id": 2, "text": "from MCP"})
    );
    let listed = post_mcp_with(addr, &AUTH, call_body("list_notes", json!({}))).await;
    assert_eq!(texts(&listed), [json!("from REST"), json!("from MCP")]);
    let rest = send(addr, "GET", "/api/notes", &[], b"").await;
    assert_eq!(rest.json().as_array().unwrap().len(), 2);

    // MCP stays behind its authentication; the app's own routes are the app's business.
    let anonymous = post_mcp_with(addr, &[], call_body("list_notes", json!({}))).await;
    assert_eq!(anonymous.status, 401);
    shutdown.cancel();
}

#[tokio::test]
async fn a_separate_mcp_process_reads_the_apps_database() {
    let (_dir, database) = temp_database();
    let (app_addr, shutdown) = start_app(&database).await;
    let port = free_port();
    let _mcp = Process(
        Command::new(env!("CARGO_BIN_EXE_notes-mcp"))
            .args(["serve", "--port", &port.to_string()])
            .env("NOTES_DATABASE", &database)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start notes-mcp"),
    );
    let mcp_addr = SocketAddr::from(([127, 0, 0, 1], port));
    wait_healthy(mcp_addr, "notes-mcp").await;

    let created = send(
        app_addr,
        "POST",
        "/api/notes",
        &[("content-type", "application/json")],
        br#"{"text": "written by the app"}"#,
    )
    .await;
    assert_eq!(created.status, 201);
    let listed = post_mcp_with(mcp_addr, &AUTH, call_body("list_notes", json!({}))).await;
    assert_eq!(texts(&listed), [json!("written by the app")]);

    let added = post_mcp_with(
        mcp_addr,
        &AUTH,
        call_body("add_note", json!({"text": "written by MCP"})),
    )
    .await;
    assert_eq!(added.status, 200);
    let rest = send(app_addr, "GET", "/api/notes", &[], b"").await;
    assert_eq!(rest.json()[1]["text"], "written by MCP");
    shutdown.cancel();
}
