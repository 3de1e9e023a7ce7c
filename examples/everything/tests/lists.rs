//! The example's lists as a client sees them, over HTTP from the shipped binary: a change to
//! any name, description, schema or argument shows up in review as a snapshot diff.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mcp_kit_tests::{post_mcp, send};
use serde_json::{Value, json};

struct Server(Child, SocketAddr);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The binary, switched to stateless JSON answers so plain requests can read its lists.
async fn start() -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
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
    let server = Server(child, addr);
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(Instant::now() < deadline, "everything did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(send(addr, "GET", "/healthz", &[], b"").await.status, 200);
    server
}

async fn list(server: &Server, method: &str) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method});
    let response = post_mcp(server.1, body.to_string()).await;
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
