//! Nothing grows without bound: a server process that has opened and ended 10,000 stateful
//! sessions holds about the memory it held before them.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use mcp_kit_tests::{Process, free_port, post_mcp_with, send, wait_healthy};
use serde_json::json;

/// The resident memory of process `pid`, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("a /proc entry");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// Opens a session on `addr`, calls a tool in it, and ends it.
async fn open_use_and_end(addr: SocketAddr) {
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}});
    let opened = post_mcp_with(addr, &[], initialize.to_string()).await;
    let session = opened
        .header("mcp-session-id")
        .expect("a session")
        .to_owned();
    let headers = [("mcp-session-id", session.as_str())];
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    assert_eq!(
        post_mcp_with(addr, &headers, list.to_string()).await.status,
        200
    );
    let ended = send(addr, "DELETE", "/mcp", &headers, b"").await;
    assert_eq!(ended.status, 202);
}

#[tokio::test]
async fn ten_thousand_sessions_opened_and_ended_leave_memory_where_it_was() {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_replica"))
        .args(["serve", "--port", &port.to_string()])
        .env("MCP_KIT_REQUIRE_AUTH", "false")
        .env("MCP_KIT_STATELESS", "false")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("start a replica");
    let pid = child.id();
    let _server = Process(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    wait_healthy(addr, "the server").await;

    // Warm up: the allocator's arenas, rmcp's first session, the caches.
    for _ in 0..500 {
        open_use_and_end(addr).await;
    }
    let before = resident_kib(pid);
    for _ in 0..10_000 {
        open_use_and_end(addr).await;
    }
    let after = resident_kib(pid);
    eprintln!("resident memory: {before} KiB after warm-up, {after} KiB after 10,000 sessions");
    assert!(
        after <= before + before / 10,
        "resident memory grew from {before} KiB to {after} KiB over 10,000 sessions"
    );
}
