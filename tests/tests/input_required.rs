//! Asking the client in the 2026-07-28 revision, over real HTTP: a handler that elicits ends
//! its call with an input-required result, and the client's retry with the answers and the
//! sealed state runs it to the end. The state is bound to its caller, call and arguments,
//! and a server with the same key (a replica) resumes it.

use std::net::SocketAddr;

use mcp_kit::prelude::*;
use mcp_kit::{Elicitation, Settings};
use mcp_kit_tests::{TestServer, post_mcp_with, spawn, test_settings};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, JsonSchema)]
struct Name {
    name: String,
}

#[derive(Deserialize, JsonSchema)]
struct Colour {
    colour: String,
}

/// Asks a name, then a colour, in two rounds.
#[tool]
async fn favourite(context: Context, greeting: String) -> Result<String, ToolError> {
    let name = context.elicit::<Name>("Your name?").await?;
    let colour = context
        .elicit::<Colour>("Your colour?")
        .key("colour")
        .await?;
    Ok(match (name, colour) {
        (Elicitation::Accepted(n), Elicitation::Accepted(c)) => {
            format!("{greeting}, {}: {}", n.name, c.colour)
        }
        _ => "declined".into(),
    })
}

/// A key every test server shares, as replicas would.
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

async fn server() -> TestServer {
    let mut settings: Settings = test_settings();
    settings.require_auth = true;
    settings.request_state_keys = mcp_kit::Secrets(vec![KEY.into()]);
    let server = Server::builder()
        .settings(settings)
        .bearer_resolver(
            |token: String| async move { Some(Principal::new(token).with_scopes(["mcp"])) },
        )
        .build()
        .expect("builds");
    spawn(server).await
}

/// A 2026-07-28 `tools/call` of `favourite` as `caller`, with `extra` params.
async fn call(addr: SocketAddr, caller: &str, capabilities: Value, extra: Value) -> (u16, Value) {
    let mut params = json!({
        "name": "favourite",
        "arguments": {"greeting": "Hi"},
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": capabilities,
        },
    });
    for (key, value) in extra.as_object().into_iter().flatten() {
        params[key] = value.clone();
    }
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params});
    let auth = format!("Bearer {caller}");
    let response = post_mcp_with(
        addr,
        &[
            ("authorization", &auth),
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "favourite"),
        ],
        serde_json::to_vec(&body).unwrap(),
    )
    .await;
    (response.status, response.json())
}

fn accept(field: &str, value: &str) -> Value {
    json!({"action": "accept", "content": {field: value}})
}

#[tokio::test]
async fn a_call_that_elicits_twice_takes_two_rounds_and_any_replica_resumes_it() {
    let (first, replica) = (server().await, server().await);
    let elicit = json!({"elicitation": {}});
    let (status, body) = call(first.addr, "alice", elicit.clone(), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let result = &body["result"];
    assert_eq!(result["resultType"], "input_required", "{body}");
    let asked = &result["inputRequests"]["elicitation-1"];
    assert_eq!(asked["method"], "elicitation/create", "{body}");
    assert_eq!(asked["params"]["message"], "Your name?");
    let state = result["requestState"].as_str().expect("a state").to_owned();

    // The second round goes to another process with the same key.
    let answers = json!({"inputResponses": {"elicitation-1": accept("name", "Alice")},
                         "requestState": state});
    let (_, body) = call(replica.addr, "alice", elicit.clone(), answers).await;
    let result = &body["result"];
    assert_eq!(result["resultType"], "input_required", "{body}");
    assert!(result["inputRequests"]["colour"].is_object(), "{body}");
    let state = result["requestState"].as_str().expect("a state").to_owned();

    let answers = json!({"inputResponses": {"colour": accept("colour", "blue")},
                         "requestState": state});
    let (_, body) = call(first.addr, "alice", elicit, answers).await;
    assert_eq!(
        body["result"]["content"][0]["text"], "Hi, Alice: blue",
        "{body}"
    );
    assert_eq!(body["result"]["isError"], false, "{body}");
}

#[tokio::test]
async fn a_state_for_another_caller_or_tampered_is_refused_before_the_handler_runs() {
    let server = server().await;
    let elicit = json!({"elicitation": {}});
    let (_, body) = call(server.addr, "alice", elicit.clone(), json!({})).await;
    let state = body["result"]["requestState"].as_str().unwrap().to_owned();
    let answers = |state: &str| {
        json!({"inputResponses": {"elicitation-1": accept("name", "Mallory")},
               "requestState": state})
    };

    let (status, body) = call(server.addr, "bob", elicit.clone(), answers(&state)).await;
    assert_eq!(
        (status, body["error"]["code"].as_i64()),
        (200, Some(-32602)),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("belongs to another caller"), "{body}");

    let tampered = format!("{state}-TAMPERED");
    let (_, body) = call(server.addr, "alice", elicit.clone(), answers(&tampered)).await;
    assert_eq!(body["error"]["code"], -32602, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("requestState"),
        "{body}"
    );

    let huge = "A".repeat(70_000);
    let (_, body) = call(server.addr, "alice", elicit, answers(&huge)).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than"),
        "{body}"
    );
}

#[tokio::test]
async fn a_malformed_answer_is_named_and_a_missing_one_is_asked_again() {
    let server = server().await;
    let elicit = json!({"elicitation": {}});
    let (_, body) = call(
        server.addr,
        "alice",
        elicit.clone(),
        json!({"inputResponses": {"elicitation-1": 12345}}),
    )
    .await;
    assert_eq!(body["error"]["code"], -32602, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("inputResponses.elicitation-1 is not an elicitation result"),
        "{body}"
    );

    let (_, body) = call(
        server.addr,
        "alice",
        elicit,
        json!({"inputResponses": {"wrong_key": accept("name", "Alice")}}),
    )
    .await;
    assert_eq!(body["result"]["resultType"], "input_required", "{body}");
    assert!(
        body["result"]["inputRequests"]["elicitation-1"].is_object(),
        "{body}"
    );
}

#[tokio::test]
async fn a_client_that_cannot_answer_gets_the_missing_capability_error() {
    let server = server().await;
    let (status, body) = call(server.addr, "alice", json!({"sampling": {}}), json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_i64()),
        (400, Some(-32021)),
        "{body}"
    );
    assert_eq!(
        body["error"]["data"]["requiredCapabilities"],
        json!({"elicitation": {}}),
        "{body}"
    );
}
