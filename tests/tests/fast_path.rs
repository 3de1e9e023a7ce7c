//! The fast path is invisible to clients: each request in a corpus of good, bad and odd ones gets
//! the same answer (status, content type, JSON body or SSE messages) from a server with
//! `fast_path` on as from one that sends every request through rmcp.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use mcp_kit::auth::{StaticToken, sha256_hex};
use mcp_kit::prelude::*;
use mcp_kit::{LogLevel, Settings};
use mcp_kit_tests::{Response, TestServer, post_mcp, send, spawn, test_settings};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

// Items, served by every server in this file. All tools are read-only so that no write rate
// limit makes a late case differ from an early one.

/// Echoes its text.
#[tool(annotations(read_only))]
async fn fp_echo(text: String) -> String {
    text
}

/// Takes no arguments.
#[tool(annotations(read_only))]
fn fp_constant() -> &'static str {
    "constant"
}

#[derive(Serialize, JsonSchema)]
struct FpTotal {
    total: i64,
    count: usize,
}

/// Adds integers, as structured output.
#[tool(annotations(read_only))]
async fn fp_sum(numbers: Vec<i64>) -> Json<FpTotal> {
    Json(FpTotal {
        total: numbers.iter().sum(),
        count: numbers.len(),
    })
}

/// Always fails, as a tool error.
#[tool(annotations(read_only))]
async fn fp_fail(reason: String) -> Result<String, ToolError> {
    Err(ToolError::bad_request(reason))
}

/// Panics; the caller sees an internal error.
#[tool(annotations(read_only))]
async fn fp_panic() -> String {
    panic!("fp_panic: secret detail")
}

/// Sends log messages while it works.
#[tool(annotations(read_only))]
async fn fp_log(context: Context) -> Result<&'static str, ToolError> {
    context.log(LogLevel::Info, "starting").await?;
    context.log(LogLevel::Warning, json!({"step": 2})).await?;
    Ok("logged")
}

static RELEASE: std::sync::LazyLock<tokio::sync::Notify> =
    std::sync::LazyLock::new(tokio::sync::Notify::new);

/// Logs, then waits until the test lets it finish.
#[tool(annotations(read_only))]
async fn fp_log_then_wait(context: Context) -> Result<&'static str, ToolError> {
    context.log(LogLevel::Info, "waiting").await?;
    RELEASE.notified().await;
    Ok("released")
}

/// Never answers: its client gives up first.
#[tool(annotations(read_only))]
async fn fp_forever() -> &'static str {
    std::future::pending().await
}

/// Logs, yields, logs again: the call is still running when its first line is out.
#[tool(annotations(read_only))]
async fn fp_log_slowly(context: Context) -> Result<&'static str, ToolError> {
    context.log(LogLevel::Info, "starting").await?;
    tokio::task::yield_now().await;
    context.log(LogLevel::Info, "halfway").await?;
    tokio::task::yield_now().await;
    Ok("logged slowly")
}

/// Reports progress while it works.
#[tool(annotations(read_only))]
async fn fp_progress(context: Context) -> Result<&'static str, ToolError> {
    context.progress(1.0, Some(2.0), None).await?;
    context.progress(2.0, Some(2.0), Some("done")).await?;
    Ok("progressed")
}

/// Who is calling.
#[tool(annotations(read_only))]
async fn fp_whoami(caller: Option<Principal>) -> String {
    caller.map_or_else(|| "anonymous".to_owned(), |p| p.subject)
}

/// Needs the `fp:write` scope.
#[tool(annotations(read_only), permission = HasScope("fp:write"))]
async fn fp_guarded() -> &'static str {
    "guarded"
}

/// A fixed text.
#[resource("fp://static", mime = "text/plain")]
fn fp_static() -> &'static str {
    "static text"
}

/// One item; items from 10 on do not exist.
#[resource("fp://items/{id}", complete(id = fp_item_ids))]
async fn fp_item(id: u32) -> Result<String, ToolError> {
    if id < 10 {
        Ok(format!("item {id}"))
    } else {
        Err(ToolError::not_found(format!("no item {id}")))
    }
}

async fn fp_item_ids(prefix: String) -> Vec<String> {
    ["1", "2", "12"]
        .into_iter()
        .filter(|id| id.starts_with(&prefix))
        .map(String::from)
        .collect()
}

/// Asks for a summary.
#[prompt(complete(style = fp_styles))]
fn fp_summarize(
    #[arg(description = "what to summarize")] text: String,
    #[arg(description = "how")] style: Option<String>,
) -> String {
    format!(
        "Summarize ({}): {text}",
        style.as_deref().unwrap_or("plain")
    )
}

async fn fp_styles(prefix: String) -> Vec<&'static str> {
    ["brief", "bullets", "detailed"]
        .into_iter()
        .filter(|s| s.starts_with(&prefix))
        .collect()
}

// Servers.

const BODY_LIMIT: usize = 64 * 1024;
const V2026: &str = "2026-07-28";
const TIMEOUT: Duration = Duration::from_secs(20);

fn settings() -> Settings {
    let mut settings = test_settings();
    settings.body_limit = BODY_LIMIT;
    settings
}

