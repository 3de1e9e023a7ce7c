//! `subscriptions/listen` (2026-07-28) over real HTTP: a stream hears the announcements its
//! filter asked for, tagged with its subscription id, and only updates of resources its
//! caller may read; streams are bounded per caller.

use mcp_kit::prelude::*;
use mcp_kit::{Notifier, Settings};
use mcp_kit_tests::{TestServer, listen, messages, read_until, spawn, test_settings};
use serde_json::json;
use tokio::io::AsyncReadExt as _;

/// A public board.
#[resource("board://public", permission = AllowAny)]
fn public_board() -> &'static str {
    "hello"
}

/// A board only `admin` scope holders read.
#[resource("board://secret", permission = HasScope("admin"))]
fn secret_board() -> &'static str {
    "s3cret"
}

async fn server(configure: impl FnOnce(&mut Settings)) -> (TestServer, Notifier) {
    let mut settings = test_settings();
    settings.require_auth = true;
    configure(&mut settings);
    let builder =
        Server::builder()
            .settings(settings)
            .bearer_resolver(|token: String| async move {
                let scopes = if token == "root" {
                    vec!["mcp", "admin"]
                } else {
                    vec!["mcp"]
                };
                Some(Principal::new(token).with_scopes(scopes))
            });
    let notifier = builder.notifier();
    let server = builder.build().expect("builds");
    (spawn(server).await, notifier)
}

#[tokio::test]
async fn a_stream_hears_what_its_filter_asked_for_tagged_with_its_id() {
    let (http, notifier) = server(|_| {}).await;
    let filter = json!({"toolsListChanged": true, "resourceSubscriptions": ["board://public"]});
    let mut stream = listen(http.addr, "alice", 41, filter).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "subscriptions/acknowledged").await;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");

    // Not asked for: prompts; asked for: tools and the public board.
    notifier.notify_prompt_list_changed().await;
    notifier.notify_resource_updated("board://other").await;
    notifier.notify_tool_list_changed().await;
    notifier.notify_resource_updated("board://public").await;
    read_until(&mut stream, &mut seen, r#""uri":"board://public""#).await;

    let methods: Vec<String> = messages(&seen)
        .iter()
        .map(|m| m["method"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        methods,
        [
            "notifications/subscriptions/acknowledged",
            "notifications/tools/list_changed",
            "notifications/resources/updated"
        ],
        "{seen}"
    );
    for message in messages(&seen) {
        let id = &message["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"];
        assert_eq!(id, 41, "{message}");
    }
    let ack = &messages(&seen)[0];
    assert_eq!(
        ack["params"]["notifications"]["toolsListChanged"], true,
        "{ack}"
    );
}

#[tokio::test]
async fn updates_of_a_resource_reach_only_callers_who_may_read_it() {
    let (http, notifier) = server(|_| {}).await;
    let filter = json!({"resourceSubscriptions": ["board://secret", "board://public"]});
    let (mut alice, mut root) = (
        listen(http.addr, "alice", 1, filter.clone()).await,
        listen(http.addr, "root", 2, filter).await,
    );
    let (mut alice_seen, mut root_seen) = (String::new(), String::new());
    read_until(&mut alice, &mut alice_seen, "acknowledged").await;
    read_until(&mut root, &mut root_seen, "acknowledged").await;

    notifier.notify_resource_updated("board://secret").await;
    notifier.notify_resource_updated("board://public").await;
    read_until(&mut root, &mut root_seen, r#""uri":"board://public""#).await;
    read_until(&mut alice, &mut alice_seen, r#""uri":"board://public""#).await;
    assert!(
        root_seen.contains(r#""uri":"board://secret""#),
        "{root_seen}"
    );
    // Alice's own ack names what she asked for; no update of the secret board reached her.
    let updates = messages(&alice_seen)
        .into_iter()
        .filter(|m| m["method"] == "notifications/resources/updated")
        .map(|m| m["params"]["uri"].clone())
        .collect::<Vec<_>>();
    assert_eq!(updates, [json!("board://public")], "{alice_seen}");
}

#[tokio::test]
async fn a_caller_may_hold_only_so_many_streams() {
    let (http, _notifier) = server(|settings| settings.max_listens_per_caller = 2).await;
    let filter = json!({"toolsListChanged": true});
    let mut open = Vec::new();
    for id in 0..2 {
        let mut stream = listen(http.addr, "alice", id, filter.clone()).await;
        let mut seen = String::new();
        read_until(&mut stream, &mut seen, "acknowledged").await;
        open.push(stream);
    }
    let mut third = listen(http.addr, "alice", 9, filter.clone()).await;
    let mut seen = String::new();
    read_until(&mut third, &mut seen, "\"error\"").await;
    assert!(
        seen.contains("this caller has 2 listen streams open"),
        "{seen}"
    );

    // Another caller is not held to alice's count.
    let mut other = listen(http.addr, "bob", 10, filter).await;
    let mut seen = String::new();
    read_until(&mut other, &mut seen, "acknowledged").await;

    // A closed stream frees its place.
    drop(open.pop());
    let mut again = String::new();
    mcp_kit_tests::wait_for("alice's closed stream to be forgotten", async || {
        let mut stream = listen(http.addr, "alice", 11, json!({"toolsListChanged": true})).await;
        again.clear();
        let mut buffer = [0u8; 4096];
        while !again.contains("acknowledged") && !again.contains("\"error\"") {
            let n = stream.read(&mut buffer).await.unwrap();
            if n == 0 {
                break;
            }
            again.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
        again.contains("acknowledged")
    })
    .await;
}

#[tokio::test]
async fn a_filter_the_server_does_not_know_is_left_out_of_the_acknowledgment() {
    let (http, _notifier) = server(|_| {}).await;
    let filter = json!({"toolsListChanged": true, "weatherChanged": true});
    let mut stream = listen(http.addr, "alice", 5, filter).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "acknowledged").await;
    let ack = &messages(&seen)[0];
    assert_eq!(
        ack["params"]["notifications"],
        json!({"toolsListChanged": true}),
        "{ack}"
    );
}
