//! `#[resource]`, `#[prompt]` and completions over real HTTP: lists, reads with template
//! variables parsed into typed parameters, prompts with required and optional arguments,
//! pagination, and the errors each bad request gets.

use mcp_kit::prelude::*;
use mcp_kit::{PromptOutput, Settings};
use mcp_kit_tests::{Response, post_mcp, spawn, test_settings};
use serde_json::{Value, json};

/// The project's read-me.
#[resource("notes://readme", mime = "text/markdown", title = "Read me")]
fn readme() -> &'static str {
    "# Notes"
}

/// One note's body.
#[resource("notes://{id}/body", complete(id = note_ids))]
async fn note_body(id: u64) -> Result<String, ToolError> {
    match id {
        1 => Ok("first note".into()),
        2 => Ok("second note".into()),
        _ => Err(ToolError::not_found(format!("no note {id}"))),
    }
}

async fn note_ids(prefix: String) -> Vec<String> {
    ["1", "2", "12"]
        .into_iter()
        .filter(|id| id.starts_with(&prefix))
        .map(String::from)
        .collect()
}

/// A file under the root, any depth.
#[resource("files:///{+path}", name = "file")]
fn file(path: String) -> Vec<u8> {
    format!("bytes of {path}").into_bytes()
}

/// A note as JSON.
#[resource("notes://{id}/meta")]
fn note_meta(id: u32) -> Json<Value> {
    Json(json!({"id": id, "words": 2}))
}

/// Greets someone, in their language.
#[prompt(title = "Greeting", complete(language = languages))]
fn greet(
    #[arg(description = "who to greet")] name: String,
    #[arg(description = "a language code")] language: Option<String>,
) -> String {
    match language.as_deref() {
        Some("fr") => format!("Dites bonjour à {name}."),
        _ => format!("Say hello to {name}."),
    }
}

async fn languages(prefix: String) -> Vec<&'static str> {
    ["en", "fr", "fi"]
        .into_iter()
        .filter(|l| l.starts_with(&prefix))
        .collect()
}

/// A conversation to start from.
#[prompt(name = "review")]
async fn review_prompt(code: String) -> PromptOutput {
    PromptOutput {
        description: Some("a code review".into()),
        messages: vec![
            PromptMessage::user(format!("Review this:\n{code}")),
            PromptMessage::assistant("Looking at it now."),
        ],
    }
}

async fn rpc(addr: std::net::SocketAddr, method: &str, params: Value) -> Response {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    post_mcp(addr, body.to_string()).await
}

fn result(response: &Response) -> Value {
    let body = response.json();
    assert!(body.get("error").is_none(), "{body}");
    body["result"].clone()
}

