//! The developer console's guards: off unless asked for, only on a loopback address, the
//! Host/Origin checks of `/mcp`, JSON bodies only, and only the configured callers.

use mcp_kit::auth::StaticToken;
use mcp_kit::prelude::*;
use mcp_kit_tests::{send, spawn, test_settings};
use serde_json::json;

/// Needs the `admin` scope.
#[tool(permission = HasScope("admin"), annotations(read_only))]
fn reset() -> &'static str {
    "reset"
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// Asks for a name.
#[tool(annotations(read_only))]
async fn greet(context: Context) -> Result<String, ToolError> {
    match context.elicit::<Name>("Your name?").await? {
        mcp_kit::Elicitation::Accepted(name) => Ok(format!("hello {}", name.name)),
        _ => Ok("no name".into()),
    }
}

fn settings(console: bool) -> mcp_kit::Settings {
    let mut settings = test_settings();
    settings.dev_console = console;
    settings.auth.static_tokens = vec![StaticToken {
        token_sha256: "0".repeat(64),
        subject: "admin".into(),
        scopes: vec!["admin".into()],
        permissions: vec![],
    }];
    settings
}

async fn post(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: serde_json::Value,
) -> mcp_kit_tests::Response {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    send(addr, "POST", path, &all, body.to_string().as_bytes()).await
}

#[tokio::test]
async fn the_console_acts_as_a_configured_caller_and_no_one_else() {
    let server = spawn(Server::builder().settings(settings(true)).build().unwrap()).await;
    let listed = post(server.addr, "/_dev/api/items", &[], json!({})).await;
    assert_eq!(listed.status, 200);
    let names = |answer: &mcp_kit_tests::Response| -> Vec<String> {
        answer.json()["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tool| tool["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&listed), ["greet"], "anonymous does not see `reset`");
    let as_admin = post(server.addr, "/_dev/api/items", &[], json!({"as": "admin"})).await;
    assert_eq!(names(&as_admin), ["greet", "reset"]);
    assert_eq!(
        as_admin.json()["tools"][1]["x-mcp-kit-permission"],
        "scope `admin`"
    );

    let called = post(
        server.addr,
        "/_dev/api/call",
        &[],
        json!({"as": "admin", "name": "reset"}),
    )
    .await;
    assert_eq!(called.json()["result"]["content"][0]["text"], "reset");
    let refused = post(server.addr, "/_dev/api/call", &[], json!({"name": "reset"})).await;
    assert_eq!(
        refused.json()["result"]["isError"],
        true,
        "anonymous is refused by the tool's permission"
    );

    let stranger = post(
        server.addr,
        "/_dev/api/call",
        &[],
        json!({"as": "mallory", "name": "reset"}),
    )
    .await;
    assert_eq!(stranger.status, 400);
    assert_eq!(
        String::from_utf8_lossy(&stranger.body),
        "no configured caller is `mallory`"
    );
}

#[tokio::test]
async fn the_console_keeps_the_host_and_origin_checks_and_takes_only_json() {
    let server = spawn(Server::builder().settings(settings(true)).build().unwrap()).await;
    let rebound = send(
        server.addr,
        "GET",
        "/_dev",
        &[("host", "evil.example")],
        b"",
    )
    .await;
    assert_eq!(rebound.status, 403);
    let cross = post(
        server.addr,
        "/_dev/api/call",
        &[("origin", "https://evil.example")],
        json!({"name": "reset"}),
    )
    .await;
    assert_eq!(cross.status, 403);
    let form = send(
        server.addr,
        "POST",
        "/_dev/api/call",
        &[("content-type", "text/plain")],
        br#"{"name":"reset"}"#,
    )
    .await;
    assert_eq!(form.status, 415);
    let page = send(server.addr, "GET", "/_dev", &[], b"").await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .starts_with("default-src 'none'; script-src 'self'")
    );
}

#[tokio::test]
async fn the_console_is_off_unless_asked_for_and_only_on_loopback() {
    let server = spawn(Server::builder().settings(settings(false)).build().unwrap()).await;
    assert_eq!(
        send(server.addr, "GET", "/_dev", &[], b"").await.status,
        404
    );

    let mut open = settings(true);
    open.host = "0.0.0.0".parse().unwrap();
    let error = Server::builder()
        .settings(open)
        .build()
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.ends_with("so it is served only on a loopback address, not 0.0.0.0"),
        "{error}"
    );
}

#[tokio::test]
async fn a_question_with_no_page_to_answer_it_fails_the_call_and_stale_answers_are_refused() {
    let server = spawn(Server::builder().settings(settings(true)).build().unwrap()).await;
    let asked = post(server.addr, "/_dev/api/call", &[], json!({"name": "greet"})).await;
    assert_eq!(asked.json()["result"]["isError"], true);
    assert!(
        asked.json()["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .ends_with("no console page is open to answer it"),
        "{}",
        asked.json()
    );
    let stale = post(
        server.addr,
        "/_dev/api/answer",
        &[],
        json!({"id": 99, "action": "accept", "content": {}}),
    )
    .await;
    assert_eq!(stale.status, 410);
    let nonsense = post(
        server.addr,
        "/_dev/api/answer",
        &[],
        json!({"id": 1, "action": "shrug"}),
    )
    .await;
    assert_eq!(nonsense.status, 400);
}
