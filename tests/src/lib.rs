//! Helpers for mcp-kit's integration tests: a server on a loopback port and a raw HTTP/1.1
//! client that can send exactly the bytes a test wants (bad Host headers, invalid UTF-8, …).

mod postgres;
mod stream;

use std::net::SocketAddr;

use mcp_kit::{Server, Settings};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

pub use postgres::Postgres;
pub use stream::{listen, messages, read_until};

/// A server running on 127.0.0.1 until dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Settings for tests: the defaults, authentication off. `MCP_KIT_FAST_PATH=false` turns the
/// fast path off, so the whole suite can run against rmcp's path as well.
pub fn test_settings() -> Settings {
    let mut settings = Settings::default();
    settings.require_auth = false;
    settings.fast_path = std::env::var("MCP_KIT_FAST_PATH").map_or(true, |v| v != "false");
    settings
}

/// Serves `server` on a free loopback port.
pub async fn spawn(server: Server) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    spawn_on(listener, &server)
}

/// Serves `server` on `listener`, bound beforehand (when the settings must name the port).
pub fn spawn_on(listener: TcpListener, server: &Server) -> TestServer {
    let addr = listener.local_addr().expect("local address");
    let shutdown = CancellationToken::new();
    let app = server.router(shutdown.clone());
    let stop = shutdown.clone();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await
            .expect("serve");
    });
    TestServer { addr, shutdown }
}

/// An HTTP response, read whole.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON. Panics with the body's text if it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The JSON-RPC error code of the body.
    pub fn error_code(&self) -> Option<i64> {
        self.json()["error"]["code"].as_i64()
    }

    /// Panics unless this is HTTP `status` with the JSON-RPC error `code` whose message
    /// contains `says`.
    #[track_caller]
    pub fn assert_rpc_error(&self, status: u16, code: i64, says: &str) {
        let body = self.json();
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(
            (self.status, self.error_code()),
            (status, Some(code)),
            "{body}"
        );
        assert!(
            message.contains(says),
            "the message does not say `{says}`: {body}"
        );
    }
}

/// Sends one request over a new connection and reads the whole response.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        request.push_str(&format!("host: {addr}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write head");
    // The server may answer (e.g. 413) before reading the whole body and close.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    parse(&raw)
}

/// POSTs a JSON-RPC body to `/mcp` with the headers a Streamable HTTP client sends.
pub async fn post_mcp(addr: SocketAddr, body: impl AsRef<[u8]>) -> Response {
    post_mcp_with(addr, &[], body).await
}

/// Like [`post_mcp`], with extra headers, which replace default ones of the same name.
pub async fn post_mcp_with(
    addr: SocketAddr,
    extra: &[(&str, &str)],
    body: impl AsRef<[u8]>,
) -> Response {
    let defaults = [
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let overridden = |name: &str| extra.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut headers: Vec<(&str, &str)> = defaults
        .into_iter()
        .filter(|(n, _)| !overridden(n))
        .collect();
    headers.extend_from_slice(extra);
    send(addr, "POST", "/mcp", &headers, body.as_ref()).await
}

/// A `tools/call` request body.
pub fn call_body(name: &str, arguments: Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": { "name": name, "arguments": arguments }
    }))
    .expect("serialize")
}

/// A 2026-07-28 request: `params` with the `_meta` that revision requires (`capabilities` as
/// the client's), and the routing headers (`Mcp-Name` from `name`, `uri` or `taskId`). The
/// JSON-RPC body of the answer.
pub async fn request_2026(
    addr: SocketAddr,
    bearer: Option<&str>,
    method: &str,
    mut params: Value,
    capabilities: Value,
) -> Value {
    params["_meta"] = serde_json::json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    });
    let name = ["name", "uri", "taskId"]
        .iter()
        .find_map(|key| params[key].as_str())
        .map(str::to_owned);
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let auth = bearer.map(|token| format!("Bearer {token}"));
    let mut headers = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", method),
    ];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth));
    }
    if let Some(name) = &name {
        headers.push(("mcp-name", name));
    }
    post_mcp_with(
        addr,
        &headers,
        serde_json::to_vec(&body).expect("serialize"),
    )
    .await
    .json()
}

fn parse(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete HTTP response head");
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// A child process (a server binary under test), killed when dropped.
pub struct Process(pub std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Polls `ready` until it holds; panics naming `what` after 30 s.
pub async fn wait_for(what: &str, mut ready: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !ready().await {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not come up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits until the server at `addr` answers `GET /healthz` with 200.
pub async fn wait_healthy(addr: SocketAddr, what: &str) {
    wait_for(what, async || {
        TcpStream::connect(addr).await.is_ok()
            && send(addr, "GET", "/healthz", &[], b"").await.status == 200
    })
    .await;
}
