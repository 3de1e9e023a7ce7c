//! The HTTP endpoint against bad input: each case gets a clear error naming the problem, never
//! reaches a tool, and the server keeps serving.

use std::sync::atomic::{AtomicUsize, Ordering};

use mcp_kit::prelude::*;
use mcp_kit_tests::{call_body, post_mcp, post_mcp_with, send, spawn, test_settings};
use serde_json::{Value, json};

// The example's tools are linked in too.
use hello as _;

static PROBE_CALLS: AtomicUsize = AtomicUsize::new(0);

/// Counts its calls, so tests can tell that bad input never reached a tool.
#[tool]
async fn probe(n: i64) -> i64 {
    PROBE_CALLS.fetch_add(1, Ordering::SeqCst);
    n
}

/// Panics, to show a panic is contained.
#[tool]
async fn explode() -> String {
    panic!("boom: secret detail")
}

fn server() -> Server {
    Server::builder()
        .info("http-tests", "1.2.3")
        .settings(test_settings())
        .build()
        .expect("server builds")
}

async fn assert_still_serving(addr: std::net::SocketAddr) {
    let response = post_mcp(addr, call_body("add", json!({"a": 2, "b": 3}))).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["result"]["content"][0]["text"], "5");
}

fn tool_error_text(response: &mcp_kit_tests::Response) -> String {
    let result = &response.json()["result"];
    assert_eq!(
        result["isError"], true,
        "expected a tool error, got {result}"
    );
    result["content"][0]["text"]
        .as_str()
        .expect("error text")
        .to_owned()
}

#[tokio::test]
async fn bad_input_never_reaches_a_tool() {
    let server = spawn(server()).await;
    let addr = server.addr;
    let before = PROBE_CALLS.load(Ordering::SeqCst);

    // Malformed JSON.
    let response = post_mcp(
        addr,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"probe""#,
    )
    .await;
    response.assert_rpc_error(400, -32700, "EOF");

    // Valid JSON that is not JSON-RPC.
    for (body, says) in [
        (r#"{"hello":"world"}"#, "jsonrpc"),
        (r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, "batch"),
        (r#""tools/call""#, "not a JSON object"),
        (r#"{"jsonrpc":"2.0","id":1}"#, "method"),
    ] {
        post_mcp(addr, body)
            .await
            .assert_rpc_error(400, -32600, says);
    }

    // Non-UTF-8 bytes.
    let response = post_mcp(
        addr,
        b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}",
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.error_code(), Some(-32700));

    // Deeply nested JSON.
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"probe","arguments":{{"n":{}1{}}}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let response = post_mcp(addr, deep).await;
    response.assert_rpc_error(400, -32700, "nested deeper than 127 levels");

    // An oversized body.
    let huge = call_body("probe", json!({"n": 1, "pad": "x".repeat(5 * 1024 * 1024)}));
    post_mcp(addr, huge)
        .await
        .assert_rpc_error(413, -32600, "limit");

    // Unknown method.
    let response = post_mcp(addr, r#"{"jsonrpc":"2.0","id":1,"method":"tools/explode"}"#).await;
    response.assert_rpc_error(200, -32601, "tools/explode");

    // Unknown tool: a protocol error, -32602, naming the tool.
    let response = post_mcp(addr, call_body("nope", json!({}))).await;
    response.assert_rpc_error(200, -32602, "nope");

    // A tools/call without a name.
    let response = post_mcp(
        addr,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"#,
    )
    .await;
    assert_eq!(response.error_code(), Some(-32602));

    // Missing, wrongly typed and extra arguments: a tool error naming each field.
    let response = post_mcp(addr, call_body("probe", json!({}))).await;
    assert_eq!(
        tool_error_text(&response),
        "invalid arguments: n: missing required argument"
    );
    let response = post_mcp(addr, call_body("probe", json!({"n": "seven"}))).await;
    let text = tool_error_text(&response);
    assert!(
        text.starts_with("invalid arguments: n: invalid type: string \"seven\""),
        "{text}"
    );
    let response = post_mcp(addr, call_body("probe", json!({"n": 1, "m": 2}))).await;
    assert_eq!(
        tool_error_text(&response),
        "invalid arguments: m: unknown argument"
    );
    let response = post_mcp(addr, call_body("probe", json!({"n": 1.5, "extra": true}))).await;
    let text = tool_error_text(&response);
    assert!(
        text.contains("n: invalid type") && text.contains("extra: unknown argument"),
        "{text}"
    );

    // Arguments that are not an object.
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"probe","arguments":[1]}}"#;
    let response = post_mcp(addr, body).await;
    assert_eq!(response.error_code(), Some(-32602));

    assert_eq!(
        PROBE_CALLS.load(Ordering::SeqCst),
        before,
        "a bad request reached the tool"
    );
    assert_still_serving(addr).await;
}

#[tokio::test]
async fn foreign_host_and_origin_are_refused() {
    let server = spawn(server()).await;
    let addr = server.addr;
    let body = call_body("add", json!({"a": 1, "b": 1}));
    let headers = [
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
        ("host", "evil.example"),
    ];
    let response = send(addr, "POST", "/mcp", &headers, &body).await;
    response.assert_rpc_error(403, -32600, "evil.example");

    let response = post_mcp_with(addr, &[("origin", "https://evil.example")], &body).await;
    response.assert_rpc_error(403, -32600, "Origin");

    let port = addr.port().to_string();
    let local_origin = format!("http://localhost:{port}");
    let response = post_mcp_with(addr, &[("origin", &local_origin)], &body).await;
    assert_eq!(response.status, 200);
    assert_still_serving(addr).await;
}

#[tokio::test]
async fn panics_become_internal_errors_without_details() {
    let server = spawn(server()).await;
    let response = post_mcp(server.addr, call_body("explode", json!({}))).await;
    assert_eq!(tool_error_text(&response), "internal error");
    assert!(!String::from_utf8_lossy(&response.body).contains("secret"));
    assert_still_serving(server.addr).await;
}

#[tokio::test]
async fn health_and_no_trailing_slash_redirect() {
    let server = spawn(server()).await;
    let response = send(server.addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json(),
        json!({"status": "ok", "name": "http-tests", "version": "1.2.3"})
    );
    let response = send(server.addr, "POST", "/mcp/", &[], b"{}").await;
    assert_eq!(response.status, 404);
    assert!(response.header("location").is_none());
}

#[tokio::test]
async fn both_protocol_eras_are_served() {
    let server = spawn(server()).await;
    let addr = server.addr;
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    });
    let response = post_mcp(addr, initialize.to_string()).await;
    assert_eq!(response.status, 200);
    let result = &response.json()["result"];
    assert_eq!(result["protocolVersion"], "2025-11-25");
    assert_eq!(
        result["serverInfo"],
        json!({"name": "http-tests", "version": "1.2.3"})
    );
    assert!(result["capabilities"]["tools"].is_object());

    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"}
    });
    let discover =
        json!({"jsonrpc": "2.0", "id": 2, "method": "server/discover", "params": {"_meta": meta}});
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "server/discover"),
    ];
    let response = post_mcp_with(addr, &headers, discover.to_string()).await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let result = &response.json()["result"];
    assert!(
        result["supportedVersions"]
            .as_array()
            .unwrap()
            .contains(&Value::from("2026-07-28"))
    );

    let call = json!({
        "jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 40, "b": 2}, "_meta": meta}
    });
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", "add"),
    ];
    let response = post_mcp_with(addr, &headers, call.to_string()).await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.json()["result"]["content"][0]["text"], "42");

    // The 2026 era checks that the headers match the body.
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", "echo"),
    ];
    let response = post_mcp_with(addr, &headers, call.to_string()).await;
    assert_eq!(response.status, 400);
}

