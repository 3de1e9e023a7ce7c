//! `/metrics` (feature `metrics`): every call counted by tool and outcome, with its latency,
//! in Prometheus' text format, behind the Host check.

use mcp_kit::prelude::*;
use mcp_kit_tests::{call_body, post_mcp, send, spawn, test_settings};
use serde_json::json;

/// Doubles `n`.
#[tool(annotations(read_only))]
async fn double(n: i64) -> i64 {
    n * 2
}

/// Always fails.
#[tool(annotations(read_only))]
async fn broken() -> Result<(), ToolError> {
    Err(ToolError::bad_request("broken on purpose"))
}

#[tokio::test]
async fn calls_are_counted_by_tool_and_outcome() {
    let server = spawn(Server::builder().settings(test_settings()).build().unwrap()).await;
    for n in 0..3 {
        let response = post_mcp(server.addr, call_body("double", json!({"n": n}))).await;
        assert_eq!(response.status, 200);
    }
    post_mcp(server.addr, call_body("broken", json!({}))).await;
    post_mcp(server.addr, call_body("no_such_tool", json!({}))).await;

    let metrics = send(server.addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = String::from_utf8(metrics.body).unwrap();
    for line in [
        "mcp_tool_calls_total{tool=\"double\",outcome=\"ok\"} 3",
        "mcp_tool_calls_total{tool=\"broken\",outcome=\"error\"} 1",
        "mcp_tool_call_duration_seconds_count{tool=\"double\"} 3",
        "mcp_tool_call_duration_seconds_bucket{tool=\"double\",le=\"+Inf\"} 3",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
    assert!(
        !text.contains("no_such_tool"),
        "unknown names are not labels"
    );

    let rebinding = send(
        server.addr,
        "GET",
        "/metrics",
        &[("host", "evil.example")],
        b"",
    )
    .await;
    assert_eq!(rebinding.status, 403);
}

#[tokio::test]
async fn with_authentication_required_metrics_need_their_own_token() {
    let mut settings = test_settings();
    settings.require_auth = true;
    let closed = spawn(
        Server::builder()
            .settings(settings.clone())
            .build()
            .unwrap(),
    )
    .await;
    let refused = send(closed.addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(refused.status, 403);
    let message = String::from_utf8_lossy(&refused.body).into_owned();
    assert!(message.contains("metrics_token_sha256"), "{message}");

    settings.metrics_token_sha256 = Some(mcp_kit::auth::sha256_hex("scrape-token"));
    let server = spawn(Server::builder().settings(settings).build().unwrap()).await;
    for presented in [
        None,
        Some("Bearer wrong-token"),
        Some("Basic c2NyYXBlLXRva2Vu"),
    ] {
        let headers: Vec<(&str, &str)> = presented
            .map(|a| ("authorization", a))
            .into_iter()
            .collect();
        let response = send(server.addr, "GET", "/metrics", &headers, b"").await;
        assert_eq!(response.status, 401, "{presented:?}");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }
    let scraped = send(
        server.addr,
        "GET",
        "/metrics",
        &[("authorization", "Bearer scrape-token")],
        b"",
    )
    .await;
    assert_eq!(scraped.status, 200);
}
