//! `echo` as a raw axum handler that answers the JSON-RPC request directly: the floor no MCP
//! server can go below.

use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};

async fn echo(Json(request): Json<Value>) -> Json<Value> {
    let message = request["params"]["arguments"]["message"].clone();
    Json(json!({
        "jsonrpc": "2.0",
        "id": request["id"],
        "result": {"content": [{"type": "text", "text": message}], "isError": false}
    }))
}

#[tokio::main]
async fn main() {
    let app = axum::Router::new().route("/mcp", post(echo));
    mcp_kit_benches::serve(app, mcp_kit_benches::port_from_args()).await;
}
