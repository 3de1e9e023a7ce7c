//! The `hello` example through the in-memory test client: its list, and every tool.

use base64::Engine as _;
use mcp_kit::testing::TestClient;
use mcp_kit::{Content, Server, Tool};
use mcp_kit_tests::test_settings;
use serde_json::{Value, json};

use hello as _;

fn client() -> TestClient {
    Server::builder()
        .info("hello", "0.1.0")
        .settings(test_settings())
        .build()
        .expect("server builds")
        .test_client()
}

#[test]
fn tools_list_snapshot() {
    insta::assert_json_snapshot!(client().list_tools());
}

#[tokio::test]
async fn every_tool_answers() {
    let client = client();
    assert_eq!(
        client
            .call("add", json!({"a": 2, "b": 3}))
            .await
            .unwrap()
            .text(),
        "5"
    );
    assert_eq!(
        client
            .call("echo", json!({"message": "hi ✓"}))
            .await
            .unwrap()
            .text(),
        "hi ✓"
    );
    assert_eq!(
        client
            .call("reverse", json!({"text": "abc"}))
            .await
            .unwrap()
            .text(),
        "cba"
    );

    let stats = client
        .call("stats", json!({"numbers": [1.0, 2.0, 6.0]}))
        .await
        .unwrap();
    assert_eq!(
        stats.structured_value(),
        Some(json!({"count": 3, "sum": 9.0, "mean": 3.0}))
    );
    assert!(!stats.is_error);

    let pixel = client.call("pixel", Value::Null).await.unwrap();
    let [Content::Image { data, mime_type }] = pixel.content.as_slice() else {
        panic!("not one image: {pixel:?}")
    };
    assert_eq!(mime_type, "image/png");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    assert_eq!(
        client
            .call("divide", json!({"a": 1.0, "b": 4.0}))
            .await
            .unwrap()
            .text(),
        "0.25"
    );
    let failed = client
        .call("divide", json!({"a": 1.0, "b": 0.0}))
        .await
        .unwrap();
    assert!(failed.is_error);
    assert_eq!(failed.text(), "bad request: division by zero");

    assert_eq!(
        client.call("count", json!({"to": 3})).await.unwrap().text(),
        "counted to 3"
    );
    let refused = client.call("count", json!({"to": 1000})).await.unwrap();
    assert_eq!(refused.text(), "invalid arguments: to: must be at most 100");
}

#[tokio::test]
async fn unknown_tools_are_protocol_errors() {
    let error = client().call("nope", json!({})).await.unwrap_err();
    assert_eq!(error.to_string(), "unknown tool: nope");
}

#[test]
fn a_duplicate_name_is_a_start_up_error_naming_both_definitions() {
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct Nothing {}
    let error = Server::builder()
        .settings(test_settings())
        .tool(Tool::new("add", |_: Nothing| async { 0 }))
        .build()
        .err()
        .expect("two tools named add");
    let message = error.to_string();
    assert!(
        message.starts_with("two tools are named `add`"),
        "{message}"
    );
    assert!(
        message.contains("examples/hello/src/lib.rs") && message.contains("tests/tests/hello.rs"),
        "{message}"
    );
}

#[tokio::test]
async fn hand_registered_tools_validate_like_macro_ones() {
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Greet {
        /// Who to greet.
        name: String,
    }
    let server = Server::builder()
        .without_linked_tools()
        .settings(test_settings())
        .tool(
            Tool::new(
                "greet",
                |g: Greet| async move { format!("hello, {}", g.name) },
            )
            .description("Greets."),
        )
        .build()
        .unwrap();
    let client = server.test_client();
    let list = client.list_tools();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0]["inputSchema"]["properties"]["name"]["type"],
        "string"
    );
    assert_eq!(list[0]["inputSchema"]["additionalProperties"], false);
    assert_eq!(
        client
            .call("greet", json!({"name": "Ada"}))
            .await
            .unwrap()
            .text(),
        "hello, Ada"
    );
    let bad = client
        .call("greet", json!({"name": 7, "x": 1}))
        .await
        .unwrap();
    assert!(bad.is_error);
    assert_eq!(
        bad.text(),
        "invalid arguments: name: invalid type: integer `7`, expected a string"
    );
    let unknown = client
        .call("greet", json!({"name": "Ada", "x": 1}))
        .await
        .unwrap();
    assert!(unknown.is_error);
    assert!(
        unknown.text().contains("unknown field `x`"),
        "{}",
        unknown.text()
    );
}
