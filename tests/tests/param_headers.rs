//! SEP-2243 parameter headers over real HTTP: `#[arg(header = "Region")]` puts
//! `x-mcp-header` in the schema, and a 2026-07-28 call must mirror the argument into
//! `Mcp-Param-Region`: plain or Base64-wrapped, never missing or different (HTTP 400,
//! -32020), whichever path serves it.

use std::net::SocketAddr;

use mcp_kit::prelude::*;
use mcp_kit_tests::{Response, post_mcp_with, spawn, test_settings};
use serde_json::json;

/// Where a request runs.
#[tool]
async fn locate(#[arg(header = "Region")] region: String, query: String) -> String {
    format!("{query} in {region}")
}

async fn call(addr: SocketAddr, region: &str, header: Option<&str>) -> Response {
    let body = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": "locate", "arguments": {"region": region, "query": "q"},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}}});
    let mut headers = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", "locate"),
    ];
    if let Some(header) = header {
        headers.push(("mcp-param-region", header));
    }
    post_mcp_with(addr, &headers, body.to_string()).await
}

#[tokio::test]
async fn the_schema_names_the_header_and_calls_must_mirror_it() {
    let server = Server::builder()
        .settings(test_settings())
        .build()
        .expect("builds");
    let registry = server.registry();
    let schema = &registry.tools()[0];
    assert_eq!(schema.name(), "locate");
    assert_eq!(
        schema.input_schema()["properties"]["region"]["x-mcp-header"],
        "Region"
    );
    let http = spawn(server).await;

    let plain = call(http.addr, "us-west1", Some("us-west1")).await;
    assert_eq!(plain.status, 200);
    assert_eq!(
        plain.json()["result"]["content"][0]["text"],
        "q in us-west1"
    );

    // Not plain ASCII: the client sends it Base64-wrapped.
    let wrapped = call(http.addr, "Zürich", Some("=?base64?WsO8cmljaA==?=")).await;
    assert_eq!(wrapped.status, 200, "{}", wrapped.json());
    assert_eq!(
        wrapped.json()["result"]["content"][0]["text"],
        "q in Zürich"
    );

    call(http.addr, "us-west1", None)
        .await
        .assert_rpc_error(400, -32020, "Mcp-Param-Region");
    call(http.addr, "us-west1", Some("eu-north1"))
        .await
        .assert_rpc_error(400, -32020, "Mcp-Param-Region");
    // Base64 without its padding is not Base64.
    call(http.addr, "Hello", Some("=?base64?SGVsbG8?="))
        .await
        .assert_rpc_error(400, -32020, "Mcp-Param-Region");
}
