//! MCP Apps (`io.modelcontextprotocol/ui`) over real HTTP: an app resource is served as
//! `text/html;profile=mcp-app` with its settings in `_meta`, a tool names its view in
//! `_meta.ui.resourceUri`, the server declares the extension, and a tool that names a view the
//! server lacks is refused when the server is built.

use mcp_kit::prelude::*;
use mcp_kit::{App, Resource, Server, Tool};
use mcp_kit_tests::{post_mcp, request_2026, spawn, test_settings};
use serde_json::{Value, json};

/// The catalogue as a table.
#[resource(
    "ui://shop/catalogue",
    title = "Catalogue",
    app(
        connect_domains = ["https://api.example.com"],
        permissions(clipboard_write),
        prefers_border = true
    )
)]
fn catalogue_view() -> &'static str {
    "<!DOCTYPE html><html><body><table id=\"books\"></table></body></html>"
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Shelf {
    books: Vec<Book>,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Book {
    title: String,
}

/// The books on sale, shown in the catalogue's view by hosts that render apps.
#[tool(ui = "ui://shop/catalogue", annotations(read_only))]
fn catalogue() -> Json<Shelf> {
    Json(Shelf {
        books: vec![Book {
            title: "Ficciones".into(),
        }],
    })
}

/// The next page of books: the catalogue's view asks for it; the model has no use for it.
#[tool(visibility = "app", annotations(read_only))]
fn next_books() -> Json<Shelf> {
    Json(Shelf { books: vec![] })
}

/// Restocks the shelf and shows the catalogue, but its view may not call it.
#[tool(ui = "ui://shop/catalogue", visibility = "model")]
fn restock() -> &'static str {
    "restocked"
}

fn rpc(method: &str, params: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .unwrap()
}

async fn server() -> mcp_kit_tests::TestServer {
    spawn(
        Server::builder()
            .settings(test_settings())
            .build()
            .expect("builds"),
    )
    .await
}

#[tokio::test]
async fn a_tool_names_its_view_and_the_view_carries_its_settings() {
    let server = server().await;
    let tools = post_mcp(server.addr, rpc("tools/list", json!({})))
        .await
        .json();
    let tool = &tools["result"]["tools"][0];
    assert_eq!(tool["name"], "catalogue");
    // Callable by the model and the view: the default, not written out.
    assert_eq!(
        tool["_meta"],
        json!({"ui": {"resourceUri": "ui://shop/catalogue"}})
    );

    let expected_meta = json!({"ui": {
        "csp": {"connectDomains": ["https://api.example.com"]},
        "permissions": {"clipboardWrite": {}},
        "prefersBorder": true,
    }});
    let listed = post_mcp(server.addr, rpc("resources/list", json!({})))
        .await
        .json();
    let view = &listed["result"]["resources"][0];
    assert_eq!(view["uri"], "ui://shop/catalogue");
    assert_eq!(view["mimeType"], "text/html;profile=mcp-app");
    assert_eq!(view["_meta"], expected_meta);

    let read = post_mcp(
        server.addr,
        rpc("resources/read", json!({"uri": "ui://shop/catalogue"})),
    )
    .await
    .json();
    let contents = &read["result"]["contents"][0];
    assert_eq!(contents["mimeType"], "text/html;profile=mcp-app");
    assert!(
        contents["text"]
            .as_str()
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    assert_eq!(contents["_meta"], expected_meta);

    // A client that knows nothing of apps reads the same result: text and structured content.
    let call = post_mcp(server.addr, rpc("tools/call", json!({"name": "catalogue"})))
        .await
        .json();
    assert_eq!(
        call["result"]["structuredContent"]["books"][0]["title"],
        "Ficciones"
    );
    assert!(
        call["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Ficciones")
    );
}

#[tokio::test]
async fn the_server_declares_the_extension_in_both_eras() {
    let server = server().await;
    let initialized = post_mcp(
        server.addr,
        rpc(
            "initialize",
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {"extensions": {"io.modelcontextprotocol/ui": {"mimeTypes": ["text/html;profile=mcp-app"]}}},
                "clientInfo": {"name": "host", "version": "1"},
            }),
        ),
    )
    .await
    .json();
    assert_eq!(
        initialized["result"]["capabilities"]["extensions"]["io.modelcontextprotocol/ui"],
        json!({})
    );
    let discovered = request_2026(server.addr, None, "server/discover", json!({}), json!({})).await;
    assert_eq!(
        discovered["result"]["capabilities"]["extensions"]["io.modelcontextprotocol/ui"],
        json!({})
    );
    let listed = request_2026(server.addr, None, "tools/list", json!({}), json!({})).await;
    assert_eq!(
        listed["result"]["tools"][0]["_meta"]["ui"]["resourceUri"],
        "ui://shop/catalogue"
    );
}

