//! The REST route and the MCP tool of one application share one store: what one writes, the
//! other reads, over real HTTP on one port; and MCP keeps its authentication.

use axum_app::{Notes, app, mcp_server};
use mcp_kit_tests::{call_body, post_mcp_with, send};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn rest_and_mcp_share_the_store() {
    let notes = Notes::default();
    let mcp = mcp_server(notes.clone(), None).expect("the example's settings load");
    let shutdown = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(notes, &mcp, shutdown.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let created = send(
        addr,
        "POST",
        "/api/notes",
        &[("content-type", "application/json")],
        br#"{"text": "from REST"}"#,
    )
    .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );

    let auth = [("authorization", "Bearer axum-app-token")];
    let added = post_mcp_with(
        addr,
        &auth,
        call_body("add_note", json!({"text": "from MCP"})),
    )
    .await;
    assert_eq!(
        added.json()["result"]["structuredContent"],
        json!({"id": 2, "text": "from MCP"})
    );

    let listed = post_mcp_with(addr, &auth, call_body("list_notes", json!({}))).await;
    let texts: Vec<Value> = listed.json()["result"]["structuredContent"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|note| note["text"].clone())
        .collect();
    assert_eq!(texts, [json!("from REST"), json!("from MCP")]);

    let rest = send(addr, "GET", "/api/notes", &[], b"").await;
    assert_eq!(rest.json().as_array().unwrap().len(), 2);

    // MCP stays behind its authentication; the app's own routes are the app's business.
    let anonymous = post_mcp_with(addr, &[], call_body("list_notes", json!({}))).await;
    assert_eq!(anonymous.status, 401);
    shutdown.cancel();
}