#[derive(Default)]
struct Visits {
    count: AtomicUsize,
}

/// Counts visits in shared state.
#[tool]
async fn visit(visits: State<Visits>) -> usize {
    visits.count.fetch_add(1, Ordering::SeqCst) + 1
}

#[tokio::test]
async fn state_is_shared_across_calls() {
    let server = Server::builder()
        .settings(test_settings())
        .state(Visits::default())
        .build()
        .unwrap();
    let server = spawn(server).await;
    for expected in ["1", "2"] {
        let response = post_mcp(server.addr, call_body("visit", json!({}))).await;
        assert_eq!(response.json()["result"]["content"][0]["text"], expected);
    }
}

#[tokio::test]
async fn missing_state_is_an_internal_error_logged_not_shown() {
    let server = spawn(server()).await;
    let response = post_mcp(server.addr, call_body("visit", json!({}))).await;
    assert_eq!(tool_error_text(&response), "internal error");
}

#[tokio::test]
async fn progress_streams_to_a_caller_that_asked_for_it() {
    let server = spawn(server()).await;
    let body = json!({
        "jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "count", "arguments": {"to": 3}, "_meta": {"progressToken": "tok-1"}}
    });
    let response = post_mcp(server.addr, body.to_string()).await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events: Vec<Value> = String::from_utf8_lossy(&response.body)
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter(|data| !data.trim().is_empty())
        .map(|data| serde_json::from_str(data.trim()).expect("an event is JSON"))
        .collect();
    let progress: Vec<f64> = events
        .iter()
        .filter(|e| e["method"] == "notifications/progress")
        .inspect(|e| assert_eq!(e["params"]["progressToken"], "tok-1"))
        .map(|e| e["params"]["progress"].as_f64().unwrap())
        .collect();
    assert_eq!(progress, [1.0, 2.0, 3.0]);
    let last = events.last().expect("a final response");
    assert_eq!(last["id"], 7);
    assert_eq!(last["result"]["content"][0]["text"], "counted to 3");
}
