//! The example's lists as a client sees them, over HTTP from the shipped binary: a change to
//! any name, description, schema or argument shows up in review as a snapshot diff.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use mcp_kit_tests::{Process, free_port, post_mcp, wait_healthy};
use serde_json::{Value, json};

/// The running binary (killed when dropped) and its address.
struct Server {
    _process: Process,
    addr: SocketAddr,
}

/// The binary, switched to stateless JSON answers so plain requests can read its lists.
async fn start() -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_everything"))
        .args(["serve", "--port", &port.to_string()])
        .env("MCP_KIT_REQUIRE_AUTH", "false")
        .env("MCP_KIT_STATELESS", "true")
        .env("MCP_KIT_JSON_RESPONSE", "true")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start everything");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let server = Server {
        _process: Process(child),
        addr,
    };
    wait_healthy(addr, "everything").await;
    server
}

async fn list(server: &Server, method: &str) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method});
    let response = post_mcp(server.addr, body.to_string()).await;
    let mut result = response.json()["result"].take();
    assert!(result.is_object(), "{method}: {}", response.json());
    result.as_object_mut().unwrap().remove("resultType");
    result
}

#[tokio::test]
async fn lists() {
    let server = start().await;
    insta::assert_json_snapshot!("tools", list(&server, "tools/list").await);
    insta::assert_json_snapshot!("resources", list(&server, "resources/list").await);
    insta::assert_json_snapshot!("templates", list(&server, "resources/templates/list").await);
    insta::assert_json_snapshot!("prompts", list(&server, "prompts/list").await);
}
