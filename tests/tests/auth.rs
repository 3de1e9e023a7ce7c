//! Authentication, permissions and rate limits over real HTTP: secure by default, 401/403 with
//! the challenges the MCP authorization spec asks for, lists filtered per caller.

use mcp_kit::auth::{StaticToken, sha256_hex};
use mcp_kit::prelude::*;
use mcp_kit::{Settings, Tool};
use mcp_kit_tests::{Response, call_body, post_mcp_with, send, spawn};
use serde_json::{Value, json};

/// Who is calling.
#[tool(annotations(read_only))]
async fn whoami(principal: Principal) -> String {
    principal.subject
}

/// Anyone may call this, even anonymously when authentication is not required.
#[tool(annotations(read_only), permission = AllowAny)]
async fn ping_anyone(caller: Option<Principal>) -> String {
    caller.map_or_else(|| "anonymous".to_owned(), |p| p.subject)
}

/// Needs the `notes:write` scope; two calls a minute.
#[tool(
    permissions(IsAuthenticated, HasScope("notes:write")),
    rate_limit(calls = 2, per = 60)
)]
async fn write_note(text: String) -> String {
    format!("saved {text}")
}

/// Needs an application permission.
#[tool(annotations(read_only), permission = HasPerm("notes.delete_all") | HasScope("admin"))]
async fn purge() -> &'static str {
    "purged"
}

/// The application's own feature flags, given as state.
struct Flags {
    beta: bool,
}

fn beta_on(flags: &Flags) -> bool {
    flags.beta
}

/// Exists only while the `beta` flag is on.
#[tool(annotations(read_only), enabled = beta_on)]
async fn beta() -> &'static str {
    "beta"
}

/// Refuses in its own words.
struct OfficeHours;

impl Permission for OfficeHours {
    fn check(&self, _: Option<&Principal>) -> Result<(), mcp_kit::permission::Denied> {
        Err(mcp_kit::permission::Denied(
            "Nope. Come back at nine.".into(),
        ))
    }
}

/// Guarded by a permission of the application's own.
#[tool(annotations(read_only), permission = OfficeHours)]
async fn open_safe() -> &'static str {
    "opened"
}

/// Not read-only, no limit of its own: the server's write rate limit applies.
#[tool]
async fn touch() -> &'static str {
    "touched"
}

/// Read-only: no write rate limit.
#[tool(annotations(read_only))]
async fn look() -> &'static str {
    "looked"
}

fn token(token: &str, subject: &str, scopes: &[&str], permissions: &[&str]) -> StaticToken {
    StaticToken {
        token_sha256: sha256_hex(token),
        subject: subject.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        permissions: permissions.iter().map(|s| s.to_string()).collect(),
    }
}

fn settings() -> Settings {
    let mut settings = Settings::default();
    settings.write_rate_limit = (1, 60);
    settings.auth.static_tokens = vec![
        token("alice-secret", "alice", &["mcp", "notes:write"], &[]),
        token("bob-secret", "bob", &["mcp"], &["notes.delete_all"]),
        token("carol-secret", "carol", &[], &[]),
    ];
    settings
}

