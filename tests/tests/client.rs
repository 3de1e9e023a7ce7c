//! `mcp_kit::client` against real servers: one on a loopback port over Streamable HTTP with a
//! bearer token, and one as a child process over stdio.

use mcp_kit::auth::{StaticToken, sha256_hex};
use mcp_kit::client::{Client, ClientError};
use mcp_kit::prelude::*;
use mcp_kit_tests::{spawn, test_settings};
use serde_json::json;

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Sum {
    total: i64,
}

/// Adds two integers.
#[tool(annotations(read_only))]
fn add(a: i64, b: i64) -> Json<Sum> {
    Json(Sum { total: a + b })
}

/// Always fails, as a tool does.
#[tool(annotations(read_only))]
fn refuse() -> Result<String, ToolError> {
    Err(ToolError::bad_request("no, thank you"))
}

/// A greeting.
#[resource("greetings://hello", mime = "text/plain")]
fn hello() -> &'static str {
    "hello, world"
}

/// Asks for a review.
#[prompt]
fn review(code: String) -> String {
    format!("Review this: {code}")
}

async fn server() -> mcp_kit_tests::TestServer {
    let mut settings = test_settings();
    settings.require_auth = true;
    settings.auth.static_tokens = vec![StaticToken {
        token_sha256: sha256_hex("client-token"),
        subject: "client".into(),
        scopes: vec!["mcp".into()],
        permissions: vec![],
    }];
    spawn(
        Server::builder()
            .settings(settings)
            .build()
            .expect("builds"),
    )
    .await
}

#[tokio::test]
async fn a_client_uses_every_kind_of_item_over_http() {
    let server = server().await;
    let url = format!("http://{}/mcp", server.addr);
    let client = Client::http(&url)
        .bearer("client-token")
        .connect()
        .await
        .expect("connects");

    let tools: Vec<String> = client
        .list_tools()
        .await
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tools, ["add", "refuse"]);

    let sum = client
        .call_tool("add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert!(!sum.is_error);
    assert_eq!(sum.structured_value(), Some(json!({"total": 5})));

    let refused = client.call_tool("refuse", json!(null)).await.unwrap();
    assert!(
        refused.is_error,
        "a tool's failure is a result, not an error"
    );
    assert_eq!(refused.text(), "bad request: no, thank you");

    let unknown = client.call_tool("nope", json!({})).await.unwrap_err();
    assert!(
        matches!(&unknown, ClientError::Rpc { code: -32602, message } if message.contains("nope")),
        "{unknown}"
    );

    let contents = client.read_resource("greetings://hello").await.unwrap();
    assert_eq!(contents[0].mime_type.as_deref(), Some("text/plain"));
    assert_eq!(
        contents[0].body,
        mcp_kit::ResourceBody::Text("hello, world".into())
    );

    let prompt = client
        .get_prompt("review", json!({"code": "fn main() {}"}))
        .await
        .unwrap();
    assert_eq!(
        prompt["messages"][0]["content"]["text"],
        "Review this: fn main() {}"
    );
    assert_eq!(client.list_prompts().await.unwrap()[0]["name"], "review");
    client.close().await;
}

#[tokio::test]
async fn a_bad_token_is_refused_at_connect() {
    let server = server().await;
    let url = format!("http://{}/mcp", server.addr);
    let error = Client::http(&url)
        .bearer("wrong")
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::Connect(why) if why.contains("401") || why.to_lowercase().contains("auth")),
        "{error}"
    );
    let nobody = Client::http("http://127.0.0.1:1/mcp")
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(nobody, ClientError::Connect(_)), "{nobody}");
}

#[tokio::test]
async fn a_client_speaks_to_a_child_process_over_stdio() {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_replica"));
    command
        .args(["serve", "--stdio"])
        .stderr(std::process::Stdio::null());
    let client = Client::spawn(command)
        .await
        .expect("starts and shakes hands");
    assert_eq!(client.server_info()["name"], "mcp-kit-tests");
    let peeked = client.call_tool("peek", json!({})).await.unwrap();
    assert_eq!(peeked.text(), "peeked");
    let doc = client.read_resource("replica://doc").await.unwrap();
    assert_eq!(
        doc[0].body,
        mcp_kit::ResourceBody::Text("the document".into())
    );
    client.close().await;

    let missing = Client::spawn(tokio::process::Command::new("/nonexistent/server"))
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, ClientError::Connect(why) if why.contains("could not start")),
        "{missing}"
    );
}