fn error(response: &Response) -> (i64, String) {
    let body = response.json();
    (
        body["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("not an error: {body}")),
        body["error"]["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn resources_and_templates_are_listed_and_read() {
    let server = spawn(Server::builder().settings(test_settings()).build().unwrap()).await;
    let listed = result(&rpc(server.addr, "resources/list", json!({})).await);
    assert_eq!(
        listed["resources"],
        json!([{"uri": "notes://readme", "name": "readme", "title": "Read me",
                "description": "The project's read-me.", "mimeType": "text/markdown"}])
    );
    let templates = result(&rpc(server.addr, "resources/templates/list", json!({})).await);
    let uris: Vec<&str> = templates["resourceTemplates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["uriTemplate"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        ["files:///{+path}", "notes://{id}/body", "notes://{id}/meta"]
    );

    let read = |uri: &str| rpc(server.addr, "resources/read", json!({"uri": uri}));
    assert_eq!(
        result(&read("notes://readme").await)["contents"],
        json!([{"uri": "notes://readme", "mimeType": "text/markdown", "text": "# Notes"}])
    );
    assert_eq!(
        result(&read("notes://2/body").await)["contents"][0]["text"],
        "second note"
    );
    let blob = result(&read("files:///a/b.txt").await);
    assert_eq!(blob["contents"][0]["blob"], "Ynl0ZXMgb2YgYS9iLnR4dA==");
    assert_eq!(blob["contents"][0]["mimeType"], "application/octet-stream");
    let meta = result(&read("notes://7/meta").await);
    assert_eq!(meta["contents"][0]["mimeType"], "application/json");
    assert_eq!(
        serde_json::from_str::<Value>(meta["contents"][0]["text"].as_str().unwrap()).unwrap(),
        json!({"id": 7, "words": 2})
    );
}

#[tokio::test]
async fn bad_reads_get_clear_errors() {
    let server = spawn(Server::builder().settings(test_settings()).build().unwrap()).await;
    let read = |uri: &str| rpc(server.addr, "resources/read", json!({"uri": uri}));
    assert_eq!(
        error(&read("nothing://here").await),
        (-32002, "resource not found: nothing://here".into())
    );
    let (code, message) = error(&read("notes://seven/body").await);
    assert_eq!(code, -32602);
    assert!(
        message.contains("id: expected an integer, got `seven`"),
        "{message}"
    );
    let (code, message) = error(&read("notes://9/body").await);
    assert_eq!((code, message.as_str()), (-32002, "not found: no note 9"));
    // `{id}` is one segment: a slash does not match.
    assert_eq!(error(&read("notes://1/2/body").await).0, -32002);
}

#[tokio::test]
async fn prompts_are_listed_and_rendered() {
    let server = spawn(Server::builder().settings(test_settings()).build().unwrap()).await;
    let listed = result(&rpc(server.addr, "prompts/list", json!({})).await);
    assert_eq!(
        listed["prompts"][0],
        json!({"name": "greet", "title": "Greeting", "description": "Greets someone, in their language.",
               "arguments": [
                   {"name": "language", "description": "a language code", "required": false},
                   {"name": "name", "description": "who to greet", "required": true}]})
    );
    let get = |params: Value| rpc(server.addr, "prompts/get", params);
    let greeting = result(
        &get(json!({"name": "greet", "arguments": {"name": "Ada", "language": "fr"}})).await,
    );
    assert_eq!(
        greeting["messages"],
        json!([{"role": "user", "content": {"type": "text", "text": "Dites bonjour à Ada."}}])
    );
    let review = result(&get(json!({"name": "review", "arguments": {"code": "x = 1"}})).await);
    assert_eq!(review["description"], "a code review");
    assert_eq!(review["messages"][1]["role"], "assistant");

    let (code, message) = error(&get(json!({"name": "greet", "arguments": {}})).await);
    assert_eq!(code, -32602);
    assert!(
        message.contains("name: missing required argument"),
        "{message}"
    );
    assert_eq!(
        error(&get(json!({"name": "nope"})).await),
        (-32602, "unknown prompt: nope".into())
    );
}

#[tokio::test]
async fn completions_suggest_values() {
    let server = spawn(Server::builder().settings(test_settings()).build().unwrap()).await;
    let complete = |reference: Value, name: &str, value: &str| {
        rpc(
            server.addr,
            "completion/complete",
            json!({"ref": reference, "argument": {"name": name, "value": value}}),
        )
    };
    let languages = result(
        &complete(
            json!({"type": "ref/prompt", "name": "greet"}),
            "language",
            "f",
        )
        .await,
    );
    assert_eq!(
        languages["completion"],
        json!({"values": ["fr", "fi"], "total": 2, "hasMore": false})
    );
    let ids = result(
        &complete(
            json!({"type": "ref/resource", "uri": "notes://{id}/body"}),
            "id",
            "1",
        )
        .await,
    );
    assert_eq!(ids["completion"]["values"], json!(["1", "12"]));
    // An argument without a completion function gets no suggestions.
    let none = result(&complete(json!({"type": "ref/prompt", "name": "greet"}), "name", "A").await);
    assert_eq!(none["completion"]["values"], json!([]));
    let (code, _) = error(&complete(json!({"type": "ref/prompt", "name": "nope"}), "x", "").await);
    assert_eq!(code, -32602);
}

#[tokio::test]
async fn lists_are_paginated_with_opaque_cursors() {
    let mut settings: Settings = test_settings();
    settings.page_size = 2;
    let server = spawn(Server::builder().settings(settings).build().unwrap()).await;
    let mut cursor: Option<String> = None;
    let mut uris = Vec::new();
    loop {
        let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
        let page = result(&rpc(server.addr, "resources/templates/list", params).await);
        let items = page["resourceTemplates"].as_array().unwrap();
        assert!(items.len() <= 2);
        uris.extend(
            items
                .iter()
                .map(|t| t["uriTemplate"].as_str().unwrap().to_owned()),
        );
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        uris,
        ["files:///{+path}", "notes://{id}/body", "notes://{id}/meta"]
    );
    let (code, message) =
        error(&rpc(server.addr, "tools/list", json!({"cursor": "garbage"})).await);
    assert_eq!(code, -32602);
    assert!(message.contains("invalid cursor"), "{message}");
}

#[tokio::test]
async fn the_in_memory_client_sees_what_http_clients_see() {
    let server = Server::builder().settings(test_settings()).build().unwrap();
    let client = server.test_client();
    let http = spawn(server).await;
    let over_http = |method: &'static str, key: &'static str| {
        let addr = http.addr;
        async move { result(&rpc(addr, method, json!({})).await)[key].clone() }
    };
    assert_eq!(
        json!(client.list_resources()),
        over_http("resources/list", "resources").await
    );
    assert_eq!(
        json!(client.list_resource_templates()),
        over_http("resources/templates/list", "resourceTemplates").await
    );
    assert_eq!(
        json!(client.list_prompts()),
        over_http("prompts/list", "prompts").await
    );

    let contents = client.read("notes://1/body").await.unwrap();
    assert_eq!(
        contents[0].to_json(),
        json!({"uri": "notes://1/body", "mimeType": "text/plain", "text": "first note"})
    );
    let greeting = client
        .get_prompt("greet", json!({"name": "Ada"}))
        .await
        .unwrap();
    assert_eq!(
        greeting.messages[0].content.as_text(),
        Some("Say hello to Ada.")
    );
    let languages = client
        .complete(mcp_kit::CompletionTarget::Prompt("greet"), "language", "e")
        .await
        .unwrap();
    assert_eq!(languages.values, ["en"]);
    assert!(matches!(
        client.read("notes://x/body").await,
        Err(mcp_kit::ItemError::Failed(error)) if error.kind() == mcp_kit::ErrorKind::Invalid
    ));
}

#[tokio::test]
async fn permissions_hide_resources_and_prompts() {
    let server = Server::builder()
        .without_linked_tools()
        .resource(
            Resource::new("secret://plans", "plans", |_| async { "world domination" })
                .permission(HasScope("plans:read")),
        )
        .resource(Resource::new("public://news", "news", |_| async {
            "all quiet"
        }))
        .prompt(
            mcp_kit::Prompt::new("confess", vec![], |_| async { "tell all" })
                .permission(HasScope("priest")),
        )
        .settings(test_settings())
        .build()
        .unwrap();
    let anonymous = server.test_client();
    let listed: Vec<Value> = anonymous.list_resources();
    assert_eq!(listed, [json!({"uri": "public://news", "name": "news"})]);
    assert!(anonymous.list_prompts().is_empty());
    let denied = anonymous.read("secret://plans").await.unwrap_err();
    assert!(
        matches!(&denied, mcp_kit::ItemError::Failed(e) if e.kind() == mcp_kit::ErrorKind::PermissionDenied),
        "{denied:?}"
    );
    assert!(anonymous.get_prompt("confess", Value::Null).await.is_err());

    let reader = server
        .test_client()
        .as_principal(Principal::new("ada").with_scopes(["plans:read", "priest"]));
    assert_eq!(reader.list_resources().len(), 2);
    assert_eq!(
        reader.read("secret://plans").await.unwrap()[0].to_json()["text"],
        "world domination"
    );
    let confession = reader.get_prompt("confess", Value::Null).await.unwrap();
    assert_eq!(confession.messages[0].content.as_text(), Some("tell all"));
}