fn server() -> Server {
    Server::builder()
        .settings(settings())
        .build()
        .expect("server builds")
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn call_as(
    addr: std::net::SocketAddr,
    token: &str,
    name: &str,
    arguments: Value,
) -> Response {
    let auth = bearer(token);
    post_mcp_with(
        addr,
        &[("authorization", &auth)],
        call_body(name, arguments),
    )
    .await
}

async fn list_as(addr: std::net::SocketAddr, token: &str) -> Vec<String> {
    let auth = bearer(token);
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    let response = post_mcp_with(addr, &[("authorization", &auth)], body).await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let tools = response.json()["result"]["tools"]
        .as_array()
        .expect("tools")
        .clone();
    tools
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

fn text(response: &Response) -> (bool, String) {
    let result = &response.json()["result"];
    (
        result["isError"] == true,
        result["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

fn assert_no_secret(response: &Response) {
    let all = format!(
        "{:?}{}",
        response.headers,
        String::from_utf8_lossy(&response.body)
    );
    assert!(!all.contains("-secret"), "a token leaked: {all}");
}

#[tokio::test]
async fn requests_without_credentials_get_the_challenge() {
    let server = spawn(server()).await;
    let addr = server.addr;
    let expected_metadata = format!("http://{addr}/.well-known/oauth-protected-resource/mcp");
    for headers in [vec![], vec![("authorization", "Basic YWxpY2U6c2VjcmV0")]] {
        let response = post_mcp_with(addr, &headers, call_body("look", json!({}))).await;
        assert_eq!(response.status, 401);
        let challenge = response.header("www-authenticate").expect("a challenge");
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert!(
            challenge.contains(&format!(r#"resource_metadata="{expected_metadata}""#)),
            "{challenge}"
        );
        assert!(challenge.contains(r#"scope="mcp""#), "{challenge}");
        assert!(
            !challenge.contains("error="),
            "no credentials is not an error: {challenge}"
        );
    }
    // The metadata and the health check stay public.
    let metadata = send(
        addr,
        "GET",
        "/.well-known/oauth-protected-resource/mcp",
        &[],
        b"",
    )
    .await;
    assert_eq!(metadata.status, 200);
    assert_eq!(send(addr, "GET", "/healthz", &[], b"").await.status, 200);
}

#[tokio::test]
async fn bad_credentials_are_refused_without_echoing_them() {
    let server = spawn(server()).await;
    let addr = server.addr;

    let response = post_mcp_with(
        addr,
        &[("authorization", "Bearer ")],
        call_body("look", json!({})),
    )
    .await;
    assert_eq!(response.status, 401);
    assert!(
        response
            .header("www-authenticate")
            .unwrap()
            .contains(r#"error="invalid_request""#)
    );

    let response = call_as(addr, "mallory-secret", "look", json!({})).await;
    assert_eq!(response.status, 401);
    assert!(
        response
            .header("www-authenticate")
            .unwrap()
            .contains(r#"error="invalid_token""#)
    );
    assert_no_secret(&response);

    let response = send(
        addr,
        "POST",
        "/mcp?access_token=alice-secret",
        &[
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ],
        &call_body("look", json!({})),
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"], "invalid_request");
    assert_no_secret(&response);

    // A valid token without the required `mcp` scope: 403, naming the scope.
    let response = call_as(addr, "carol-secret", "look", json!({})).await;
    assert_eq!(response.status, 403);
    let challenge = response.header("www-authenticate").unwrap();
    assert!(
        challenge.contains(r#"error="insufficient_scope""#) && challenge.contains(r#"scope="mcp""#),
        "{challenge}"
    );
    assert!(
        response.json()["error_description"]
            .as_str()
            .unwrap()
            .contains("mcp")
    );
}

#[tokio::test]
async fn each_caller_sees_and_calls_only_what_it_may() {
    let server = spawn(server()).await;
    let addr = server.addr;

    let alice = list_as(addr, "alice-secret").await;
    let bob = list_as(addr, "bob-secret").await;
    assert!(
        alice.contains(&"write_note".to_owned()) && !alice.contains(&"purge".to_owned()),
        "{alice:?}"
    );
    assert!(
        bob.contains(&"purge".to_owned()) && !bob.contains(&"write_note".to_owned()),
        "{bob:?}"
    );
    assert!(alice.contains(&"whoami".to_owned()) && bob.contains(&"ping_anyone".to_owned()));

    assert_eq!(
        text(&call_as(addr, "alice-secret", "whoami", json!({})).await),
        (false, "alice".into())
    );
    assert_eq!(
        text(&call_as(addr, "bob-secret", "ping_anyone", json!({})).await),
        (false, "bob".into())
    );
    assert_eq!(
        text(&call_as(addr, "bob-secret", "purge", json!({})).await),
        (false, "purged".into())
    );

    let (is_error, message) =
        text(&call_as(addr, "bob-secret", "write_note", json!({"text": "x"})).await);
    assert!(is_error);
    assert_eq!(message, "the scope `notes:write` is required");
    // A permission's own refusal reaches the model as it was written.
    let refused = call_as(addr, "alice-secret", "open_safe", json!({})).await;
    assert_eq!(text(&refused), (true, "Nope. Come back at nine.".into()));
    let (is_error, message) = text(&call_as(addr, "alice-secret", "purge", json!({})).await);
    assert!(is_error);
    assert!(
        message.contains("`notes.delete_all`") && message.contains("`admin`"),
        "{message}"
    );
}

#[tokio::test]
async fn rate_limits_count_per_caller_and_skip_bad_calls() {
    let server = spawn(server()).await;
    let addr = server.addr;
    // Bad arguments use no quota.
    let (is_error, message) =
        text(&call_as(addr, "alice-secret", "write_note", json!({"text": 5})).await);
    assert!(is_error && message.contains("text"), "{message}");
    for n in 1..=3 {
        let response = call_as(addr, "alice-secret", "write_note", json!({"text": n})).await;
        assert!(text(&response).0, "a number is not a string");
    }
    for n in 1..=2 {
        let response = call_as(
            addr,
            "alice-secret",
            "write_note",
            json!({"text": format!("n{n}")}),
        )
        .await;
        assert_eq!(
            text(&response),
            (false, format!("saved n{n}")),
            "call {n} is within the limit"
        );
    }
    let (is_error, message) =
        text(&call_as(addr, "alice-secret", "write_note", json!({"text": "3"})).await);
    assert!(is_error);
    assert!(
        message.starts_with("rate limited: try again in "),
        "{message}"
    );

    // The server-wide write limit (1 a minute here) applies to tools that are not read-only.
    assert_eq!(
        text(&call_as(addr, "bob-secret", "touch", json!({})).await),
        (false, "touched".into())
    );
    assert!(text(&call_as(addr, "bob-secret", "touch", json!({})).await).0);
    // Another caller has its own count; read-only tools are not limited.
    assert_eq!(
        text(&call_as(addr, "alice-secret", "touch", json!({})).await),
        (false, "touched".into())
    );
    for _ in 0..3 {
        assert_eq!(
            text(&call_as(addr, "bob-secret", "look", json!({})).await),
            (false, "looked".into())
        );
    }
}

/// The dispatcher takes the quota for every tool, so a hand-registered one is limited like a
/// macro one, and its bad arguments use none.
#[tokio::test]
async fn hand_registered_tools_are_rate_limited_by_the_dispatcher() {
    let schema = json!({"type": "object", "properties": {"text": {"type": "string"}}});
    let relay = Tool::from_schema(
        "relay",
        schema.as_object().unwrap().clone(),
        |arguments: serde_json::Map<String, Value>| async move { arguments.len() },
    )
    .rate_limit(mcp_kit::ratelimit::Rate::per_seconds(1, 60));
    let typed = Tool::new("typed", |args: Typed| async move { args.n })
        .rate_limit(mcp_kit::ratelimit::Rate::per_seconds(1, 60));
    let server = Server::builder()
        .settings(settings())
        .tool(relay)
        .tool(typed)
        .build()
        .unwrap();
    let server = spawn(server).await;
    let wrong = call_as(server.addr, "alice-secret", "typed", json!({"n": "x"})).await;
    assert!(text(&wrong).0, "a string is not a number");
    for (name, arguments, answer) in [
        ("relay", json!({"text": "a"}), "1"),
        ("typed", json!({"n": 7}), "7"),
    ] {
        let first = call_as(server.addr, "alice-secret", name, arguments.clone()).await;
        assert_eq!(
            text(&first),
            (false, answer.into()),
            "{name}: the first call passes"
        );
        let second = call_as(server.addr, "alice-secret", name, arguments).await;
        let (is_error, message) = text(&second);
        assert!(
            is_error && message.starts_with("rate limited: "),
            "{name}: {message}"
        );
    }
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Typed {
    n: i64,
}

#[tokio::test]
async fn protected_resource_metadata() {
    let mut settings = settings();
    settings.resource_server_url = Some("https://mcp.example.com/mcp".into());
    settings.oauth_issuer_url = Some("https://auth.example.com".into());
    let server = spawn(Server::builder().settings(settings).build().unwrap()).await;
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let response = send(server.addr, "GET", path, &[], b"").await;
        assert_eq!(response.status, 200);
        let document = response.json();
        assert_eq!(document["resource"], "https://mcp.example.com/mcp");
        assert_eq!(
            document["authorization_servers"],
            json!(["https://auth.example.com"])
        );
        assert_eq!(document["bearer_methods_supported"], json!(["header"]));
        let scopes = document["scopes_supported"].as_array().unwrap();
        for scope in ["mcp", "notes:write", "admin"] {
            assert!(
                scopes.contains(&Value::from(scope)),
                "{scope} missing from {scopes:?}"
            );
        }
    }
    let response = post_mcp_with(server.addr, &[], call_body("look", json!({}))).await;
    let challenge = response.header("www-authenticate").unwrap();
    assert!(
        challenge.contains(r#"resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#),
        "{challenge}"
    );
}

#[tokio::test]
async fn authentication_can_be_turned_off_for_local_development() {
    let mut settings = settings();
    settings.require_auth = false;
    let server = spawn(Server::builder().settings(settings).build().unwrap()).await;
    let response = post_mcp_with(server.addr, &[], call_body("ping_anyone", json!({}))).await;
    assert_eq!(text(&response), (false, "anonymous".into()));
    // Tools that need a caller are hidden from anonymous lists and refuse anonymous calls.
    let response = post_mcp_with(server.addr, &[], call_body("whoami", json!({}))).await;
    assert_eq!(
        text(&response),
        (true, "not authenticated: authentication is required".into())
    );
    // A bad token is still refused.
    assert_eq!(
        call_as(server.addr, "nope", "look", json!({})).await.status,
        401
    );
}

#[tokio::test]
async fn resolvers_hooks_and_gates_set_in_code() {
    fn never() -> bool {
        false
    }
    let mut settings = settings();
    settings.auth_backends = vec!["tickets".into(), "static_bearer".into()];
    let server = Server::builder()
        .settings(settings)
        .authenticator(
            "tickets",
            mcp_kit::auth::Resolver(|token: String| async move {
                (token == "ticket-42").then(|| Principal::new("ticket-holder").with_scopes(["mcp"]))
            }),
        )
        .before_call(|call| match call.arguments.get("text") {
            Some(Value::String(text)) if text.contains("forbidden") => {
                Err(ToolError::bad_request("no forbidden words"))
            }
            _ => Ok(()),
        })
        .tool(Tool::new("hidden", |_: serde_json::Map<String, Value>| async { "x" }).enabled(never))
        .build()
        .unwrap();
    let server = spawn(server).await;
    assert_eq!(
        text(&call_as(server.addr, "ticket-42", "whoami", json!({})).await),
        (false, "ticket-holder".into())
    );
    assert_eq!(
        text(&call_as(server.addr, "alice-secret", "whoami", json!({})).await),
        (false, "alice".into())
    );
    let response = call_as(
        server.addr,
        "alice-secret",
        "write_note",
        json!({"text": "forbidden fruit"}),
    )
    .await;
    assert_eq!(
        text(&response),
        (true, "bad request: no forbidden words".into())
    );
    assert!(
        !list_as(server.addr, "alice-secret")
            .await
            .contains(&"hidden".to_owned())
    );
    let response = call_as(server.addr, "alice-secret", "hidden", json!({})).await;
    assert_eq!(response.error_code(), Some(-32602));
}

/// An `enabled` gate that reads state: the tool exists where the flag is on, and nowhere
/// the state is missing.
#[tokio::test]
async fn enabled_gates_read_state() {
    for (flags, visible) in [(Some(true), true), (Some(false), false), (None, false)] {
        let mut builder = Server::builder().settings(settings());
        if let Some(beta) = flags {
            builder = builder.state(Flags { beta });
        }
        let server = spawn(builder.build().unwrap()).await;
        let listed = list_as(server.addr, "alice-secret").await;
        assert_eq!(listed.contains(&"beta".to_owned()), visible, "{flags:?}");
        let called = call_as(server.addr, "alice-secret", "beta", json!({})).await;
        match visible {
            true => assert_eq!(text(&called), (false, "beta".into())),
            false => assert_eq!(called.error_code(), Some(-32602), "{flags:?}: unknown"),
        }
    }
    let gated = Tool::new("gated", |_: serde_json::Map<String, Value>| async { "x" })
        .enabled(|flags: &Flags| flags.beta);
    let server = Server::builder()
        .settings(settings())
        .state(Flags { beta: true })
        .tool(gated)
        .build()
        .unwrap();
    let server = spawn(server).await;
    assert!(
        list_as(server.addr, "alice-secret")
            .await
            .contains(&"gated".to_owned())
    );
}

#[test]
fn an_unknown_backend_is_a_start_up_error() {
    let mut settings = settings();
    settings.auth_backends = vec!["ldap".into()];
    let error = Server::builder()
        .settings(settings)
        .build()
        .err()
        .expect("ldap is unknown")
        .to_string();
    assert!(error.contains("`ldap`"), "{error}");
}
