//! Another MCP server mounted under a prefix: its items served as the front server's own over
//! real HTTP, with the front's permissions, the upstream's own credential, and an upstream
//! that dies mid-call answering `unavailable` until it is started again.

use mcp_kit::auth::{StaticToken, sha256_hex};
use mcp_kit::client::Client;
use mcp_kit::mount::Upstream;
use mcp_kit::permission::HasScope;
use mcp_kit::prelude::*;
use mcp_kit::{LogLevel, SamplingRequest};
use mcp_kit_tests::{TestServer, spawn, test_settings};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::sync::Notify;

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Sum {
    total: i64,
}

/// Adds two integers.
#[tool(annotations(read_only))]
fn add(a: i64, b: i64) -> Json<Sum> {
    Json(Sum { total: a + b })
}

/// Who the server thinks is calling.
#[tool(annotations(read_only))]
fn whoami(caller: Principal) -> String {
    caller.subject
}

static COUNTED: Notify = Notify::const_new();

/// Counts to three, reporting each step, then waits to be let go.
#[tool(annotations(read_only))]
async fn count(context: Context) -> &'static str {
    for step in 1..=3 {
        let message = format!("step {step}");
        let reported = context.progress(f64::from(step), Some(3.0), Some(&message));
        reported.await.expect("the progress is sent");
    }
    COUNTED.notified().await;
    "counted"
}

static WAITING: Notify = Notify::const_new();
static CANCELLED: Notify = Notify::const_new();

/// Waits until its call is cancelled: its context says so, or the server drops the call.
#[tool(annotations(read_only))]
async fn wait(context: Context) -> &'static str {
    struct Ended;
    impl Drop for Ended {
        fn drop(&mut self) {
            CANCELLED.notify_one();
        }
    }
    let _ended = Ended;
    WAITING.notify_one();
    context.cancelled().await;
    "cancelled"
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// Asks the caller's name, then its model for a capital.
#[tool(annotations(read_only))]
async fn greet(context: Context) -> Result<String, ToolError> {
    let Some(who) = context.elicit::<Name>("Your name?").await?.accepted() else {
        return Ok("no name".into());
    };
    let request = SamplingRequest::new("Capital of France?", 20).system_prompt("Be brief.");
    let capital = context.sample(request).await?;
    Ok(format!(
        "Hello, {}: {}",
        who.name,
        capital.text.unwrap_or_default()
    ))
}

/// Logs a line at each of three levels.
#[tool(annotations(read_only))]
async fn chatty(context: Context) -> &'static str {
    for (level, line) in [
        (LogLevel::Debug, "detail"),
        (LogLevel::Info, "working"),
        (LogLevel::Warning, "careful"),
    ] {
        context.log(level, line).await.expect("the line is sent");
    }
    "done"
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Topic {
    topic: String,
}

/// Asks what to write about.
#[prompt]
async fn topical(context: Context) -> Result<String, ToolError> {
    let asked = context.elicit::<Topic>("Which topic?").await?;
    let Some(Topic { topic }) = asked.accepted() else {
        return Ok("Write about anything.".into());
    };
    Ok(format!("Write about {topic}."))
}

/// A note by its id.
#[resource("notes://{id}", mime = "text/plain")]
fn note(id: String) -> String {
    format!("note {id}")
}

/// Asks for a review.
#[prompt]
fn review(code: String) -> String {
    format!("Review this: {code}")
}

fn token(token: &str, subject: &str, scopes: &[&str]) -> StaticToken {
    StaticToken {
        token_sha256: sha256_hex(token),
        subject: subject.into(),
        scopes: scopes.iter().map(|s| (*s).into()).collect(),
        permissions: vec![],
    }
}

/// The upstream: every item above, for the bearer of `upstream-token` only; and a handle on
/// it that counts the fast path's answers.
async fn upstream() -> (TestServer, Server) {
    let mut settings = test_settings();
    settings.require_auth = true;
    settings.auth.static_tokens = vec![token("upstream-token", "front-server", &["mcp"])];
    let server = Server::builder()
        .settings(settings)
        .build()
        .expect("builds");
    (spawn(server.clone()).await, server)
}