#[test]
fn a_tool_whose_view_is_missing_is_refused_when_the_server_is_built() {
    let error = Server::builder()
        .without_linked_tools()
        .tool(Tool::from_schema("orphan", Default::default(), |_| async { "" }).ui("ui://nowhere"))
        .build()
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains("tool `orphan` at tests/tests/apps.rs:")
            && error.ends_with(
                "shows its results in `ui://nowhere`, but no app resource has that URI: add `#[resource(\"ui://nowhere\", app)]`"
            ),
        "{error}"
    );
}

#[test]
fn an_app_at_a_template_or_another_scheme_is_refused() {
    for uri in ["ui://books/{id}", "https://example.com/view"] {
        let error = Server::builder()
            .without_linked_tools()
            .resource(Resource::new(uri, "view", |_| async { "<html></html>" }).app(App::new()))
            .build()
            .err()
            .expect("refused")
            .to_string();
        assert!(
            error.contains(&format!("app resource `{uri}`"))
                && error
                    .ends_with("an app's URI is a fixed `ui://` URI, with no template variables"),
            "{error}"
        );
    }
}

#[test]
fn a_hand_registered_app_serves_the_same_settings() {
    let server = Server::builder()
        .without_linked_tools()
        .resource(
            Resource::new("ui://hand", "hand", |_| async { "<html></html>" }).app(
                App::new()
                    .frame_domains(["https://www.youtube.com"])
                    .domain("a.example"),
            ),
        )
        .tool(Tool::from_schema("shown", Default::default(), |_| async { "" }).ui("ui://hand"))
        .build()
        .expect("builds");
    let client = server.test_client();
    let view = &client.list_resources()[0];
    assert_eq!(view["mimeType"], "text/html;profile=mcp-app");
    assert_eq!(
        view["_meta"],
        json!({"ui": {"csp": {"frameDomains": ["https://www.youtube.com"]}, "domain": "a.example"}})
    );
    assert_eq!(
        client.list_tools()[0]["_meta"]["ui"]["resourceUri"],
        "ui://hand"
    );
}

#[tokio::test]
async fn visibility_says_who_may_call_a_tool() {
    let server = server().await;
    let listed = post_mcp(server.addr, rpc("tools/list", json!({})))
        .await
        .json();
    let meta_of = |name: &str| {
        let tools = listed["result"]["tools"].as_array().unwrap();
        let tool = tools.iter().find(|tool| tool["name"] == name).unwrap();
        tool["_meta"].clone()
    };
    assert_eq!(
        meta_of("next_books"),
        json!({"ui": {"visibility": ["app"]}})
    );
    assert_eq!(
        meta_of("restock"),
        json!({"ui": {"resourceUri": "ui://shop/catalogue", "visibility": ["model"]}})
    );
    // Hosts keep an app-only tool from the model; the server still answers the view's call.
    let call = post_mcp(
        server.addr,
        rpc("tools/call", json!({"name": "next_books"})),
    )
    .await
    .json();
    assert_eq!(call["result"]["isError"], false, "{call}");

    let hand = Server::builder()
        .without_linked_tools()
        .tool(
            Tool::from_schema("page", Default::default(), |_| async { "" })
                .visibility(mcp_kit::Visibility::App),
        )
        .build()
        .expect("builds");
    let tool = &hand.test_client().list_tools()[0];
    assert_eq!(tool["_meta"], json!({"ui": {"visibility": ["app"]}}));
}