fn auth_settings() -> Settings {
    let token = |secret: &str, subject: &str, scopes: &[&str]| StaticToken {
        token_sha256: sha256_hex(secret),
        subject: subject.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        permissions: Vec::new(),
    };
    let mut settings = settings();
    settings.require_auth = true;
    settings.auth.static_tokens = vec![
        token("fp-alice", "alice", &["mcp", "fp:write"]),
        token("fp-bob", "bob", &["mcp"]),
        token("fp-carol", "carol", &[]),
    ];
    settings
}

/// A server serving, and the handle that counts what its fast path answered.
struct Served {
    http: TestServer,
    server: Server,
}

impl std::ops::Deref for Served {
    type Target = TestServer;

    fn deref(&self) -> &TestServer {
        &self.http
    }
}

/// Two servers from the same items and settings: the first with the fast path, the second
/// without.
async fn pair(settings: Settings) -> (Served, Served) {
    let serve = async |fast_path| {
        let mut settings = settings.clone();
        settings.fast_path = fast_path;
        let server = Server::builder()
            .info("fast-path", "1.0.0")
            .settings(settings)
            .build()
            .expect("server builds");
        Served {
            http: spawn(server.clone()).await,
            server,
        }
    };
    (serve(true).await, serve(false).await)
}

// Requests.

