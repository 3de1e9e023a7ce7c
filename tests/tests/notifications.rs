//! Announcements to connected clients over a stateful session: a client subscribed to a
//! resource hears `notifications/resources/updated` for it (and not for others), and every
//! client hears that a list changed.

use std::net::SocketAddr;

use mcp_kit::prelude::*;
use mcp_kit_tests::{Response, post_mcp_with, read_until, spawn, test_settings};
use serde_json::json;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

/// A counter clients watch.
#[resource("watch://counter")]
fn counter() -> &'static str {
    "0"
}

async fn post(addr: SocketAddr, session: &str, body: serde_json::Value) -> Response {
    post_mcp_with(addr, &[("mcp-session-id", session)], body.to_string()).await
}

/// The session's standalone stream: the server's announcements arrive here.
async fn open_stream(addr: SocketAddr, session: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /mcp HTTP/1.1\r\nhost: {addr}\r\naccept: text/event-stream\r\n\
         mcp-session-id: {session}\r\nmcp-protocol-version: 2025-11-25\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn subscribers_hear_about_changes() {
    let mut settings = test_settings();
    settings.stateless = false;
    let server = Server::builder().settings(settings).build().unwrap();
    let announcer = server.clone();
    let http = spawn(server).await;
    let addr = http.addr;

    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}});
    let response = post_mcp_with(addr, &[], initialize.to_string()).await;
    let session = response
        .header("mcp-session-id")
        .expect("a session")
        .to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(post(addr, &session, initialized).await.status, 202);

    let mut stream = open_stream(addr, &session).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "\r\n\r\n").await;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");

    let subscribe = json!({"jsonrpc": "2.0", "id": 2, "method": "resources/subscribe",
                           "params": {"uri": "watch://counter"}});
    let response = post(addr, &session, subscribe).await;
    let body = String::from_utf8_lossy(&response.body);
    assert!(body.contains(r#""result":{}"#), "{body}");

    announcer.notify_resource_updated("watch://elsewhere").await;
    announcer.notify_resource_updated("watch://counter").await;
    read_until(&mut stream, &mut seen, "notifications/resources/updated").await;
    read_until(&mut stream, &mut seen, "watch://counter").await;
    assert!(
        !seen.contains("watch://elsewhere"),
        "an unsubscribed URI was announced: {seen}"
    );

    announcer.notify_tool_list_changed().await;
    read_until(&mut stream, &mut seen, "notifications/tools/list_changed").await;

    let unsubscribe = json!({"jsonrpc": "2.0", "id": 3, "method": "resources/unsubscribe",
                             "params": {"uri": "watch://counter"}});
    assert_eq!(post(addr, &session, unsubscribe).await.status, 200);
    announcer.notify_resource_updated("watch://counter").await;
    announcer.notify_prompt_list_changed().await;
    let before = seen.matches("watch://counter").count();
    read_until(&mut stream, &mut seen, "notifications/prompts/list_changed").await;
    assert_eq!(
        seen.matches("watch://counter").count(),
        before,
        "announced after unsubscribing: {seen}"
    );
}
