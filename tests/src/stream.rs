//! Event streams read as a client reads them: a `subscriptions/listen` request held open,
//! and reading until something shows up.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Opens a 2026-07-28 `subscriptions/listen` stream as the bearer of `token`, with request
/// id `id` and the notification filter `filter`.
pub async fn listen(addr: SocketAddr, token: &str, id: u64, filter: Value) -> TcpStream {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen", "params": {
        "notifications": filter,
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}}})
    .to_string();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\naccept: application/json, text/event-stream\r\n\
         mcp-protocol-version: 2026-07-28\r\nmcp-method: subscriptions/listen\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    stream
}

/// Reads `stream` into `seen` until `needle` shows up; panics if the stream closes first or
/// nothing comes for 10 s.
pub async fn read_until(stream: &mut TcpStream, seen: &mut String, needle: &str) {
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains(needle) {
            let n = stream.read(&mut buffer).await.expect("read");
            assert!(n > 0, "the stream closed before `{needle}`: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no `{needle}` on the stream: {seen}"));
}

/// The JSON-RPC messages of an event stream read so far.
pub fn messages(seen: &str) -> Vec<Value> {
    seen.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str(data.trim()).ok())
        .collect()
}