/// One request of the corpus: a POST to `/mcp` with these headers and body.
struct Case {
    name: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Case {
    /// With the headers a Streamable HTTP client sends.
    fn new(name: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        let headers = [
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
            ("mcp-protocol-version", "2025-11-25"),
        ];
        Self {
            name: name.into(),
            headers: headers
                .into_iter()
                .map(|(n, v)| (n, v.to_owned()))
                .collect(),
            body: body.into(),
        }
    }

    /// Sets header `name`, replacing any value it had.
    fn header(self, name: &'static str, value: impl Into<String>) -> Self {
        self.without(name).also(name, value)
    }

    /// Adds one more header `name`, keeping those already there.
    fn also(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    async fn send(&self, addr: SocketAddr, server: &str) -> Response {
        let headers: Vec<(&str, &str)> =
            self.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        tokio::time::timeout(TIMEOUT, send(addr, "POST", "/mcp", &headers, &self.body))
            .await
            .unwrap_or_else(|_| panic!("case `{}`: the {server} did not answer", self.name))
    }
}

/// A JSON-RPC request; `params` is left out when null.
fn rpc(id: impl Into<Value>, method: &str, params: Value) -> String {
    let mut message = json!({"jsonrpc": "2.0", "id": id.into(), "method": method});
    if !params.is_null() {
        message["params"] = params;
    }
    message.to_string()
}

/// A request of the era before 2026-07-28: no protocol version in `_meta`.
fn legacy(name: impl Into<String>, id: impl Into<Value>, method: &str, params: Value) -> Case {
    Case::new(name, rpc(id, method, params))
}

fn call(tool: &str, arguments: Value) -> Value {
    json!({"name": tool, "arguments": arguments})
}

/// `_meta` of a 2026-07-28 request claiming `version`.
fn meta(version: &str) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

fn meta_without(key: &str) -> Value {
    let mut meta = meta(V2026);
    meta.as_object_mut()
        .expect("an object")
        .remove(&format!("io.modelcontextprotocol/{key}"));
    meta
}

/// A 2026-07-28 request: `_meta` in params, and the version, `Mcp-Method` and `Mcp-Name`
/// headers matching the body.
fn modern(name: &str, id: impl Into<Value>, method: &str, params: Value) -> Case {
    modern_with(name, id, method, params, meta(V2026))
}

fn modern_with(
    name: &str,
    id: impl Into<Value>,
    method: &str,
    mut params: Value,
    meta: Value,
) -> Case {
    params["_meta"] = meta;
    let target = match method {
        "tools/call" | "prompts/get" => params["name"].as_str(),
        "resources/read" => params["uri"].as_str(),
        _ => None,
    }
    .map(str::to_owned);
    let case = Case::new(format!("2026 {name}"), rpc(id, method, params))
        .header("mcp-protocol-version", V2026)
        .header("mcp-method", method);
    match target {
        Some(target) => case.header("mcp-name", target),
        None => case,
    }
}

// Comparison.

/// What a client can observe of a response, in a form two responses compare by.
#[derive(PartialEq)]
struct Seen {
    status: u16,
    /// The media type without parameters, lowercased.
    content_type: Option<String>,
    body: Body,
}

#[derive(PartialEq)]
enum Body {
    Json(Value),
    /// The `data` of each SSE event, as JSON.
    Events(Vec<Value>),
    Bytes(Vec<u8>),
}

impl Seen {
    fn of(response: &Response) -> Self {
        let content_type = response.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
        let body = if content_type.as_deref() == Some("text/event-stream") {
            Body::Events(events(&response.body))
        } else {
            serde_json::from_slice(&response.body)
                .map_or_else(|_| Body::Bytes(response.body.clone()), Body::Json)
        };
        Self {
            status: response.status,
            content_type,
            body,
        }
    }
}

/// The data of each event of an SSE body. Events without data (rmcp's priming event) carry no
/// message; data that is not JSON compares by its text.
fn events(body: &[u8]) -> Vec<Value> {
    let text = String::from_utf8_lossy(body);
    let mut events = Vec::new();
    let mut data: Vec<&str> = Vec::new();
    for line in text.lines().chain([""]) {
        if line.is_empty() {
            let joined = data.join("\n");
            data.clear();
            if !joined.is_empty() {
                events.push(serde_json::from_str(&joined).unwrap_or(Value::String(joined)));
            }
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    events
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let content_type = self.content_type.as_deref().unwrap_or("(no content type)");
        write!(f, "{} {content_type}: ", self.status)?;
        match &self.body {
            Body::Json(value) => write!(f, "{value}"),
            Body::Events(events) => events.iter().try_for_each(|e| write!(f, "\n    data: {e}")),
            Body::Bytes(bytes) => write!(f, "{:?}", String::from_utf8_lossy(bytes)),
        }
    }
}

/// Sends `case` to the server with the fast path (`on`) and to the one without (`off`).
async fn compare(on: SocketAddr, off: SocketAddr, case: &Case) -> Result<(), String> {
    let fast = Seen::of(&case.send(on, "fast-path server").await);
    let slow = Seen::of(&case.send(off, "rmcp-only server").await);
    if fast == slow {
        Ok(())
    } else {
        Err(format!(
            "case `{}`:\n  fast path: {fast}\n  rmcp:      {slow}",
            case.name
        ))
    }
}

/// Sends every case to a fresh pair of servers; panics listing each case answered
/// differently, or when the fast path answered fewer than `fast_cases` of them.
async fn run(settings: Settings, cases: Vec<Case>, fast_cases: usize) {
    let mut names = HashSet::new();
    for case in &cases {
        assert!(
            names.insert(&case.name),
            "two cases are named `{}`",
            case.name
        );
    }
    let (on, off) = pair(settings).await;
    let mut mismatches = Vec::new();
    for case in &cases {
        if let Err(mismatch) = compare(on.addr, off.addr, case).await {
            mismatches.push(mismatch);
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases are answered differently:\n\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n\n")
    );
    // A fast path that declined everything would compare rmcp with rmcp.
    let answered = on.server.fast_path_answers();
    assert!(
        answered >= fast_cases as u64,
        "the fast path answered {answered} of {} cases; at least {fast_cases} are plain",
        cases.len()
    );
    assert_eq!(off.server.fast_path_answers(), 0, "the rmcp-only server");
}

// The corpus.

#[tokio::test]
async fn legacy_requests_are_answered_alike() {
    let mut cases = Vec::new();
    for version in ["2025-06-18", "2025-11-25", "2099-01-01", V2026] {
        let params = json!({
            "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}
        });
        let init = |name: String| {
            legacy(
                name,
                format!("init-{version}"),
                "initialize",
                params.clone(),
            )
        };
        cases.extend([
            init(format!("initialize {version}, header 2025-11-25")),
            init(format!("initialize {version}, same header"))
                .header("mcp-protocol-version", version),
            init(format!("initialize {version}, no header")).without("mcp-protocol-version"),
        ]);
    }
    let progress = |token: Value, tool: &str| json!({"name": tool, "arguments": {}, "_meta": {"progressToken": token}});
    let summarize = json!({"type": "ref/prompt", "name": "fp_summarize"});
    cases.extend([
        legacy("initialize without clientInfo", 1, "initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {}})),
        legacy("ping", 1, "ping", Value::Null),
        legacy("ping, string id", "p-1", "ping", Value::Null),
        legacy("ping, empty params", 2, "ping", json!({})),
        legacy("tools/list", 1, "tools/list", Value::Null),
        legacy("tools/list, empty params", "l", "tools/list", json!({})),
        legacy("tools/list, invalid cursor", 2, "tools/list", json!({"cursor": "garbage"})),
        // `bzox` is the offset 1 as the server encodes cursors.
        legacy("tools/list, cursor at offset 1", 3, "tools/list", json!({"cursor": "bzox"})),
        legacy("tools/list, cursor not a string", 4, "tools/list", json!({"cursor": 5})),
        legacy("resources/list", 1, "resources/list", Value::Null),
        legacy("resources/list, invalid cursor", 2, "resources/list", json!({"cursor": "garbage"})),
        legacy("resources/templates/list", "t", "resources/templates/list", Value::Null),
        legacy("prompts/list", 1, "prompts/list", Value::Null),
        legacy("prompts/list, invalid cursor", 2, "prompts/list", json!({"cursor": "garbage"})),
        legacy("call a text tool", "c-1", "tools/call", call("fp_echo", json!({"text": "hi"}))),
        legacy("call a text tool, unicode", 1, "tools/call", call("fp_echo", json!({"text": "héllo \u{1F600} \"q\"\n"}))),
        legacy("call a structured tool", 2, "tools/call", call("fp_sum", json!({"numbers": [1, 2, 39]}))),
        legacy("call a structured tool, empty list", 3, "tools/call", call("fp_sum", json!({"numbers": []}))),
        legacy("call a failing tool", 4, "tools/call", call("fp_fail", json!({"reason": "no way"}))),
        legacy("call a panicking tool", 5, "tools/call", call("fp_panic", json!({}))),
        legacy("call an unknown tool", 6, "tools/call", call("fp_nope", json!({}))),
        legacy("call with a wrong argument type", 7, "tools/call", call("fp_echo", json!({"text": 5}))),
        legacy("call without a required argument", 8, "tools/call", call("fp_echo", json!({}))),
        legacy("call with an unknown argument", 9, "tools/call", call("fp_echo", json!({"text": "a", "extra": 1}))),
        legacy("call with arguments absent", 10, "tools/call", json!({"name": "fp_echo"})),
        legacy("call a no-argument tool, arguments absent", 11, "tools/call", json!({"name": "fp_constant"})),
        legacy("call a no-argument tool, arguments empty", 12, "tools/call", call("fp_constant", json!({}))),
        legacy("call with arguments null", 13, "tools/call", call("fp_echo", Value::Null)),
        legacy("call with arguments an array", 14, "tools/call", call("fp_echo", json!([1]))),
        legacy("call with a coercible number", 15, "tools/call", call("fp_sum", json!({"numbers": ["1", 2.0]}))),
        legacy("call without a name", 16, "tools/call", json!({"arguments": {}})),
        legacy("call with a name not a string", 17, "tools/call", json!({"name": 5})),
        legacy("call anonymously a tool reading the caller", 18, "tools/call", call("fp_whoami", json!({}))),
        legacy("call a tool needing a scope, anonymously", 19, "tools/call", call("fp_guarded", json!({}))),
        legacy("call a logging tool", "log", "tools/call", call("fp_log", json!({}))),
        legacy(
            "call a tool that logs while it works",
            "log-slowly",
            "tools/call",
            call("fp_log_slowly", json!({})),
        ),
        legacy("progress token on a tool reporting progress", 20, "tools/call", progress(json!("tok"), "fp_progress")),
        legacy("numeric progress token", 21, "tools/call", progress(json!(7), "fp_progress")),
        legacy("progress token on a tool reporting none", 22, "tools/call", progress(json!("tok"), "fp_constant")),
        legacy("progress reported without a token", 23, "tools/call", call("fp_progress", json!({}))),
        legacy("progress token not a string or number", 24, "tools/call", progress(json!({"a": 1}), "fp_progress")),
        legacy("read a static resource", 1, "resources/read", json!({"uri": "fp://static"})),
        legacy("read a template resource", "r-2", "resources/read", json!({"uri": "fp://items/3"})),
        legacy("read a template resource that fails", 3, "resources/read", json!({"uri": "fp://items/42"})),
        legacy("read a template resource with a bad variable", 4, "resources/read", json!({"uri": "fp://items/x"})),
        legacy("read an unknown URI", 5, "resources/read", json!({"uri": "fp://nothing"})),
        legacy("read without a URI", 6, "resources/read", json!({})),
        legacy("read a URI not a string", 7, "resources/read", json!({"uri": 5})),
        legacy("resources/subscribe", 1, "resources/subscribe", json!({"uri": "fp://static"})),
        legacy("resources/unsubscribe", 2, "resources/unsubscribe", json!({"uri": "fp://static"})),
        legacy("get a prompt", 1, "prompts/get", json!({"name": "fp_summarize", "arguments": {"text": "x", "style": "brief"}})),
        legacy("get a prompt without its optional argument", 2, "prompts/get", json!({"name": "fp_summarize", "arguments": {"text": "x"}})),
        legacy("get a prompt without a required argument", 3, "prompts/get", json!({"name": "fp_summarize", "arguments": {}})),
        legacy("get a prompt with arguments absent", 4, "prompts/get", json!({"name": "fp_summarize"})),
        legacy("get a prompt with an argument not a string", 5, "prompts/get", json!({"name": "fp_summarize", "arguments": {"text": 5}})),
        legacy("get an unknown prompt", "g", "prompts/get", json!({"name": "fp_nope"})),
        legacy("complete a prompt argument", 1, "completion/complete", json!({"ref": summarize, "argument": {"name": "style", "value": "b"}})),
        legacy("complete a prompt argument without completions", 2, "completion/complete", json!({"ref": summarize, "argument": {"name": "text", "value": "a"}})),
        legacy("complete a template variable", 3, "completion/complete", json!({"ref": {"type": "ref/resource", "uri": "fp://items/{id}"}, "argument": {"name": "id", "value": "1"}})),
        legacy("complete for an unknown prompt", 4, "completion/complete", json!({"ref": {"type": "ref/prompt", "name": "fp_nope"}, "argument": {"name": "x", "value": ""}})),
        legacy("complete with an unknown reference type", 5, "completion/complete", json!({"ref": {"type": "ref/other"}, "argument": {"name": "x", "value": ""}})),
        legacy("complete without an argument", 6, "completion/complete", json!({"ref": summarize})),
        legacy("logging/setLevel", 1, "logging/setLevel", json!({"level": "debug"})),
        legacy("logging/setLevel to an unknown level", 2, "logging/setLevel", json!({"level": "loud"})),
        legacy("server/discover in the old era", 1, "server/discover", Value::Null),
        legacy("an unknown method", "u", "fp/unknown", Value::Null),
        legacy("a notification method with an id", 1, "notifications/initialized", Value::Null),
        Case::new("notifications/initialized", r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
        Case::new("notifications/cancelled", r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#),
        Case::new("an unknown notification", r#"{"jsonrpc":"2.0","method":"notifications/fp"}"#),
        Case::new("a response message", r#"{"jsonrpc":"2.0","id":9,"result":{}}"#),
        Case::new("an error response message", r#"{"jsonrpc":"2.0","id":"e","error":{"code":-1,"message":"x"}}"#),
        legacy("tools/call with params an array", 1, "tools/call", json!([])),
        legacy("tools/call with params a string", 2, "tools/call", json!("x")),
        legacy("tools/list with params a string", 3, "tools/list", json!("x")),
        legacy("prompts/get with a name not a string", 4, "prompts/get", json!({"name": 5})),
        legacy("completion/complete with empty params", 5, "completion/complete", json!({})),
        Case::new("tools/call with params null", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":null}"#),
        Case::new("tools/call without params", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#),
        // serde reads a struct from an array by position; rmcp reads only objects.
        Case::new("an envelope as an array", r#"["2.0",1,"tools/call",{"name":"fp_echo","arguments":{"text":"x"}}]"#),
        Case::new("tools/call params as an array", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[null,"fp_echo",{"text":"x"},null,null]}"#),
        Case::new("ping params as an array", r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}"#),
        Case::new("tools/list params as an array", r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[]}"#),
        Case::new("resources/read params as an array", r#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":["fp://static"]}"#),
    ]);
    run(settings(), cases, 53).await;
}

/// A named change to a request's headers.
type Variant = (&'static str, fn(Case) -> Case);

/// Every method of the server's table, with empty and with wrong params, in both eras: the
/// fast path answers or declines each exactly as rmcp would.
#[tokio::test]
async fn every_method_of_the_table_is_answered_alike() {
    let mut cases = Vec::new();
    for method in mcp_kit::__private::method_names() {
        for (what, params) in [
            ("empty", json!({})),
            ("wrong", json!({"name": 5, "uri": 5, "cursor": 5})),
        ] {
            let name = format!("{method} with {what} params");
            cases.push(legacy(name.clone(), 1, method, params.clone()));
            if method != "subscriptions/listen" || what == "wrong" {
                cases.push(modern(&name, 1, method, params));
            }
        }
    }
    assert!(cases.len() >= 50, "{} cases", cases.len());
    run(settings(), cases, 10).await;
}

#[tokio::test]
async fn header_variants_are_answered_alike() {
    let variants: &[Variant] = &[
        ("default headers", |c| c),
        ("no protocol version", |c| c.without("mcp-protocol-version")),
        ("version 2025-03-26", |c| {
            c.header("mcp-protocol-version", "2025-03-26")
        }),
        ("version 2025-06-18", |c| {
            c.header("mcp-protocol-version", "2025-06-18")
        }),
        ("version 1999-01-01", |c| {
            c.header("mcp-protocol-version", "1999-01-01")
        }),
        ("version 2026-07-28", |c| {
            c.header("mcp-protocol-version", V2026)
        }),
        ("empty version", |c| c.header("mcp-protocol-version", "")),
        ("non-ASCII version", |c| {
            c.header("mcp-protocol-version", "2025-11-25é")
        }),
        ("two versions", |c| {
            c.also("mcp-protocol-version", "2025-06-18")
        }),
        ("Mcp-Method not matching", |c| {
            c.header("mcp-method", "fp/other")
        }),
        ("accept JSON only", |c| {
            c.header("accept", "application/json")
        }),
        ("accept SSE only", |c| {
            c.header("accept", "text/event-stream")
        }),
        ("accept */*", |c| c.header("accept", "*/*")),
        ("accept JSON with q=0", |c| {
            c.header("accept", "application/json;q=0, text/event-stream")
        }),
        ("accept text/html", |c| c.header("accept", "text/html")),
        ("no accept", |c| c.without("accept")),
        ("content type with charset", |c| {
            c.header("content-type", "application/json; charset=utf-8")
        }),
        ("content type in capitals", |c| {
            c.header("content-type", "APPLICATION/JSON")
        }),
        ("content type text/plain", |c| {
            c.header("content-type", "text/plain")
        }),
        ("no content type", |c| c.without("content-type")),
    ];
    let initialize = json!({
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}
    });
    let requests = [
        (
            "tools/call",
            rpc(1, "tools/call", call("fp_echo", json!({"text": "hi"}))),
        ),
        (
            "logging tool",
            rpc("log", "tools/call", call("fp_log", json!({}))),
        ),
        ("initialize", rpc("init", "initialize", initialize)),
        ("tools/list", rpc(2, "tools/list", Value::Null)),
        (
            "notification",
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_owned(),
        ),
    ];
    let cases = requests
        .iter()
        .flat_map(|(request, body)| {
            variants.iter().map(move |(variant, apply)| {
                apply(Case::new(format!("{request}, {variant}"), body.clone()))
            })
        })
        .collect();
    run(settings(), cases, 26).await;
}

#[tokio::test]
async fn requests_of_the_2026_era_are_answered_alike() {
    let echo = || call("fp_echo", json!({"text": "hi"}));
    let mut with_progress = meta(V2026);
    with_progress["progressToken"] = json!("tok");
    let cases = vec![
        modern("server/discover", 1, "server/discover", Value::Null),
        modern(
            "initialize",
            "init",
            "initialize",
            json!({"protocolVersion": V2026, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
        ),
        modern("tools/list", 2, "tools/list", Value::Null),
        modern("call a text tool", "c-1", "tools/call", echo()),
        modern(
            "call a structured tool",
            3,
            "tools/call",
            call("fp_sum", json!({"numbers": [1, 2]})),
        ),
        modern(
            "call an unknown tool",
            4,
            "tools/call",
            call("fp_nope", json!({})),
        ),
        modern(
            "call a failing tool",
            5,
            "tools/call",
            call("fp_fail", json!({"reason": "no"})),
        ),
        modern(
            "call with a wrong argument type",
            6,
            "tools/call",
            call("fp_echo", json!({"text": 1})),
        ),
        modern(
            "call a logging tool",
            7,
            "tools/call",
            call("fp_log", json!({})),
        ),
        modern_with(
            "progress token",
            8,
            "tools/call",
            call("fp_progress", json!({})),
            with_progress,
        ),
        modern(
            "read a resource",
            9,
            "resources/read",
            json!({"uri": "fp://static"}),
        ),
        modern(
            "read a template resource",
            10,
            "resources/read",
            json!({"uri": "fp://items/2"}),
        ),
        modern(
            "read an unknown URI",
            11,
            "resources/read",
            json!({"uri": "fp://nothing"}),
        ),
        modern("resources/list", 12, "resources/list", Value::Null),
        modern("prompts/list", 13, "prompts/list", Value::Null),
        modern(
            "get a prompt",
            "g",
            "prompts/get",
            json!({"name": "fp_summarize", "arguments": {"text": "x"}}),
        ),
        modern(
            "get an unknown prompt",
            14,
            "prompts/get",
            json!({"name": "fp_nope"}),
        ),
        modern(
            "complete",
            15,
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "fp_summarize"}, "argument": {"name": "style", "value": "b"}}),
        ),
        modern("ping", 16, "ping", Value::Null),
        modern(
            "resources/subscribe",
            17,
            "resources/subscribe",
            json!({"uri": "fp://static"}),
        ),
        modern(
            "logging/setLevel",
            18,
            "logging/setLevel",
            json!({"level": "debug"}),
        ),
        modern("unknown method", 19, "fp/unknown", Value::Null),
        // Headers that do not match the body.
        modern("missing Mcp-Method", 20, "tools/call", echo()).without("mcp-method"),
        modern("Mcp-Method mismatching", 21, "tools/call", echo())
            .header("mcp-method", "tools/list"),
        modern("Mcp-Method in capitals", 22, "tools/call", echo())
            .header("mcp-method", "TOOLS/CALL"),
        modern("duplicate Mcp-Method", 23, "tools/call", echo()).also("mcp-method", "tools/call"),
        modern("duplicate Mcp-Method, differing", 24, "tools/call", echo())
            .also("mcp-method", "tools/list"),
        modern("missing Mcp-Name", 25, "tools/call", echo()).without("mcp-name"),
        modern("Mcp-Name mismatching", 26, "tools/call", echo()).header("mcp-name", "fp_sum"),
        modern(
            "Mcp-Name mismatching the URI",
            27,
            "resources/read",
            json!({"uri": "fp://static"}),
        )
        .header("mcp-name", "fp://other"),
        modern(
            "Mcp-Name on a method without one",
            28,
            "tools/list",
            Value::Null,
        )
        .header("mcp-name", "fp_echo"),
        modern("duplicate Mcp-Name", 39, "tools/call", echo()).also("mcp-name", "fp_echo"),
        // SEP-2243 wraps names that are not plain header text in `=?base64?…?=`.
        modern("Mcp-Name in Base64", 40, "tools/call", echo())
            .header("mcp-name", "=?base64?ZnBfZWNobw==?="),
        modern(
            "a tool name that looks Base64-wrapped",
            41,
            "tools/call",
            call("=?base64?eA==?=", json!({})),
        ),
        // `_meta` that does not fit.
        modern_with(
            "_meta without clientCapabilities",
            29,
            "tools/call",
            echo(),
            meta_without("clientCapabilities"),
        ),
        modern_with(
            "_meta without clientInfo",
            30,
            "tools/call",
            echo(),
            meta_without("clientInfo"),
        ),
        modern_with(
            "_meta without protocolVersion",
            31,
            "tools/call",
            echo(),
            meta_without("protocolVersion"),
        ),
        modern_with("_meta not an object", 32, "tools/call", echo(), json!("x")),
        modern(
            "_meta version with header 2025-11-25",
            33,
            "tools/call",
            echo(),
        )
        .header("mcp-protocol-version", "2025-11-25"),
        modern_with(
            "_meta version 2025-11-25 with header 2026",
            34,
            "tools/call",
            echo(),
            meta("2025-11-25"),
        ),
        modern("_meta version without the header", 35, "tools/call", echo())
            .without("mcp-protocol-version"),
        modern_with(
            "_meta version 2099-01-01 with the same header",
            36,
            "tools/call",
            echo(),
            meta("2099-01-01"),
        )
        .header("mcp-protocol-version", "2099-01-01"),
        legacy("2026 header without _meta", 37, "tools/call", echo())
            .header("mcp-protocol-version", V2026)
            .header("mcp-method", "tools/call")
            .header("mcp-name", "fp_echo"),
        legacy(
            "2026 server/discover without _meta",
            38,
            "server/discover",
            Value::Null,
        )
        .header("mcp-protocol-version", V2026)
        .header("mcp-method", "server/discover"),
    ];
    run(settings(), cases, 18).await;
}

#[tokio::test]
async fn malformed_bodies_are_answered_alike() {
    let nested = |depth: usize| {
        // The envelope, `params` and `arguments` are three levels.
        let levels = depth - 3;
        format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"fp_echo","arguments":{{"text":{}"deep"{}}}}}}}"#,
            "[".repeat(levels),
            "]".repeat(levels)
        )
    };
    let padded = |size: usize| {
        rpc(
            1,
            "tools/call",
            call("fp_echo", json!({"text": "x".repeat(size)})),
        )
    };
    let mut cases = vec![
        Case::new(
            "truncated JSON",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping""#,
        ),
        Case::new("not JSON", "hello"),
        Case::new("empty body", ""),
        Case::new("whitespace only", " \n\t"),
        Case::new(
            "non-UTF-8 bytes",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}",
        ),
        Case::new(
            "a UTF-8 byte order mark",
            b"\xef\xbb\xbf{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
        ),
        Case::new(
            "a batch",
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/list"}]"#,
        ),
        Case::new("an empty batch", "[]"),
        Case::new("a JSON string", r#""ping""#),
        Case::new("JSON null", "null"),
        Case::new("an empty object", "{}"),
        Case::new("jsonrpc 1.0", r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#),
        Case::new(
            "jsonrpc a number",
            r#"{"jsonrpc":2.0,"id":1,"method":"ping"}"#,
        ),
        Case::new("jsonrpc missing", r#"{"id":1,"method":"ping"}"#),
        Case::new("id null", r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#),
        Case::new(
            "id an object",
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
        ),
        Case::new(
            "id an array",
            r#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#,
        ),
        Case::new(
            "id a boolean",
            r#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#,
        ),
        Case::new(
            "id a fraction",
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
        ),
        Case::new("id 1.0", r#"{"jsonrpc":"2.0","id":1.0,"method":"ping"}"#),
        Case::new(
            "id negative",
            r#"{"jsonrpc":"2.0","id":-7,"method":"ping"}"#,
        ),
        Case::new("id zero", r#"{"jsonrpc":"2.0","id":0,"method":"ping"}"#),
        Case::new(
            "id u64 max",
            r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#,
        ),
        Case::new(
            "id past u64",
            r#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"}"#,
        ),
        Case::new(
            "id an empty string",
            r#"{"jsonrpc":"2.0","id":"","method":"ping"}"#,
        ),
        Case::new(
            "id with escapes",
            r#"{"jsonrpc":"2.0","id":"a\"b\u00e9","method":"ping"}"#,
        ),
        Case::new(
            "duplicate ids",
            r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#,
        ),
        Case::new(
            "duplicate methods",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}"#,
        ),
        Case::new(
            "duplicate params",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fp_constant"},"params":{"name":"fp_nope"}}"#,
        ),
        Case::new(
            "an extra top-level field",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","extra":true}"#,
        ),
        Case::new(
            "method and result",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}"#,
        ),
        Case::new(
            "method not a string",
            r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
        ),
        Case::new("method null", r#"{"jsonrpc":"2.0","id":1,"method":null}"#),
        Case::new("method empty", r#"{"jsonrpc":"2.0","id":1,"method":""}"#),
        Case::new(
            "method escaped",
            r#"{"jsonrpc":"2.0","id":1,"method":"p\u0069ng"}"#,
        ),
        Case::new(
            "tool name escaped",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fp_\u0063onstant"}}"#,
        ),
        Case::new(
            "params a number",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":5}"#,
        ),
        Case::new(
            "an error without an id",
            r#"{"jsonrpc":"2.0","error":{"code":-1,"message":"x"}}"#,
        ),
        Case::new(
            "two messages",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}"#,
        ),
        Case::new(
            "trailing garbage",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"} x"#,
        ),
        Case::new(
            "trailing whitespace",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n\n",
        ),
        Case::new("a body just under the limit", padded(BODY_LIMIT - 200)),
        Case::new("a body over the limit", padded(100 * 1024)),
    ];
    cases.extend(
        [100, 126, 127, 128, 129, 130, 200]
            .map(|depth| Case::new(format!("JSON nested {depth} levels"), nested(depth))),
    );
    run(settings(), cases, 11).await;
}

#[tokio::test]
async fn authenticated_requests_are_answered_alike() {
    let list = || rpc(1, "tools/list", Value::Null);
    let guarded = || rpc("g", "tools/call", call("fp_guarded", json!({})));
    let cases = vec![
        Case::new("no token, tools/list", list()),
        Case::new("no token, tools/call", guarded()),
        Case::new(
            "no token, notification",
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        ),
        Case::new("no token, malformed body", "{"),
        Case::new("unknown token", list()).bearer("fp-mallory"),
        Case::new("empty bearer", list()).header("authorization", "Bearer "),
        Case::new("basic scheme", list()).header("authorization", "Basic YWxpY2U6c2VjcmV0"),
        Case::new("lowercase scheme", list()).header("authorization", "bearer fp-alice"),
        Case::new("token without the mcp scope", list()).bearer("fp-carol"),
        Case::new("alice lists tools", list()).bearer("fp-alice"),
        Case::new("bob lists tools", list()).bearer("fp-bob"),
        Case::new("alice calls the guarded tool", guarded()).bearer("fp-alice"),
        Case::new("bob calls the guarded tool", guarded()).bearer("fp-bob"),
        legacy(
            "alice asks who she is",
            2,
            "tools/call",
            call("fp_whoami", json!({})),
        )
        .bearer("fp-alice"),
        legacy(
            "bob reads a resource",
            3,
            "resources/read",
            json!({"uri": "fp://static"}),
        )
        .bearer("fp-bob"),
        legacy("bob lists prompts", 4, "prompts/list", Value::Null).bearer("fp-bob"),
        modern(
            "alice calls the guarded tool",
            5,
            "tools/call",
            call("fp_guarded", json!({})),
        )
        .bearer("fp-alice"),
        modern(
            "bob calls the guarded tool",
            6,
            "tools/call",
            call("fp_guarded", json!({})),
        )
        .bearer("fp-bob"),
        modern("bob lists tools", 7, "tools/list", Value::Null).bearer("fp-bob"),
        modern("no token, tools/list", 8, "tools/list", Value::Null),
    ];
    run(auth_settings(), cases, 11).await;
}

/// Both servers answer plain calls correctly, so the equal answers above are not equal failures.
#[tokio::test]
async fn both_servers_answer_every_call() {
    assert!(
        Settings::default().fast_path,
        "the fast path is on by default"
    );
    let (on, off) = pair(settings()).await;
    for addr in [on.addr, off.addr] {
        for n in 0..200 {
            let id = if n % 2 == 0 {
                json!(n)
            } else {
                json!(format!("call-{n}"))
            };
            let text = format!("message {n}");
            let body = rpc(
                id.clone(),
                "tools/call",
                call("fp_echo", json!({"text": text})),
            );
            let response = post_mcp(addr, body).await;
            assert_eq!(
                response.status,
                200,
                "call {n}: {}",
                String::from_utf8_lossy(&response.body)
            );
            let reply = response.json();
            assert_eq!(
                (&reply["id"], &reply["result"]["content"][0]["text"]),
                (&id, &json!(text)),
                "call {n}: {reply}"
            );
        }
    }
}

/// A log line reaches the client while its call still runs, on both paths: the call waits for
/// the test, which releases it only once it has read the line.
#[tokio::test]
async fn log_lines_stream_before_the_answer() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let (on, off) = pair(settings()).await;
    for addr in [on.addr, off.addr] {
        let body = rpc(1, "tools/call", call("fp_log_then_wait", json!({})));
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /mcp HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
             content-type: application/json\r\naccept: application/json, text/event-stream\r\n\
             mcp-protocol-version: 2025-11-25\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body.as_bytes()).await.unwrap();
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        let seen = |received: &[u8], text: &str| String::from_utf8_lossy(received).contains(text);
        while !seen(&received, "waiting") {
            let n = tokio::time::timeout(TIMEOUT, stream.read(&mut chunk))
                .await
                .expect("the log line arrives while the call waits")
                .unwrap();
            assert!(
                n > 0,
                "closed early: {}",
                String::from_utf8_lossy(&received)
            );
            received.extend_from_slice(&chunk[..n]);
        }
        assert!(!seen(&received, "released"));
        RELEASE.notify_one();
        tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut received))
            .await
            .expect("the answer follows")
            .unwrap();
        let text = String::from_utf8_lossy(&received);
        assert!(text.contains("text/event-stream"), "{text}");
        assert!(text.contains("released"), "{text}");
    }
}

/// A call whose client goes away is cancelled, on both paths, and counted as such.
#[tokio::test]
async fn a_call_left_by_its_client_is_cancelled() {
    use tokio::io::AsyncWriteExt as _;
    let (on, off) = pair(settings()).await;
    for addr in [on.addr, off.addr] {
        let body = rpc(1, "tools/call", call("fp_forever", json!({})));
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /mcp HTTP/1.1\r\nhost: {addr}\r\n\
             content-type: application/json\r\naccept: application/json, text/event-stream\r\n\
             mcp-protocol-version: 2025-11-25\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body.as_bytes()).await.unwrap();
        let line = r#"mcp_tool_calls_total{tool="fp_forever",outcome="cancelled"} 1"#;
        let counted = async || {
            let metrics = send(addr, "GET", "/metrics", &[], b"").await;
            String::from_utf8_lossy(&metrics.body)
                .lines()
                .any(|l| l == line)
        };
        // Until the client goes, the call runs on.
        assert!(!counted().await);
        drop(stream);
        mcp_kit_tests::wait_for("the cancelled call in /metrics", counted).await;
    }
}