/// `upstream` mounted under `up` with its credential, as `configure` leaves it.
async fn mount_of(
    upstream: &TestServer,
    configure: impl FnOnce(Upstream) -> Upstream,
) -> mcp_kit::mount::Mount {
    let reach = Upstream::http(format!("http://{}/mcp", upstream.addr)).bearer("upstream-token");
    configure(reach).mount("up").await.expect("mounts")
}

/// The front: one local tool and what `mount` brings, for `alice` (scope `mcp`) and `root`
/// (scopes `mcp` and `admin`).
async fn front(mount: mcp_kit::mount::Mount) -> TestServer {
    let mut settings = test_settings();
    settings.require_auth = true;
    settings.auth.static_tokens = vec![
        token("alice-token", "alice", &["mcp"]),
        token("root-token", "root", &["mcp", "admin"]),
    ];
    let local = Tool::new("local_echo", |args: Echo| async move { args.text });
    let server = Server::builder()
        .settings(settings)
        .without_linked_tools()
        .tool(local)
        .mount(mount)
        .build()
        .expect("builds");
    spawn(server).await
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Echo {
    text: String,
}

async fn client(server: &TestServer, token: &str) -> Client {
    Client::http(format!("http://{}/mcp", server.addr))
        .bearer(token)
        .connect()
        .await
        .expect("connects")
}

fn names(listed: &[serde_json::Value], key: &str) -> Vec<String> {
    let mut names: Vec<String> = listed
        .iter()
        .map(|item| item[key].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_mounted_server_serves_its_items_under_the_prefix_with_its_own_credential() {
    let (upstream, upstream_server) = upstream().await;
    let front = front(mount_of(&upstream, |upstream| upstream).await).await;
    let alice = client(&front, "alice-token").await;

    let tools = alice.list_tools().await.unwrap();
    assert_eq!(
        names(&tools, "name"),
        [
            "local_echo",
            "up_add",
            "up_chatty",
            "up_count",
            "up_greet",
            "up_wait",
            "up_whoami"
        ]
    );
    let add = tools.iter().find(|t| t["name"] == "up_add").unwrap();
    assert_eq!(add["description"], "Adds two integers.");
    assert_eq!(add["annotations"]["readOnlyHint"], true);
    assert_eq!(add["inputSchema"]["required"], json!(["a", "b"]));
    assert!(
        add["outputSchema"]["properties"]["total"].is_object(),
        "{add}"
    );

    let sum = alice
        .call_tool("up_add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert!(!sum.is_error);
    assert_eq!(sum.structured_value(), Some(json!({"total": 5})));
    // The upstream saw the front's credential, never alice's.
    let who = alice.call_tool("up_whoami", json!({})).await.unwrap();
    assert_eq!(who.text(), "front-server");
    // The calls asked for no progress, so the upstream could answer them as plain JSON.
    if test_settings().fast_path {
        assert!(upstream_server.fast_path_answers() >= 2);
    }
    // The upstream's refusal of bad arguments is the caller's error, as for a local tool.
    let wrong = alice.call_tool("up_add", json!({"a": "two", "b": 3})).await;
    let wrong = wrong.unwrap();
    assert!(wrong.is_error);
    assert!(wrong.text().contains("a: invalid type"), "{wrong:?}");

    let templates = alice.list_resource_templates().await.unwrap();
    assert_eq!(names(&templates, "uriTemplate"), ["up+notes://{id}"]);
    let read = alice.read_resource("up+notes://7").await.unwrap();
    assert_eq!(read[0].body, mcp_kit::ResourceBody::Text("note 7".into()));

    let prompts = alice.list_prompts().await.unwrap();
    assert_eq!(names(&prompts, "name"), ["up_review", "up_topical"]);
    let got = alice
        .get_prompt("up_review", json!({"code": "fn main() {}"}))
        .await
        .unwrap();
    assert_eq!(
        got["messages"][0]["content"]["text"],
        "Review this: fn main() {}"
    );
}

#[tokio::test]
async fn a_permission_on_the_upstream_hides_its_items_from_callers_without_it() {
    let (upstream, _) = upstream().await;
    let mount = mount_of(&upstream, |upstream| upstream.permission(HasScope("admin"))).await;
    let front = front(mount).await;

    let alice = client(&front, "alice-token").await;
    let tools = alice.list_tools().await.unwrap();
    assert_eq!(names(&tools, "name"), ["local_echo"]);
    assert!(alice.list_prompts().await.unwrap().is_empty());
    let refused = alice.call_tool("up_add", json!({"a": 1, "b": 1})).await;
    assert!(refused.is_err() || refused.unwrap().is_error);

    let root = client(&front, "root-token").await;
    let sum = root
        .call_tool("up_add", json!({"a": 1, "b": 1}))
        .await
        .unwrap();
    assert_eq!(sum.structured_value(), Some(json!({"total": 2})));
}

#[tokio::test]
async fn one_mounted_tool_can_be_given_a_permission_of_its_own() {
    let (upstream, _) = upstream().await;
    let mount = mount_of(&upstream, |upstream| upstream)
        .await
        .map_tools(|tool| match tool.name() {
            "up_whoami" => tool.permission(HasScope("admin")),
            _ => tool,
        });
    let front = front(mount).await;
    let alice = client(&front, "alice-token").await;
    let tools = alice.list_tools().await.unwrap();
    assert_eq!(
        names(&tools, "name"),
        [
            "local_echo",
            "up_add",
            "up_chatty",
            "up_count",
            "up_greet",
            "up_wait"
        ]
    );
    let root = client(&front, "root-token").await;
    let who = root.call_tool("up_whoami", json!({})).await.unwrap();
    assert_eq!(who.text(), "front-server");
}

#[tokio::test]
async fn mounting_names_what_went_wrong() {
    let (upstream, _) = upstream().await;
    let url = format!("http://{}/mcp", upstream.addr);
    let refused = Upstream::http(&url)
        .bearer("wrong")
        .mount("up")
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("could not connect"),
        "{refused}"
    );
    let unset = Upstream::http(&url)
        .bearer_from_env("MCP_KIT_TEST_NO_SUCH_VARIABLE")
        .mount("up")
        .await
        .unwrap_err();
    assert!(
        unset
            .to_string()
            .contains("MCP_KIT_TEST_NO_SUCH_VARIABLE is not set"),
        "{unset}"
    );
    // A server that takes the connection and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}/mcp", silent.local_addr().unwrap());
    let hung = Upstream::http(silent_url)
        .connect_timeout(std::time::Duration::from_millis(200))
        .mount("up")
        .await
        .unwrap_err();
    assert!(hung.to_string().contains("no answer in 200ms"), "{hung}");
    drop(silent);
}

#[tokio::test]
async fn an_upstream_that_dies_mid_call_is_unavailable_then_started_again() {
    let mount = Upstream::stdio(env!("CARGO_BIN_EXE_replica"), ["serve", "--stdio"])
        .mount("replica")
        .await
        .expect("mounts");
    let front = front(mount).await;
    let upstreams = async || {
        let health = mcp_kit_tests::send(front.addr, "GET", "/healthz", &[], b"").await;
        assert_eq!(health.status, 200);
        health.json()["upstreams"].clone()
    };
    assert_eq!(upstreams().await, json!({"replica": "up"}));
    let alice = client(&front, "alice-token").await;
    assert_eq!(
        alice
            .call_tool("replica_peek", json!({}))
            .await
            .unwrap()
            .text(),
        "peeked"
    );

    let died = alice.call_tool("replica_vanish", json!({})).await;
    let message = match died {
        Ok(out) => {
            assert!(out.is_error, "{out:?}");
            out.text()
        }
        Err(error) => error.to_string(),
    };
    assert!(
        message.contains("the mounted server `replica` is unavailable"),
        "{message}"
    );
    assert_eq!(upstreams().await, json!({"replica": "down"}));
    // The rest of the server keeps serving.
    let echo = alice
        .call_tool("local_echo", json!({"text": "still here"}))
        .await
        .unwrap();
    assert_eq!(echo.text(), "still here");
    // The next call starts the upstream again.
    assert_eq!(
        alice
            .call_tool("replica_peek", json!({}))
            .await
            .unwrap()
            .text(),
        "peeked"
    );
    assert_eq!(upstreams().await, json!({"replica": "up"}));
}

/// Posts `tools/call NAME` to `server` as `alice`, with `meta` as the request's `_meta`, and
/// leaves the answer's event stream to read.
async fn call_raw(server: &TestServer, name: &str, meta: Value) -> TcpStream {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": name, "arguments": {}, "_meta": meta}})
    .to_string();
    let addr = server.addr;
    let request = format!(
        "POST /mcp HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer alice-token\r\n\
         content-type: application/json\r\naccept: application/json, text/event-stream\r\n\
         mcp-protocol-version: 2025-11-25\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    stream
}

async fn mounted_upstream() -> (TestServer, TestServer) {
    let (upstream, _) = upstream().await;
    let mount = mount_of(&upstream, |upstream| upstream).await;
    (front(mount).await, upstream)
}

#[tokio::test]
async fn the_upstreams_progress_reaches_the_caller_who_asked_for_it() {
    let (front, _upstream) = mounted_upstream().await;
    let mut stream = call_raw(&front, "up_count", json!({"progressToken": "p-1"})).await;
    let mut seen = String::new();
    // The progress arrives while the call is still running.
    mcp_kit_tests::read_until(&mut stream, &mut seen, "step 3").await;
    COUNTED.notify_one();
    mcp_kit_tests::read_until(&mut stream, &mut seen, r#""result""#).await;
    let messages = mcp_kit_tests::messages(&seen);
    let progress: Vec<(Value, Value, Value)> = messages
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| {
            let params = &m["params"];
            let progress = (params["progress"].clone(), params["total"].clone());
            (
                params["progressToken"].clone(),
                progress.0,
                params["message"].clone(),
            )
        })
        .collect();
    assert_eq!(
        progress,
        [1, 2, 3].map(|n| (
            json!("p-1"),
            json!(f64::from(n)),
            json!(format!("step {n}"))
        )),
        "{seen}"
    );
    let answer = messages.last().unwrap();
    assert_eq!(answer["result"]["content"][0]["text"], "counted", "{seen}");

    // A caller who did not ask gets the answer alone.
    let alice = client(&front, "alice-token").await;
    COUNTED.notify_one();
    let counted = alice.call_tool("up_count", json!({})).await.unwrap();
    assert_eq!(counted.text(), "counted");
}

#[tokio::test]
async fn cancelling_a_call_cancels_it_upstream() {
    let (front, _upstream) = mounted_upstream().await;
    let stream = call_raw(&front, "up_wait", json!({})).await;
    let timeout = std::time::Duration::from_secs(10);
    tokio::time::timeout(timeout, WAITING.notified())
        .await
        .expect("the upstream's tool starts");
    // The caller goes away: the front cancels its call, and the upstream's with it.
    drop(stream);
    tokio::time::timeout(timeout, CANCELLED.notified())
        .await
        .expect("the upstream's call is cancelled");
}

/// A 2026-07-28 `method` (`tools/call`, `prompts/get`) of `name` on `server` as alice,
/// declaring `capabilities`, with `meta` added to its `_meta` and `extra` to its params: every
/// message of the answer.
async fn send_2026(
    server: &TestServer,
    method: &str,
    name: &str,
    capabilities: Value,
    meta: Value,
    extra: Value,
) -> Vec<Value> {
    let mut params = json!({"name": name, "arguments": {}, "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    }});
    for (key, value) in meta.as_object().into_iter().flatten() {
        params["_meta"][key] = value.clone();
    }
    for (key, value) in extra.as_object().into_iter().flatten() {
        params[key] = value.clone();
    }
    let body = json!({"jsonrpc": "2.0", "id": 3, "method": method, "params": params});
    let response = mcp_kit_tests::post_mcp_with(
        server.addr,
        &[
            ("authorization", "Bearer alice-token"),
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", method),
            ("mcp-name", name),
        ],
        body.to_string(),
    )
    .await;
    let text = String::from_utf8_lossy(&response.body).into_owned();
    if response.header("content-type") == Some("application/json") {
        return vec![serde_json::from_str(&text).expect("a JSON answer")];
    }
    mcp_kit_tests::messages(&text)
}

#[tokio::test]
async fn the_upstreams_questions_are_put_to_the_caller_round_by_round() {
    let (front, _upstream) = mounted_upstream().await;
    let can_answer = json!({"elicitation": {}, "sampling": {}});
    let mut extra = json!({});
    let mut answers = vec![
        json!({"action": "accept", "content": {"name": "Alice"}}),
        json!({"role": "assistant", "model": "test-model", "stopReason": "endTurn",
               "content": {"type": "text", "text": "Paris"}}),
    ]
    .into_iter();
    let mut asked = Vec::new();
    let result = loop {
        let messages = send_2026(
            &front,
            "tools/call",
            "up_greet",
            can_answer.clone(),
            json!({}),
            extra,
        )
        .await;
        let result = messages.last().expect("an answer")["result"].clone();
        if result["resultType"] != "input_required" {
            break result;
        }
        // Each round asks one question, under the key the upstream filed it under.
        let requests = result["inputRequests"].as_object().expect("questions");
        assert_eq!(requests.len(), 1, "{result}");
        let (key, request) = requests.iter().next().unwrap();
        asked.push((
            request["method"].clone(),
            request["params"]["message"].clone(),
        ));
        if request["method"] == "sampling/createMessage" {
            let params = &request["params"];
            assert_eq!(params["systemPrompt"], "Be brief.", "{result}");
            assert_eq!(
                params["messages"][0]["content"]["text"],
                "Capital of France?"
            );
        }
        extra = json!({
            "inputResponses": {key: answers.next().expect("no more than two questions")},
            "requestState": result["requestState"],
        });
    };
    assert_eq!(
        asked,
        [
            (json!("elicitation/create"), json!("Your name?")),
            (json!("sampling/createMessage"), Value::Null)
        ],
        "{result}"
    );
    assert_eq!(
        result["content"][0]["text"], "Hello, Alice: Paris",
        "{result}"
    );
    assert_eq!(result["isError"], false, "{result}");
}

#[tokio::test]
async fn a_caller_who_cannot_answer_gets_an_error_that_says_so() {
    let (front, _upstream) = mounted_upstream().await;
    let messages = send_2026(
        &front,
        "tools/call",
        "up_greet",
        json!({}),
        json!({}),
        json!({}),
    )
    .await;
    let answer = messages.last().expect("an answer");
    let said = answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        said.contains("did not declare the `elicitation` capability"),
        "{answer}"
    );
    assert_eq!(answer["result"]["isError"], true, "{answer}");
}

#[tokio::test]
async fn the_upstreams_log_lines_reach_the_caller_at_the_levels_it_asked_for() {
    let (front, _upstream) = mounted_upstream().await;
    let messages = send_2026(
        &front,
        "tools/call",
        "up_chatty",
        json!({}),
        json!({"io.modelcontextprotocol/logLevel": "info"}),
        json!({}),
    )
    .await;
    let logged: Vec<(Value, Value)> = messages
        .iter()
        .filter(|m| m["method"] == "notifications/message")
        .map(|m| (m["params"]["level"].clone(), m["params"]["data"].clone()))
        .collect();
    assert_eq!(
        logged,
        [
            (json!("info"), json!("working")),
            (json!("warning"), json!("careful"))
        ],
        "{messages:?}"
    );
    let answer = messages.last().unwrap();
    assert_eq!(
        answer["result"]["content"][0]["text"], "done",
        "{messages:?}"
    );

    // Without a level, no line.
    let messages = send_2026(
        &front,
        "tools/call",
        "up_chatty",
        json!({}),
        json!({}),
        json!({}),
    )
    .await;
    assert_eq!(messages.len(), 1, "{messages:?}");
}

#[tokio::test]
async fn settings_declare_upstreams_that_mount_declared_mounts() {
    let open = spawn(Server::builder().settings(test_settings()).build().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mcp-kit.toml");
    let toml = format!(
        "require_auth = false\n\n[[upstream]]\nprefix = \"open\"\n\
         url = \"http://{}/mcp\"\nscopes = [\"open\"]\nconnect_timeout = 5\n",
        open.addr
    );
    std::fs::write(&file, toml).unwrap();
    let builder = || Server::builder().without_linked_tools().config_file(&file);

    // Declared but not mounted: building says what to do.
    let unmounted = builder().build().err().expect("does not build").to_string();
    assert!(
        unmounted.contains("[[upstream]] `open` is declared but not mounted"),
        "{unmounted}"
    );

    let server = builder().mount_declared().await.unwrap().build().unwrap();
    let registry = server.registry();
    let names: Vec<&str> = registry.tools().iter().map(Tool::name).collect();
    assert!(names.contains(&"open_add"), "{names:?}");
    let denied = server
        .dispatcher()
        .call_tool("open_add", None, Context::detached(None))
        .await
        .expect("the tool is known");
    assert!(
        denied.is_error,
        "a caller without the scope `open` may not call it"
    );
    assert!(denied.text().contains("`open`"), "{}", denied.text());

    // A table that names neither a URL nor a command.
    let mut settings = test_settings();
    let mut broken = mcp_kit::UpstreamSettings::default();
    broken.prefix = "broken".into();
    settings.upstream = vec![broken];
    let error = Server::builder()
        .settings(settings)
        .mount_declared()
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains("[[upstream]] `broken`: give `url` or `command`"),
        "{error}"
    );
}

#[tokio::test]
async fn a_mounted_prompts_question_is_put_to_the_caller_too() {
    let (front, _upstream) = mounted_upstream().await;
    let get = async |extra: Value| {
        let can_answer = json!({"elicitation": {}});
        let messages = send_2026(
            &front,
            "prompts/get",
            "up_topical",
            can_answer,
            json!({}),
            extra,
        );
        messages.await.last().expect("an answer")["result"].clone()
    };
    let asked = get(json!({})).await;
    assert_eq!(asked["resultType"], "input_required", "{asked}");
    let (key, request) = asked["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert_eq!(request["params"]["message"], "Which topic?", "{asked}");
    let answer = json!({"action": "accept", "content": {"topic": "otters"}});
    let got = get(json!({"inputResponses": {key: answer}, "requestState": asked["requestState"]}));
    let got = got.await;
    assert_eq!(
        got["messages"][0]["content"]["text"], "Write about otters.",
        "{got}"
    );
}

#[tokio::test]
async fn an_upstreams_list_changes_reach_the_front_and_its_clients() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    let shown = Arc::new(AtomicBool::new(false));
    let gate = shown.clone();
    let later = Tool::new("later", |args: Echo| async move {
        format!("later: {}", args.text)
    })
    .enabled(move || gate.load(Ordering::SeqCst));
    let first = Tool::new("first", |args: Echo| async move { args.text });
    let upstream = Server::builder()
        .settings(test_settings())
        .without_linked_tools()
        .tool(first)
        .tool(later)
        .build()
        .expect("builds");
    let served = spawn(upstream.clone()).await;
    let mount = Upstream::http(format!("http://{}/mcp", served.addr))
        .mount("up")
        .await
        .expect("mounts");
    let front = front(mount).await;
    let alice = client(&front, "alice-token").await;
    let mut changes = alice.list_changes().await.expect("listens");
    let tools = || async { names(&alice.list_tools().await.unwrap(), "name") };
    assert_eq!(tools().await, ["local_echo", "up_first"]);
    // The upstream shows or hides a tool and says so: the front lists its tools again and
    // tells its own clients.
    let mut show = async |on: bool| {
        shown.store(on, Ordering::SeqCst);
        upstream.notify_tool_list_changed().await;
        let heard = tokio::time::timeout(Duration::from_secs(10), changes.next()).await;
        assert_eq!(
            heard.expect("announced"),
            Some(mcp_kit::client::List::Tools)
        );
    };

    show(true).await;
    assert_eq!(tools().await, ["local_echo", "up_first", "up_later"]);
    let called = alice.call_tool("up_later", json!({"text": "hi"})).await;
    assert_eq!(called.unwrap().text(), "later: hi");

    show(false).await;
    assert_eq!(tools().await, ["local_echo", "up_first"]);
    let gone = alice.call_tool("up_later", json!({"text": "hi"})).await;
    assert!(gone.is_err(), "{gone:?}");
}
