//! Cache hints per item (2026-07-28): `cache(ttl = …, scope = "…")` on tools, resources and
//! prompts sets `ttlMs` and `cacheScope` of their lists and reads. A list is as fresh as its
//! least fresh item; a list or read whose answer depends on the caller's permissions is never
//! public; a 2025-11-25 client gets no hints.

use std::net::SocketAddr;

use mcp_kit::prelude::*;
use mcp_kit_tests::{post_mcp_with, spawn, test_settings};
use serde_json::{Value, json};

/// Public and cacheable.
#[tool(cache(ttl = 300, scope = "public"), annotations(read_only))]
async fn weather() -> &'static str {
    "sunny"
}

/// Cacheable for a minute.
#[tool(cache(ttl = 60, scope = "public"), annotations(read_only))]
async fn forecast() -> &'static str {
    "rain"
}

/// Public notice board.
#[resource("board://notices", cache(ttl = 30, scope = "public"))]
fn notices() -> &'static str {
    "none"
}

/// A board only `staff` scope holders read: its hint is private whatever it says.
#[resource("board://staff", permission = HasScope("staff"), cache(ttl = 30, scope = "public"))]
fn staff_board() -> &'static str {
    "coffee"
}

/// A prompt with no hint.
#[prompt]
fn greeting() -> &'static str {
    "hello"
}

async fn request(addr: SocketAddr, revision: &str, method: &str, params: Value) -> Value {
    let mut params = params;
    if revision == "2026-07-28" {
        params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": revision,
                                 "io.modelcontextprotocol/clientCapabilities": {}});
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut headers = vec![
        ("mcp-protocol-version", revision),
        ("mcp-method", method),
        ("authorization", "Bearer staff"),
    ];
    let name = params.get("uri").and_then(Value::as_str).map(str::to_owned);
    if let Some(name) = &name {
        headers.push(("mcp-name", name));
    }
    let response = post_mcp_with(addr, &headers, body.to_string()).await;
    let body = response.json();
    assert_eq!(response.status, 200, "{body}");
    body["result"].clone()
}

fn hint(result: &Value) -> (Value, Value) {
    (result["ttlMs"].clone(), result["cacheScope"].clone())
}

#[tokio::test]
async fn lists_and_reads_carry_the_hints_of_their_items() {
    let server = Server::builder()
        .settings(test_settings())
        .bearer_resolver(|token: String| async move {
            Some(Principal::new(token.clone()).with_scopes(["mcp".to_owned(), token]))
        })
        .build()
        .expect("builds");
    let http = spawn(server).await;
    let new = "2026-07-28";

    let tools = request(http.addr, new, "tools/list", json!({})).await;
    assert_eq!(hint(&tools), (json!(60_000), json!("public")), "{tools}");

    let read = request(
        http.addr,
        new,
        "resources/read",
        json!({"uri": "board://notices"}),
    )
    .await;
    assert_eq!(hint(&read), (json!(30_000), json!("public")), "{read}");
    let staff = request(
        http.addr,
        new,
        "resources/read",
        json!({"uri": "board://staff"}),
    )
    .await;
    assert_eq!(staff["contents"][0]["text"], "coffee");
    assert_eq!(hint(&staff), (json!(30_000), json!("private")), "{staff}");

    // The list holds a board not everyone sees, so it differs by caller: private.
    let resources = request(http.addr, new, "resources/list", json!({})).await;
    assert_eq!(
        hint(&resources),
        (json!(30_000), json!("private")),
        "{resources}"
    );

    // No hint: stale at once, private.
    let prompts = request(http.addr, new, "prompts/list", json!({})).await;
    assert_eq!(hint(&prompts), (json!(0), json!("private")), "{prompts}");

    let old = request(http.addr, "2025-11-25", "tools/list", json!({})).await;
    assert_eq!(hint(&old), (Value::Null, Value::Null), "{old}");
}
