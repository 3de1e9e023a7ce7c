//! Stateful sessions belong to the caller that opened them: another caller who learns a
//! session id can neither use it, open its stream, nor end it; one caller may hold only so
//! many sessions; and a caller subscribes only to resources it may read.

use std::net::SocketAddr;

use mcp_kit::prelude::*;
use mcp_kit_tests::{Response, TestServer, post_mcp_with, send, spawn, test_settings};
use serde_json::json;

/// Readable by anyone.
#[resource("hall://open")]
fn open_hall() -> &'static str {
    "welcome"
}

/// Readable by `staff` scope holders only.
#[resource("hall://staff", permission = HasScope("staff"))]
fn staff_hall() -> &'static str {
    "coffee"
}

async fn server(per_caller: usize) -> TestServer {
    let mut settings = test_settings();
    settings.stateless = false;
    settings.require_auth = true;
    settings.max_sessions_per_caller = per_caller;
    let server = Server::builder()
        .settings(settings)
        .bearer_resolver(
            |token: String| async move { Some(Principal::new(token).with_scopes(["mcp"])) },
        )
        .build()
        .expect("builds");
    spawn(server).await
}

fn bearer(caller: &str) -> String {
    format!("Bearer {caller}")
}

async fn initialize(addr: SocketAddr, caller: &str) -> Response {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}});
    post_mcp_with(
        addr,
        &[("authorization", &bearer(caller))],
        body.to_string(),
    )
    .await
}

/// A session opened by `caller`, initialized.
async fn open(addr: SocketAddr, caller: &str) -> String {
    let response = initialize(addr, caller).await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let session = response
        .header("mcp-session-id")
        .expect("a session")
        .to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let headers = [
        ("authorization", bearer(caller)),
        ("mcp-session-id", session.clone()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post_mcp_with(addr, &headers, initialized.to_string())
            .await
            .status,
        202
    );
    session
}

async fn in_session(
    addr: SocketAddr,
    caller: &str,
    session: &str,
    body: serde_json::Value,
) -> Response {
    let auth = bearer(caller);
    let headers = [
        ("authorization", auth.as_str()),
        ("mcp-session-id", session),
    ];
    post_mcp_with(addr, &headers, body.to_string()).await
}

fn text(response: &Response) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

#[tokio::test]
async fn another_caller_cannot_use_open_or_end_a_session() {
    let http = server(8).await;
    let session = open(http.addr, "alice").await;
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});

    let stolen = in_session(http.addr, "bob", &session, list.clone()).await;
    assert_eq!(stolen.status, 404, "{}", text(&stolen));
    let auth = bearer("bob");
    let stream_headers = [
        ("authorization", auth.as_str()),
        ("mcp-session-id", session.as_str()),
        ("accept", "text/event-stream"),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let stream = send(http.addr, "GET", "/mcp", &stream_headers, b"").await;
    assert_eq!(stream.status, 404, "{}", text(&stream));
    let ended = send(http.addr, "DELETE", "/mcp", &stream_headers[..2], b"").await;
    assert_eq!(ended.status, 404, "{}", text(&ended));

    // Alice's session is untouched.
    let own = in_session(http.addr, "alice", &session, list).await;
    assert_eq!(own.status, 200, "{}", text(&own));
}

#[tokio::test]
async fn a_caller_may_hold_only_so_many_sessions() {
    let http = server(2).await;
    let first = open(http.addr, "alice").await;
    open(http.addr, "alice").await;
    let third = initialize(http.addr, "alice").await;
    assert_eq!(third.status, 429, "{}", text(&third));
    assert!(text(&third).contains("2 sessions"), "{}", text(&third));
    // Others are not held to alice's count; an ended session frees its place.
    open(http.addr, "bob").await;
    let auth = bearer("alice");
    let headers = [
        ("authorization", auth.as_str()),
        ("mcp-session-id", first.as_str()),
    ];
    let ended = send(http.addr, "DELETE", "/mcp", &headers, b"").await;
    assert!(ended.status < 300, "{}", text(&ended));
    open(http.addr, "alice").await;
}

#[tokio::test]
async fn a_caller_subscribes_only_to_what_it_may_read() {
    let http = server(8).await;
    let session = open(http.addr, "alice").await;
    let subscribe = |uri: &str| json!({"jsonrpc": "2.0", "id": 3, "method": "resources/subscribe", "params": {"uri": uri}});
    let allowed = in_session(http.addr, "alice", &session, subscribe("hall://open")).await;
    assert!(
        text(&allowed).contains(r#""result":{}"#),
        "{}",
        text(&allowed)
    );
    let refused = in_session(http.addr, "alice", &session, subscribe("hall://staff")).await;
    assert!(text(&refused).contains("-32002"), "{}", text(&refused));
    assert!(
        text(&refused).contains("hall://staff"),
        "{}",
        text(&refused)
    );
}
