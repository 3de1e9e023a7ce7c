//! Baseline servers for the HTTP benchmark (`benches/http.sh`): the same `echo` tool written by
//! hand against rmcp, and as a raw axum handler.

use axum::Json;
use serde_json::{Value, json};

/// The port to listen on: the first command-line argument.
pub fn port_from_args() -> u16 {
    std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("usage: <server> PORT")
}

/// Binds 127.0.0.1:`port` and serves `app` with `TCP_NODELAY`, as mcp-kit does.
pub async fn serve(app: axum::Router, port: u16) {
    use axum::serve::ListenerExt as _;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await.expect("serve");
}

/// `echo` as a raw axum handler that answers the JSON-RPC request directly: the floor no MCP
/// server can go below.
pub fn raw_echo() -> axum::Router {
    async fn echo(Json(request): Json<Value>) -> Json<Value> {
        let message = request["params"]["arguments"]["message"].clone();
        Json(json!({
            "jsonrpc": "2.0",
            "id": request["id"],
            "result": {"content": [{"type": "text", "text": message}], "isError": false}
        }))
    }
    axum::Router::new().route("/mcp", axum::routing::post(echo))
}
