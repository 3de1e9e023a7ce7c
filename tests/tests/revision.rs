//! What the 2026-07-28 revision removed is gone from it, on both paths: its handshake and
//! session methods answer HTTP 404 with -32601 and the request's id, while a 2025-11-25
//! client still has them.

use mcp_kit::prelude::*;
use mcp_kit_tests::{post_mcp_with, spawn, test_settings};
use serde_json::json;

#[tokio::test]
async fn removed_methods_are_unknown_in_2026_and_still_there_before() {
    let server = Server::builder()
        .settings(test_settings())
        .build()
        .expect("builds");
    let http = spawn(server).await;
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                      "io.modelcontextprotocol/clientCapabilities": {}});
    let removed = [
        (
            "initialize",
            json!({"protocolVersion": "2026-07-28", "capabilities": {},
                              "clientInfo": {"name": "t", "version": "1"}}),
        ),
        ("ping", json!({})),
        ("logging/setLevel", json!({"level": "info"})),
        ("resources/subscribe", json!({"uri": "x://y"})),
        ("resources/unsubscribe", json!({"uri": "x://y"})),
    ];
    for (id, (method, mut params)) in removed.into_iter().enumerate() {
        params["_meta"] = meta.clone();
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let response = post_mcp_with(
            http.addr,
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", method),
            ],
            body.to_string(),
        )
        .await;
        response.assert_rpc_error(404, -32601, method);
        assert_eq!(response.json()["id"], id, "{method}");
    }

    let ping = json!({"jsonrpc": "2.0", "id": 9, "method": "ping"});
    let response = post_mcp_with(http.addr, &[], ping.to_string()).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["result"], json!({}));
}
