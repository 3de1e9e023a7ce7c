//! Limits that hold when the server faces clients without a proxy: a client that sends its
//! headers too slowly, or nothing at all, is disconnected; a body that does not arrive gets
//! 408; past `max_connections` clients wait rather than exhaust the server; and anonymous
//! clients each have their own rate limit, told apart by address.

use std::net::SocketAddr;
use std::time::Duration;

use mcp_kit::prelude::*;
use mcp_kit_tests::{free_port, send, test_settings, wait_healthy};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Not read-only, so the write rate limit counts it.
#[tool]
async fn stamp() -> &'static str {
    "stamped"
}

/// Serves with one-second header and body timeouts and at most `max_connections`.
async fn serve(max_connections: usize) -> SocketAddr {
    serve_with(max_connections, |_| {}).await
}

async fn serve_with(
    max_connections: usize,
    configure: impl FnOnce(&mut mcp_kit::Settings),
) -> SocketAddr {
    let port = free_port();
    let mut settings = test_settings();
    configure(&mut settings);
    settings.port = port;
    settings.header_read_timeout = 1;
    settings.body_read_timeout = 1;
    settings.max_connections = max_connections;
    let server = Server::builder()
        .settings(settings)
        .build()
        .expect("builds");
    tokio::spawn(async move { server.serve().await });
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    wait_healthy(addr, "the server").await;
    addr
}

/// What the server sends until it closes `stream`; panics if it keeps it open for 10 s.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut seen));
    match read.await {
        Ok(_) => String::from_utf8_lossy(&seen).into_owned(),
        Err(_) => panic!("the server kept the connection open"),
    }
}

#[tokio::test]
async fn a_client_that_sends_its_headers_too_slowly_is_disconnected() {
    let addr = serve(64).await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\n")
        .await
        .unwrap();
    until_closed(&mut slow).await;
}

#[tokio::test]
async fn a_body_that_does_not_arrive_gets_408() {
    let addr = serve(64).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
                accept: application/json, text/event-stream\r\ncontent-length: 100\r\n\r\n{\"json";
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer));
    let n = read.await.expect("an answer within 10 s").unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive within 1 s"), "{answer}");
}

#[tokio::test]
async fn a_flood_of_idle_connections_is_closed_and_others_are_served() {
    let addr = serve(4).await;
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // Served once the idle ones in its way are gone.
    let health = tokio::time::timeout(
        Duration::from_secs(30),
        send(addr, "GET", "/healthz", &[], b""),
    )
    .await
    .expect("served within 30 s");
    assert_eq!(health.status, 200);
    for stream in &mut idle {
        until_closed(stream).await;
    }
}

/// Calls `stamp` from the loopback address `from`; whether the call was refused.
async fn stamp_from(addr: SocketAddr, from: [u8; 4]) -> bool {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::from((from, 0)))
        .expect("bind a loopback address");
    let mut stream = socket.connect(addr).await.unwrap();
    let body = String::from_utf8(mcp_kit_tests::call_body("stamp", serde_json::json!({}))).unwrap();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\
         content-type: application/json\r\naccept: application/json, text/event-stream\r\n\
         mcp-protocol-version: 2025-11-25\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    answer.contains("rate limited")
}

#[tokio::test]
async fn anonymous_clients_are_limited_each_by_their_own_address() {
    let addr = serve_with(64, |settings| settings.write_rate_limit = (1, 3600)).await;
    assert!(!stamp_from(addr, [127, 0, 0, 1]).await, "the first call");
    assert!(
        stamp_from(addr, [127, 0, 0, 1]).await,
        "the same client again"
    );
    assert!(
        !stamp_from(addr, [127, 0, 0, 2]).await,
        "another client has its own count"
    );
}
