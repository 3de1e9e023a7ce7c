//! The built-in OAuth 2.1 authorization server (feature `oauth-server`) over real HTTP: a
//! browser signs in and consents, the client exchanges the code with PKCE, and the token opens
//! `/mcp`, here and on a server that checks it with the `jwt` backend. Bad requests get the
//! status and OAuth error they call for, and nothing is ever sent to a redirect URI that is
//! not the client's.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mcp_kit::Settings;
use mcp_kit::oauth_server::{AuthorizationServer, CONNECTOR_PERMISSION, UserSource};
use mcp_kit::prelude::*;
use mcp_kit_tests::{
    Postgres, Response, TestServer, call_body, post_mcp_with, send, spawn, spawn_on, test_settings,
};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::net::TcpListener;

/// The redirect URI of the test client; never contacted, only compared.
const REDIRECT: &str = "https://client.example/callback";
const CLIENT_NAME: &str = "Test Client";
const USER: &str = "alice";
const ADMIN: &str = "admin";
const PASSWORD: &str = "correct horse battery staple";

/// Who the caller is, as `/mcp` sees it.
#[derive(Serialize, JsonSchema)]
struct Identity {
    subject: String,
    client_id: Option<String>,
    scopes: Vec<String>,
}

/// Who the token speaks for.
#[tool(annotations(read_only), permission = IsAuthenticated)]
async fn whoami(principal: Principal) -> Json<Identity> {
    let client_id = principal
        .claims
        .get("client_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Json(Identity {
        subject: principal.subject,
        client_id,
        scopes: principal.scopes.into_iter().collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Servers.

/// A directory of a test's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "mcp-kit-oauth-server-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        Self(path)
    }

    fn sqlite_url(&self) -> String {
        format!("sqlite://{}/o.db?mode=rwc", self.0.display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server with the authorization server enabled, serving until dropped.
struct Running {
    addr: SocketAddr,
    server: Server,
    _serving: TestServer,
}

impl Running {
    fn oauth(&self) -> &AuthorizationServer {
        self.server
            .authorization_server()
            .expect("the authorization server is enabled")
    }

    fn issuer(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn resource(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }
}

/// A loopback port bound before the server is built: its settings name its own URL.
async fn listen() -> TcpListener {
    TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port")
}

/// Settings of an authorization server on `listener`'s port that is its own token checker.
fn oauth_settings(listener: &TcpListener, database_url: &str) -> Settings {
    let addr = listener.local_addr().expect("local address");
    let mut settings = test_settings();
    settings.require_auth = true;
    settings.auth_backends = vec!["oauth_server".into()];
    settings.resource_server_url = Some(format!("http://{addr}/mcp"));
    settings.oauth_server.enabled = true;
    settings.oauth_server.database_url = database_url.into();
    settings
}

/// Builds the server `settings` describe and serves it on `listener`.
fn serve(listener: TcpListener, settings: Settings) -> Running {
    serve_built(listener, Server::builder().settings(settings))
}

/// Builds `builder` and serves it on `listener`.
fn serve_built(listener: TcpListener, builder: mcp_kit::ServerBuilder) -> Running {
    let server = builder
        .info("oauth-server-tests", "0.0.0")
        .build()
        .expect("the server builds");
    let serving = spawn_on(listener, &server);
    Running {
        addr: serving.addr,
        server,
        _serving: serving,
    }
}

/// An authorization server with a user `alice`, an admin who may change the connector, and
/// the client `Test Client` redirecting to [`REDIRECT`].
struct Fixture {
    running: Running,
    client_id: String,
    /// Dropped after the server.
    _dir: Option<TempDir>,
}

impl std::ops::Deref for Fixture {
    type Target = Running;

    fn deref(&self) -> &Running {
        &self.running
    }
}

/// A [`Fixture`] on a SQLite database of its own, with `configure` applied to its settings.
async fn fixture(configure: impl FnOnce(&mut Settings)) -> Fixture {
    let dir = TempDir::new();
    let mut fixture = fixture_on(&dir.sqlite_url(), configure).await;
    fixture._dir = Some(dir);
    fixture
}

async fn fixture_on(database_url: &str, configure: impl FnOnce(&mut Settings)) -> Fixture {
    let listener = listen().await;
    let mut settings = oauth_settings(&listener, database_url);
    configure(&mut settings);
    let running = serve(listener, settings);
    let oauth = running.oauth();
    oauth.save_user(USER, PASSWORD, &[]).await.expect("a user");
    oauth
        .save_user(ADMIN, PASSWORD, &[CONNECTOR_PERMISSION.to_owned()])
        .await
        .expect("an admin");
    let (client, created) = oauth
        .ensure_client(CLIENT_NAME, &[REDIRECT.to_owned()], false)
        .await
        .expect("a client");
    assert!(created);
    Fixture {
        client_id: client.client_id,
        running,
        _dir: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Forms, URLs and pages.

/// `text` percent-encoded for a query string or a form body.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn unpercent(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII");
                out.push(u8::from_str_radix(hex, 16).expect("a percent escape"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8")
}

/// `application/x-www-form-urlencoded` of `fields`.
fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(key, value)| format!("{}={}", percent(key), percent(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The query parameters of `url`.
fn query(url: &str) -> HashMap<String, String> {
    let Some((_, query)) = url.split_once('?') else {
        return HashMap::new();
    };
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (unpercent(key), unpercent(value)))
        .collect()
}

/// minijinja escapes these in HTML (`/` too, as `&#x2f;`).
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The body of an HTML page, unescaped.
fn page(response: &Response) -> String {
    unescape(&String::from_utf8_lossy(&response.body))
}

/// The `value` of the `<input>` named `name`.
fn input_value(response: &Response, name: &str) -> Option<String> {
    let html = String::from_utf8_lossy(&response.body);
    let marker = format!(r#"name="{name}""#);
    html.split("<input")
        .skip(1)
        .map(|tag| tag.split('>').next().unwrap_or_default())
        .find(|tag| tag.contains(&marker))
        .and_then(|tag| tag.split(r#"value=""#).nth(1))
        .and_then(|value| value.split('"').next())
        .map(unescape)
}

fn location(response: &Response) -> Option<&str> {
    response.header("location")
}

/// Panics unless `response` is an HTML page with `status` that says `says`, and sends the
/// browser nowhere.
#[track_caller]
fn assert_page(response: &Response, status: u16, says: &str) {
    let text = page(response);
    assert_eq!(response.status, status, "{text}");
    assert_eq!(location(response), None, "a page, not a redirect");
    assert!(
        text.contains(says),
        "the page does not say `{says}`: {text}"
    );
}

/// The query parameters of a redirect to `redirect_uri`; panics unless `response` is one.
#[track_caller]
fn sent_back(response: &Response, redirect_uri: &str) -> HashMap<String, String> {
    assert_eq!(response.status, 303, "{}", page(response));
    let target = location(response).expect("a Location");
    assert!(
        target.starts_with(&format!("{redirect_uri}?")),
        "sent to {target}, not {redirect_uri}"
    );
    query(target)
}

// ---------------------------------------------------------------------------------------------
// The browser: cookies over the raw client.

struct Browser {
    addr: SocketAddr,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            cookies: HashMap::new(),
        }
    }

    async fn get(&mut self, path: &str) -> Response {
        self.request("GET", path, None).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.request("POST", path, Some(form(fields))).await
    }

    async fn request(&mut self, method: &str, path: &str, body: Option<String>) -> Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut headers = Vec::new();
        if !cookie.is_empty() {
            headers.push(("cookie", cookie.as_str()));
        }
        if body.is_some() {
            headers.push(("content-type", "application/x-www-form-urlencoded"));
        }
        let body = body.unwrap_or_default();
        let response = send(self.addr, method, path, &headers, body.as_bytes()).await;
        self.keep_cookies(&response);
        response
    }

    fn keep_cookies(&mut self, response: &Response) {
        let set = response
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"));
        for (_, cookie) in set {
            let Some((name, value)) = cookie.split(';').next().and_then(|p| p.split_once('='))
            else {
                continue;
            };
            if value.is_empty() || cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// Signs in as `username` on the login page `login` (its `next` says where to after),
    /// and returns the answer to the form: a redirect to `next` when the password is right.
    async fn sign_in_at(&mut self, login: &str, username: &str) -> Response {
        let form_page = self.get(login).await;
        assert_eq!(form_page.status, 200, "{}", page(&form_page));
        assert!(
            self.cookies.contains_key("mcp_kit_csrf"),
            "the login page sets the CSRF cookie"
        );
        let csrf = input_value(&form_page, "csrf_token").expect("a csrf_token field");
        let next = input_value(&form_page, "next").expect("a next field");
        self.post(
            "/oauth/login",
            &[
                ("username", username),
                ("password", PASSWORD),
                ("next", &next),
                ("csrf_token", &csrf),
            ],
        )
        .await
    }

    /// Signs in as `username` from the login page itself.
    async fn sign_in(&mut self, username: &str) {
        let signed_in = self.sign_in_at("/oauth/login", username).await;
        assert_eq!(signed_in.status, 303, "{}", page(&signed_in));
        assert!(self.cookies.contains_key("mcp_kit_session"));
    }

    /// Opens `path`; when it sends the browser to the login page, signs in there as
    /// `username`, checks the login leads back to `path`, and opens it again.
    async fn open_as(&mut self, path: &str, username: &str) -> Response {
        let response = self.get(path).await;
        let Some(login) = location(&response)
            .filter(|l| response.status == 303 && l.starts_with("/oauth/login?"))
            .map(str::to_owned)
        else {
            return response;
        };
        let signed_in = self.sign_in_at(&login, username).await;
        assert_eq!(signed_in.status, 303, "{}", page(&signed_in));
        assert_eq!(location(&signed_in), Some(path), "the login leads back");
        self.get(path).await
    }

    /// Answers the consent page `consent` with `decision`, plus `extra` form fields.
    async fn decide(
        &mut self,
        consent: &Response,
        decision: &str,
        extra: &[(&str, &str)],
    ) -> Response {
        let (request_id, csrf) = consent_form(consent);
        let mut fields = vec![
            ("request_id", request_id.as_str()),
            ("csrf_token", csrf.as_str()),
            ("decision", decision),
        ];
        fields.extend_from_slice(extra);
        self.post("/oauth/authorize", &fields).await
    }
}

/// The request id and CSRF token of a consent page.
#[track_caller]
fn consent_form(consent: &Response) -> (String, String) {
    assert_eq!(consent.status, 200, "{}", page(consent));
    let request_id = input_value(consent, "request_id").expect("a request_id field");
    let csrf = input_value(consent, "csrf_token").expect("a csrf_token field");
    (request_id, csrf)
}

// ---------------------------------------------------------------------------------------------
// The client: authorization requests, PKCE, the token endpoint, /mcp.

/// An authorization request, as a client builds it.
struct Authorization {
    client_id: String,
    redirect_uri: String,
    verifier: String,
    state: String,
    extra: Vec<(String, String)>,
}

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Authorization {
    fn new(client_id: &str) -> Self {
        Self {
            client_id: client_id.into(),
            redirect_uri: REDIRECT.into(),
            verifier: random_token(),
            state: random_token(),
            extra: Vec::new(),
        }
    }

    fn redirect_uri(mut self, uri: &str) -> Self {
        self.redirect_uri = uri.into();
        self
    }

    /// Adds a parameter, such as `resource`.
    fn with(mut self, key: &str, value: &str) -> Self {
        self.extra.push((key.into(), value.into()));
        self
    }

    fn path(&self) -> String {
        let challenge = challenge(&self.verifier);
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("state", &self.state),
            ("scope", "mcp"),
        ];
        params.extend(self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        format!("/oauth/authorize?{}", form(&params))
    }

    /// The code the redirect after `response` carries; checks its `state` and `iss`.
    #[track_caller]
    fn code(&self, response: &Response, issuer: &str) -> String {
        let params = sent_back(response, &self.redirect_uri);
        assert_eq!(params.get("state"), Some(&self.state), "{params:?}");
        assert_eq!(params.get("iss").map(String::as_str), Some(issuer));
        params.get("code").cloned().expect("a code")
    }

    /// The token request for `code`, with `changes` to its fields (`None` leaves one out).
    fn exchange_fields(&self, code: &str) -> Vec<(String, Option<String>)> {
        [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri),
            ("client_id", &self.client_id),
            ("code_verifier", &self.verifier),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Some(v.to_owned())))
        .collect()
    }
}

/// `POST /oauth/token` with `fields` (those set to `None` are left out).
async fn token_request(addr: SocketAddr, fields: &[(String, Option<String>)]) -> Response {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k.as_str(), v)))
        .collect();
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    send(
        addr,
        "POST",
        "/oauth/token",
        &headers,
        form(&fields).as_bytes(),
    )
    .await
}

/// Exchanges `code` as the client that asked for it.
async fn exchange(addr: SocketAddr, request: &Authorization, code: &str) -> Response {
    token_request(addr, &request.exchange_fields(code)).await
}

/// Exchanges `code`, with the field `key` set to `value` (`None` leaves it out).
async fn exchange_changed(
    addr: SocketAddr,
    request: &Authorization,
    code: &str,
    key: &str,
    value: Option<&str>,
) -> Response {
    let mut fields = request.exchange_fields(code);
    for field in &mut fields {
        if field.0 == key {
            field.1 = value.map(str::to_owned);
        }
    }
    token_request(addr, &fields).await
}

async fn refresh(addr: SocketAddr, client_id: &str, refresh_token: &str) -> Response {
    let fields = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ]
    .map(|(k, v)| (k.to_owned(), Some(v.to_owned())));
    token_request(addr, &fields).await
}

/// The access and refresh tokens of a successful token response.
#[track_caller]
fn tokens(response: &Response) -> (String, String) {
    let body = response.json();
    assert_eq!(response.status, 200, "{body}");
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(body["token_type"], "Bearer", "{body}");
    assert_eq!(body["scope"], "mcp", "{body}");
    let access = body["access_token"].as_str().expect("an access token");
    let refresh = body["refresh_token"].as_str().expect("a refresh token");
    (access.to_owned(), refresh.to_owned())
}

/// Panics unless `response` is the token endpoint's `error` (HTTP 400) with a description
/// that says `says`.
#[track_caller]
fn assert_token_error(response: &Response, error: &str, says: &str) {
    let body = response.json();
    assert_eq!(
        (response.status, body["error"].as_str()),
        (400, Some(error)),
        "{body}"
    );
    let description = body["error_description"].as_str().unwrap_or_default();
    assert!(
        description.contains(says),
        "the description does not say `{says}`: {body}"
    );
}

async fn call_whoami(addr: SocketAddr, access_token: &str) -> Response {
    let auth = format!("Bearer {access_token}");
    post_mcp_with(
        addr,
        &[("authorization", &auth)],
        call_body("whoami", json!({})),
    )
    .await
}

/// The identity `whoami` reports with `access_token`; panics unless the call succeeds.
async fn identity(addr: SocketAddr, access_token: &str) -> Value {
    let response = call_whoami(addr, access_token).await;
    let body = response.json();
    assert_eq!(response.status, 200, "{body}");
    assert_eq!(body["result"]["isError"], json!(false), "{body}");
    body["result"]["structuredContent"].clone()
}

/// Panics unless `/mcp` refused the token as invalid.
#[track_caller]
fn assert_token_refused(response: &Response) {
    assert_eq!(
        response.status,
        401,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
}

/// Signs `USER` in, allows `request` on the consent page (unless the consent is remembered),
/// and returns the code.
async fn code_for(server: &Running, browser: &mut Browser, request: &Authorization) -> String {
    let response = browser.open_as(&request.path(), USER).await;
    let answered = if response.status == 200 {
        browser.decide(&response, "allow", &[]).await
    } else {
        response
    };
    request.code(&answered, &server.issuer())
}

/// The access and refresh tokens of a whole grant for `client_id`.
async fn grant(server: &Fixture, client_id: &str) -> (Authorization, String, String) {
    let request = Authorization::new(client_id);
    let code = code_for(server, &mut Browser::new(server.addr), &request).await;
    let (access, refresh) = tokens(&exchange(server.addr, &request, &code).await);
    (request, access, refresh)
}

// ---------------------------------------------------------------------------------------------
// The whole flow.

/// Discovery, login, consent, code, token, `/mcp`, refresh, and a remembered consent: what
/// Claude or any MCP client does, on `server`.
async fn whole_flow(server: &Fixture) {
    let issuer = server.issuer();

    let metadata = send(
        server.addr,
        "GET",
        "/.well-known/oauth-authorization-server",
        &[],
        b"",
    )
    .await;
    let metadata = metadata.json();
    assert_eq!(metadata["issuer"], issuer);
    assert_eq!(
        metadata["authorization_endpoint"],
        format!("{issuer}/oauth/authorize")
    );
    assert_eq!(metadata["token_endpoint"], format!("{issuer}/oauth/token"));
    assert_eq!(metadata["jwks_uri"], format!("{issuer}/oauth/jwks"));
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(metadata["response_types_supported"], json!(["code"]));
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        json!(true)
    );
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        json!(["none"])
    );
    assert!(
        metadata.get("registration_endpoint").is_none(),
        "{metadata}"
    );

    let resource = send(
        server.addr,
        "GET",
        "/.well-known/oauth-protected-resource/mcp",
        &[],
        b"",
    )
    .await;
    let resource = resource.json();
    assert_eq!(resource["resource"], server.resource());
    assert_eq!(resource["authorization_servers"], json!([issuer]));

    let mut browser = Browser::new(server.addr);
    let request = Authorization::new(&server.client_id).with("resource", &server.resource());
    let to_login = browser.get(&request.path()).await;
    assert_eq!(to_login.status, 303);
    let login = location(&to_login).expect("a Location").to_owned();
    assert_eq!(
        query(&login).get("next"),
        Some(&request.path()),
        "the login comes back to the request"
    );
    let consent = browser.open_as(&request.path(), USER).await;
    let text = page(&consent);
    assert_eq!(consent.status, 200, "{text}");
    assert!(text.contains(&format!("Authorize {CLIENT_NAME}")), "{text}");
    assert!(
        text.contains("client.example"),
        "names the redirect host: {text}"
    );
    assert!(text.contains("<code>mcp</code>"), "names the scope: {text}");
    assert!(text.contains(USER), "names the user: {text}");

    let allowed = browser.decide(&consent, "allow", &[]).await;
    let code = request.code(&allowed, &issuer);
    let (access, refresh_token) = tokens(&exchange(server.addr, &request, &code).await);

    let me = identity(server.addr, &access).await;
    assert_eq!(me["subject"], USER, "{me}");
    assert_eq!(me["client_id"], server.client_id, "{me}");
    assert_eq!(me["scopes"], json!(["mcp"]), "{me}");

    let refreshed = refresh(server.addr, &server.client_id, &refresh_token).await;
    let (new_access, new_refresh) = tokens(&refreshed);
    assert_ne!(new_access, access);
    assert_ne!(new_refresh, refresh_token);
    assert_eq!(identity(server.addr, &new_access).await["subject"], USER);
    let again = refresh(server.addr, &server.client_id, &refresh_token).await;
    assert_token_error(&again, "invalid_grant", "already used");

    // The consent is remembered: the next request goes straight back with a code.
    let second = Authorization::new(&server.client_id);
    let straight = browser.get(&second.path()).await;
    let code = second.code(&straight, &issuer);
    tokens(&exchange(server.addr, &second, &code).await);
}

#[tokio::test]
async fn the_whole_flow_gives_a_token_that_opens_mcp() {
    whole_flow(&fixture(|_| {}).await).await;
}

#[tokio::test]
async fn the_whole_flow_works_on_postgres() {
    // Blocks while the cluster starts, before anything else runs on this runtime.
    let postgres = Postgres::start();
    let server = fixture_on(&postgres.url, |_| {}).await;
    whole_flow(&server).await;
}

#[tokio::test]
async fn mcp_refuses_requests_without_a_token_and_names_the_metadata() {
    let server = fixture(|_| {}).await;
    let response = post_mcp_with(server.addr, &[], call_body("whoami", json!({}))).await;
    assert_eq!(response.status, 401);
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.contains(&format!(
            "resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
            server.issuer()
        )),
        "{challenge}"
    );
    assert_token_refused(&call_whoami(server.addr, "not-a-token").await);
}

#[tokio::test]
async fn the_jwt_backend_accepts_the_token_unchanged() {
    let server = fixture(|_| {}).await;
    let mut settings = test_settings();
    settings.require_auth = true;
    settings.auth_backends = vec!["jwt".into()];
    settings.auth.jwt.jwks_url = Some(format!("{}/oauth/jwks", server.issuer()));
    settings.oauth_issuer_url = Some(server.issuer());
    // The audience is the resource the token was issued for, whatever port serves it.
    settings.resource_server_url = Some(server.resource());
    let checker = spawn(
        Server::builder()
            .info("jwt-checker", "0.0.0")
            .settings(settings)
            .build()
            .expect("builds"),
    )
    .await;

    let (_, access, _) = grant(&server, &server.client_id).await;
    let me = identity(checker.addr, &access).await;
    assert_eq!(me["subject"], USER, "{me}");
    assert_eq!(me["scopes"], json!(["mcp"]), "{me}");
    assert_token_refused(&call_whoami(checker.addr, &format!("{access}x")).await);
}

// ---------------------------------------------------------------------------------------------
// PKCE, redirect URIs, codes and refresh tokens.

#[tokio::test]
async fn a_wrong_pkce_verifier_is_an_invalid_grant() {
    let server = fixture(|_| {}).await;
    let request = Authorization::new(&server.client_id);
    let code = code_for(&server, &mut Browser::new(server.addr), &request).await;
    let other = random_token();
    let response =
        exchange_changed(server.addr, &request, &code, "code_verifier", Some(&other)).await;
    assert_token_error(&response, "invalid_grant", "code_verifier does not match");
}

#[tokio::test]
async fn a_missing_pkce_verifier_is_an_invalid_request() {
    let server = fixture(|_| {}).await;
    let request = Authorization::new(&server.client_id);
    let code = code_for(&server, &mut Browser::new(server.addr), &request).await;
    let response = exchange_changed(server.addr, &request, &code, "code_verifier", None).await;
    assert_token_error(&response, "invalid_request", "code_verifier");
    // Refused before the code was taken: the complete request still works.
    tokens(&exchange(server.addr, &request, &code).await);
}

#[tokio::test]
async fn a_redirect_uri_one_character_off_is_never_redirected_to() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    browser.sign_in(USER).await;
    for near_miss in [
        "https://client.example/callbacK",
        "https://client.example/callback/",
        "https://client.example/callbac",
    ] {
        let request = Authorization::new(&server.client_id).redirect_uri(near_miss);
        let response = browser.get(&request.path()).await;
        assert_page(
            &response,
            400,
            &format!("`{near_miss}` is not a redirect URI"),
        );
    }
}

#[tokio::test]
async fn a_redirect_uri_that_differs_at_the_token_endpoint_is_an_invalid_grant() {
    let server = fixture(|_| {}).await;
    let request = Authorization::new(&server.client_id);
    let code = code_for(&server, &mut Browser::new(server.addr), &request).await;
    let near_miss = "https://client.example/callbacK";
    let response = exchange_changed(
        server.addr,
        &request,
        &code,
        "redirect_uri",
        Some(near_miss),
    )
    .await;
    assert_token_error(&response, "invalid_grant", "redirect_uri differs");
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_what_it_gave() {
    let server = fixture(|_| {}).await;
    let request = Authorization::new(&server.client_id);
    let code = code_for(&server, &mut Browser::new(server.addr), &request).await;
    let (_, refresh_token) = tokens(&exchange(server.addr, &request, &code).await);

    let reused = exchange(server.addr, &request, &code).await;
    assert_token_error(&reused, "invalid_grant", "already used");
    let refreshed = refresh(server.addr, &server.client_id, &refresh_token).await;
    assert_token_error(&refreshed, "invalid_grant", "revoked");
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_family() {
    let server = fixture(|_| {}).await;
    let (_, _, first) = grant(&server, &server.client_id).await;
    let (_, second) = tokens(&refresh(server.addr, &server.client_id, &first).await);

    let reused = refresh(server.addr, &server.client_id, &first).await;
    assert_token_error(&reused, "invalid_grant", "already used");
    let newer = refresh(server.addr, &server.client_id, &second).await;
    assert_token_error(&newer, "invalid_grant", "revoked");
}

#[tokio::test]
async fn an_expired_code_is_an_invalid_grant() {
    // A code that lives no seconds is expired when it is issued.
    let server = fixture(|settings| settings.oauth_server.code_ttl = 0).await;
    let request = Authorization::new(&server.client_id);
    let code = code_for(&server, &mut Browser::new(server.addr), &request).await;
    let response = exchange(server.addr, &request, &code).await;
    assert_token_error(&response, "invalid_grant", "expired");
}

#[tokio::test]
async fn an_unknown_code_and_an_unknown_refresh_token_are_invalid_grants() {
    let server = fixture(|_| {}).await;
    let request = Authorization::new(&server.client_id);
    let response = exchange(server.addr, &request, &random_token()).await;
    assert_token_error(&response, "invalid_grant", "not known");
    let response = refresh(server.addr, &server.client_id, &random_token()).await;
    assert_token_error(&response, "invalid_grant", "not known");
}

// ---------------------------------------------------------------------------------------------
// Resources (RFC 8707).

#[tokio::test]
async fn a_token_for_another_resource_is_refused_at_authorize() {
    let server = fixture(|_| {}).await;
    let request =
        Authorization::new(&server.client_id).with("resource", "http://other.example/mcp");
    let response = Browser::new(server.addr).get(&request.path()).await;
    let params = sent_back(&response, REDIRECT);
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("invalid_target"),
        "{params:?}"
    );
    assert_eq!(params.get("state"), Some(&request.state));
    assert_eq!(params.get("iss"), Some(&server.issuer()));
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn a_token_for_another_resource_is_refused_at_mcp() {
    let dir = TempDir::new();
    let server = fixture_on(&dir.sqlite_url(), |_| {}).await;
    // A second server on the same database, keys and issuer, for another resource.
    let listener = listen().await;
    let mut settings = oauth_settings(&listener, &dir.sqlite_url());
    settings.oauth_issuer_url = Some(server.issuer());
    let elsewhere = serve(listener, settings);
    assert_ne!(elsewhere.resource(), server.resource());

    let (_, access, _) = grant(&server, &server.client_id).await;
    assert_eq!(identity(server.addr, &access).await["subject"], USER);
    assert_token_refused(&call_whoami(elsewhere.addr, &access).await);
}

// ---------------------------------------------------------------------------------------------
// The consent and login forms.

#[tokio::test]
async fn the_consent_form_cannot_change_the_state_or_the_redirect() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    let request = Authorization::new(&server.client_id);
    let consent = browser.open_as(&request.path(), USER).await;
    let forged = [
        ("state", "forged"),
        ("redirect_uri", "https://evil.example/cb"),
    ];
    let allowed = browser.decide(&consent, "allow", &forged).await;
    // `code` checks the original state and the registered redirect URI.
    let code = request.code(&allowed, &server.issuer());
    tokens(&exchange(server.addr, &request, &code).await);
}

#[tokio::test]
async fn an_unknown_or_answered_consent_request_is_forbidden() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    let request = Authorization::new(&server.client_id);
    let consent = browser.open_as(&request.path(), USER).await;
    let (_, csrf) = consent_form(&consent);

    let unknown = random_token();
    let forged = [
        ("request_id", unknown.as_str()),
        ("csrf_token", csrf.as_str()),
        ("decision", "allow"),
    ];
    let response = browser.post("/oauth/authorize", &forged).await;
    assert_page(&response, 403, "expired or was already answered");

    request.code(
        &browser.decide(&consent, "allow", &[]).await,
        &server.issuer(),
    );
    let replayed = browser.decide(&consent, "allow", &[]).await;
    assert_page(&replayed, 403, "expired or was already answered");
}

#[tokio::test]
async fn a_consent_without_its_csrf_token_is_forbidden_and_issues_no_code() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    let request = Authorization::new(&server.client_id);
    let consent = browser.open_as(&request.path(), USER).await;
    let (request_id, _) = consent_form(&consent);

    let missing = [("request_id", request_id.as_str()), ("decision", "allow")];
    let response = browser.post("/oauth/authorize", &missing).await;
    assert_page(&response, 403, "missing its request id or CSRF token");
    let wrong_token = random_token();
    let wrong = [
        ("request_id", request_id.as_str()),
        ("csrf_token", wrong_token.as_str()),
        ("decision", "allow"),
    ];
    let response = browser.post("/oauth/authorize", &wrong).await;
    assert_page(&response, 403, "CSRF token is wrong");

    // The request is still pending: only the refusals above kept the code back.
    request.code(
        &browser.decide(&consent, "allow", &[]).await,
        &server.issuer(),
    );
}

#[tokio::test]
async fn a_consent_posted_by_another_user_is_forbidden() {
    let server = fixture(|_| {}).await;
    let mut alice = Browser::new(server.addr);
    let request = Authorization::new(&server.client_id);
    let consent = alice.open_as(&request.path(), USER).await;

    let mut admin = Browser::new(server.addr);
    admin.sign_in(ADMIN).await;
    let response = admin.decide(&consent, "allow", &[]).await;
    assert_page(&response, 403, "not signed in as the user");
}

#[tokio::test]
async fn a_denied_consent_sends_access_denied() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    let request = Authorization::new(&server.client_id);
    let consent = browser.open_as(&request.path(), USER).await;
    let denied = browser.decide(&consent, "deny", &[]).await;
    let params = sent_back(&denied, REDIRECT);
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("access_denied")
    );
    assert_eq!(params.get("state"), Some(&request.state));
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn a_login_without_its_csrf_token_is_forbidden() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    let credentials = [
        ("username", USER),
        ("password", PASSWORD),
        ("next", "/oauth/connector"),
    ];
    let response = browser.post("/oauth/login", &credentials).await;
    assert_page(&response, 403, "CSRF token is missing or wrong");

    // With the cookie from the login page but a wrong token in the form.
    let login = browser.get("/oauth/login").await;
    assert_eq!(login.status, 200);
    let wrong_token = random_token();
    let mut fields = credentials.to_vec();
    fields.push(("csrf_token", &wrong_token));
    let response = browser.post("/oauth/login", &fields).await;
    assert_page(&response, 403, "CSRF token is missing or wrong");
    assert!(
        !browser.cookies.contains_key("mcp_kit_session"),
        "not signed in"
    );
}

#[tokio::test]
async fn a_wrong_password_does_not_sign_in() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    let login = browser.get("/oauth/login").await;
    let csrf = input_value(&login, "csrf_token").expect("a csrf_token field");
    let fields = [
        ("username", USER),
        ("password", "not the password"),
        ("csrf_token", csrf.as_str()),
    ];
    let response = browser.post("/oauth/login", &fields).await;
    assert_page(&response, 401, "Wrong username or password");
    assert!(!browser.cookies.contains_key("mcp_kit_session"));
}

// ---------------------------------------------------------------------------------------------
// Client ID Metadata Documents.

/// Serves client metadata documents on loopback: `/good`, `/big` (larger than `max_bytes`)
/// and `/slow` (never answers).
async fn document_host(max_bytes: usize) -> SocketAddr {
    let listener = listen().await;
    let addr = listener.local_addr().expect("local address");
    let good = json!({
        "client_id": format!("http://{addr}/good"),
        "client_name": "Documented Client",
        "redirect_uris": [REDIRECT],
    });
    let big = json!({
        "client_id": format!("http://{addr}/big"),
        "client_name": "x".repeat(max_bytes),
        "redirect_uris": [REDIRECT],
    });
    let app = axum::Router::new()
        .route(
            "/good",
            axum::routing::get(move || async move { axum::Json(good) }),
        )
        .route(
            "/big",
            axum::routing::get(move || async move { axum::Json(big) }),
        )
        .route(
            "/slow",
            axum::routing::get(std::future::pending::<&'static str>),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

#[tokio::test]
async fn client_metadata_documents_are_bounded_in_size_and_time() {
    let server = fixture(|settings| {
        settings.oauth_server.allow_loopback_client_metadata = true;
        settings.oauth_server.client_metadata_timeout = 1;
    })
    .await;
    let max_bytes = server
        .server
        .settings()
        .oauth_server
        .client_metadata_max_bytes;
    let documents = document_host(max_bytes).await;
    let mut browser = Browser::new(server.addr);

    let big = Authorization::new(&format!("http://{documents}/big"));
    let response = browser.get(&big.path()).await;
    assert_page(&response, 400, &format!("is larger than {max_bytes} bytes"));

    // The server's own fetch timeout ends this; the document never comes.
    let slow = Authorization::new(&format!("http://{documents}/slow"));
    let response = browser.get(&slow.path()).await;
    assert_page(&response, 400, "did not answer in time");

    let good = Authorization::new(&format!("http://{documents}/good"));
    let consent = browser.open_as(&good.path(), USER).await;
    let text = page(&consent);
    assert_eq!(consent.status, 200, "{text}");
    assert!(text.contains("Authorize Documented Client"), "{text}");
    let code = good.code(
        &browser.decide(&consent, "allow", &[]).await,
        &server.issuer(),
    );
    let (access, _) = tokens(&exchange(server.addr, &good, &code).await);
    let me = identity(server.addr, &access).await;
    assert_eq!(me["client_id"], format!("http://{documents}/good"), "{me}");
}

#[tokio::test]
async fn client_metadata_documents_on_loopback_are_refused_by_default() {
    let server = fixture(|_| {}).await;
    let documents = document_host(1024).await;
    let good = Authorization::new(&format!("http://{documents}/good"));
    let response = Browser::new(server.addr).get(&good.path()).await;
    assert_page(&response, 400, "loopback addresses are not fetched");
}

// ---------------------------------------------------------------------------------------------
// Dynamic client registration (RFC 7591).

async fn register(addr: SocketAddr, metadata: Value) -> Response {
    let headers = [("content-type", "application/json")];
    let body = serde_json::to_vec(&metadata).expect("serialize");
    send(addr, "POST", "/oauth/register", &headers, &body).await
}

#[tokio::test]
async fn dynamic_registration_is_off_by_default() {
    let server = fixture(|_| {}).await;
    let metadata = json!({"redirect_uris": [REDIRECT], "client_name": "Registered"});
    let response = register(server.addr, metadata).await;
    assert!(matches!(response.status, 404 | 405), "{}", response.status);
    assert_eq!(
        server.oauth().clients().await.unwrap().len(),
        1,
        "only the fixture's"
    );
}

#[tokio::test]
async fn dynamic_registration_registers_public_clients_with_safe_redirects() {
    let server = fixture(|settings| settings.oauth_server.dynamic_registration = true).await;
    let metadata = send(
        server.addr,
        "GET",
        "/.well-known/oauth-authorization-server",
        &[],
        b"",
    )
    .await;
    assert_eq!(
        metadata.json()["registration_endpoint"],
        format!("{}/oauth/register", server.issuer())
    );

    let response = register(
        server.addr,
        json!({"redirect_uris": [REDIRECT], "client_name": "Registered App"}),
    )
    .await;
    let body = response.json();
    assert_eq!(response.status, 201, "{body}");
    assert_eq!(body["token_endpoint_auth_method"], "none", "{body}");
    let client_id = body["client_id"].as_str().expect("a client_id").to_owned();
    let request = Authorization::new(&client_id);
    let consent = Browser::new(server.addr)
        .open_as(&request.path(), USER)
        .await;
    let text = page(&consent);
    assert_eq!(consent.status, 200, "{text}");
    assert!(text.contains("Authorize Registered App"), "{text}");

    let response = register(
        server.addr,
        json!({"redirect_uris": ["http://evil.example/cb"]}),
    )
    .await;
    let body = response.json();
    assert_eq!(
        (response.status, body["error"].as_str()),
        (400, Some("invalid_redirect_uri")),
        "{body}"
    );
    let response = register(
        server.addr,
        json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "client_secret_basic"}),
    )
    .await;
    let body = response.json();
    assert_eq!(
        (response.status, body["error"].as_str()),
        (400, Some("invalid_client_metadata")),
        "{body}"
    );
    assert_eq!(
        server.oauth().clients().await.unwrap().len(),
        2,
        "the fixture's and one registered"
    );
}

// ---------------------------------------------------------------------------------------------
// The connector page and the client API.

#[tokio::test]
async fn the_connector_page_needs_a_login_and_the_permission() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    let response = browser.get("/oauth/connector").await;
    assert_eq!(response.status, 303);
    assert_eq!(
        location(&response),
        Some("/oauth/login?next=%2Foauth%2Fconnector")
    );

    browser.sign_in(USER).await;
    let response = browser.get("/oauth/connector").await;
    assert_page(&response, 403, CONNECTOR_PERMISSION);
    let csrf = browser.cookies["mcp_kit_csrf"].clone();
    let fields = [
        ("enabled", "on"),
        ("app_name", "Sneaky"),
        ("redirect_uris", REDIRECT),
        ("csrf_token", csrf.as_str()),
    ];
    let response = browser.post("/oauth/connector", &fields).await;
    assert_page(&response, 403, CONNECTOR_PERMISSION);
    let names: Vec<String> = server
        .oauth()
        .clients()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, [CLIENT_NAME]);
}

#[tokio::test]
async fn the_connector_page_creates_updates_and_revokes_its_client() {
    connector_page_lifecycle(&fixture(|_| {}).await).await;
}

async fn connector_page_lifecycle(server: &Fixture) {
    let mut browser = Browser::new(server.addr);
    browser.sign_in(ADMIN).await;
    let shown = browser.get("/oauth/connector").await;
    assert_eq!(shown.status, 200, "{}", page(&shown));
    assert_eq!(input_value(&shown, "client_id").as_deref(), Some(""));
    let csrf = input_value(&shown, "csrf_token").expect("a csrf_token field");

    let without_csrf = [
        ("enabled", "on"),
        ("app_name", "Acme"),
        ("redirect_uris", REDIRECT),
    ];
    let response = browser.post("/oauth/connector", &without_csrf).await;
    assert_page(&response, 403, "CSRF token is missing or wrong");
    assert_eq!(
        server.oauth().clients().await.unwrap().len(),
        1,
        "nothing was saved"
    );

    let save = async |browser: &mut Browser, enabled: bool, redirect_uris: &str| {
        let mut fields = vec![
            ("app_name", "Acme Connector"),
            ("redirect_uris", redirect_uris),
            ("csrf_token", csrf.as_str()),
        ];
        if enabled {
            fields.push(("enabled", "on"));
        }
        let saved = browser.post("/oauth/connector", &fields).await;
        assert_eq!(saved.status, 303, "{}", page(&saved));
        assert_eq!(location(&saved), Some("/oauth/connector?saved=1"));
        let shown = browser.get("/oauth/connector?saved=1").await;
        assert_eq!(shown.status, 200);
        input_value(&shown, "client_id").expect("a client_id field")
    };

    let client_id = save(&mut browser, true, REDIRECT).await;
    assert!(!client_id.is_empty(), "the page shows the client id");
    let clients = server.oauth().clients().await.unwrap();
    let client = clients
        .iter()
        .find(|c| c.client_id == client_id)
        .expect("the client is stored");
    assert_eq!(client.name, "Acme Connector");
    assert_eq!(client.redirect_uris, [REDIRECT]);
    assert!(!client.revoked);

    let second_redirect = "https://claude.ai/api/mcp/auth_callback";
    let both = format!("{REDIRECT}\n{second_redirect}");
    assert_eq!(
        save(&mut browser, true, &both).await,
        client_id,
        "the same client"
    );
    let clients = server.oauth().clients().await.unwrap();
    let client = clients
        .iter()
        .find(|c| c.client_id == client_id)
        .expect("the client is stored");
    assert_eq!(client.redirect_uris, [REDIRECT, second_redirect]);
    let request = Authorization::new(&client_id);
    let consent = Browser::new(server.addr)
        .open_as(&request.path(), USER)
        .await;
    assert!(
        page(&consent).contains("Authorize Acme Connector"),
        "{}",
        page(&consent)
    );

    assert_eq!(save(&mut browser, false, REDIRECT).await, client_id);
    let response = Browser::new(server.addr).get(&request.path()).await;
    assert_page(&response, 400, "is revoked");
}

#[tokio::test]
async fn ensure_client_is_idempotent_by_name_and_revoke_client_closes_it() {
    client_api_lifecycle(&fixture(|_| {}).await).await;
}

async fn client_api_lifecycle(server: &Fixture) {
    let oauth = server.oauth();
    let (again, created) = oauth
        .ensure_client(CLIENT_NAME, &[REDIRECT.to_owned()], false)
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.client_id, server.client_id);
    let invalid = oauth
        .ensure_client("Bad", &["http://evil.example/cb".to_owned()], false)
        .await;
    assert!(
        invalid.is_err(),
        "http on a public host is not a redirect URI"
    );

    let (request, _, refresh_token) = grant(server, &server.client_id).await;
    assert!(oauth.revoke_client(&server.client_id).await.unwrap());
    assert!(!oauth.revoke_client("no-such-client").await.unwrap());
    let response = Browser::new(server.addr).get(&request.path()).await;
    assert_page(&response, 400, "is revoked");
    let refreshed = refresh(server.addr, &server.client_id, &refresh_token).await;
    assert_token_error(&refreshed, "invalid_grant", "revoked");
}

// ---------------------------------------------------------------------------------------------
// Signing keys.

/// The `kid` in the header of the JWT `token`.
fn kid(token: &str) -> String {
    let header = token.split('.').next().expect("a JWT");
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64url")).expect("JSON");
    header["kid"].as_str().expect("a kid").to_owned()
}

#[tokio::test]
async fn a_rotated_key_keeps_earlier_tokens_valid() {
    key_rotation(&fixture(|_| {}).await).await;
}

async fn key_rotation(server: &Fixture) {
    let (_, before, refresh_token) = grant(server, &server.client_id).await;
    let new_kid = server.oauth().rotate_key().await.expect("a new key");
    assert_ne!(kid(&before), new_kid);
    let (after, _) = tokens(&refresh(server.addr, &server.client_id, &refresh_token).await);
    assert_eq!(kid(&after), new_kid, "the newest key signs");

    let jwks = send(server.addr, "GET", "/oauth/jwks", &[], b"")
        .await
        .json();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|key| key["kid"].as_str())
        .collect();
    assert!(kids.contains(&new_kid.as_str()), "{jwks}");
    assert!(
        kids.contains(&kid(&before).as_str()),
        "the retired key stays published: {jwks}"
    );
    assert_eq!(identity(server.addr, &before).await["subject"], USER);
    assert_eq!(identity(server.addr, &after).await["subject"], USER);
}

#[tokio::test]
async fn clients_connector_and_keys_work_on_postgres() {
    // Blocks while the cluster starts, before anything else runs on this runtime.
    let postgres = Postgres::start();
    let server = fixture_on(&postgres.url, |_| {}).await;
    connector_page_lifecycle(&server).await;
    key_rotation(&server).await;
    // Last: it revokes the fixture's client.
    client_api_lifecycle(&server).await;
}

// ---------------------------------------------------------------------------------------------
// A refused request leaves what it presented usable.

#[tokio::test]
async fn a_refused_refresh_leaves_the_refresh_token_usable() {
    let server = fixture(|_| {}).await;
    let (_, _, refresh_token) = grant(&server, &server.client_id).await;
    let wider = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.as_str()),
        ("client_id", server.client_id.as_str()),
        ("scope", "mcp admin"),
    ]
    .map(|(k, v)| (k.to_owned(), Some(v.to_owned())));
    let response = token_request(server.addr, &wider).await;
    assert_token_error(&response, "invalid_scope", "`admin` was not granted");
    // Nothing was issued, so the client still holds a good refresh token.
    tokens(&refresh(server.addr, &server.client_id, &refresh_token).await);
}

// ---------------------------------------------------------------------------------------------
// Skipping consent, and a host application's own login.

#[tokio::test]
async fn a_client_that_skips_consent_gets_its_code_without_the_page() {
    let server = fixture(|_| {}).await;
    let (trusted, _) = server
        .oauth()
        .ensure_client("Trusted", &[REDIRECT.to_owned()], true)
        .await
        .expect("a client");
    let request = Authorization::new(&trusted.client_id);
    let mut browser = Browser::new(server.addr);
    let answered = browser.open_as(&request.path(), USER).await;
    let code = request.code(&answered, &server.issuer());
    let (access, _) = tokens(&exchange(server.addr, &request, &code).await);
    assert_eq!(identity(server.addr, &access).await["subject"], USER);
}

/// The host application's login: its session cookie `host_session` holds the username, and
/// `host_admin=yes` grants the connector permission.
struct HostLogin;

impl UserSource for HostLogin {
    fn user<'a>(
        &'a self,
        request: &'a axum::http::request::Parts,
    ) -> futures_util::future::BoxFuture<'a, Option<Principal>> {
        let cookies: HashMap<String, String> = request
            .headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let user = cookies.get("host_session").map(|name| {
            let permissions = match cookies.get("host_admin").map(String::as_str) {
                Some("yes") => vec![CONNECTOR_PERMISSION.to_owned()],
                _ => Vec::new(),
            };
            Principal::new(name.clone()).with_permissions(permissions)
        });
        Box::pin(async move { user })
    }

    fn find<'a>(
        &'a self,
        subject: &'a str,
    ) -> futures_util::future::BoxFuture<'a, Option<Principal>> {
        Box::pin(async move { Some(Principal::new(subject)) })
    }

    fn login_url(&self, next: &str) -> String {
        format!("/accounts/login/?next={}", percent(next))
    }
}

#[tokio::test]
async fn the_host_applications_login_decides_who_consents() {
    let dir = TempDir::new();
    let listener = listen().await;
    let settings = oauth_settings(&listener, &dir.sqlite_url());
    let server = serve_built(
        listener,
        Server::builder().settings(settings).oauth_users(HostLogin),
    );
    let (client, _) = server
        .oauth()
        .ensure_client(CLIENT_NAME, &[REDIRECT.to_owned()], false)
        .await
        .expect("a client");
    let request = Authorization::new(&client.client_id);
    let mut browser = Browser::new(server.addr);

    let anonymous = browser.get(&request.path()).await;
    assert_eq!(anonymous.status, 303);
    let login = location(&anonymous).expect("a Location");
    assert_eq!(
        login,
        format!("/accounts/login/?next={}", percent(&request.path())),
        "sent to the host's login, to come back"
    );
    // The built-in login does not decide who is signed in here.
    assert!(!browser.cookies.contains_key("mcp_kit_session"));

    browser
        .cookies
        .insert("host_session".into(), "carol".into());
    let consent = browser.get(&request.path()).await;
    assert!(page(&consent).contains("carol"), "{}", page(&consent));
    let answered = browser.decide(&consent, "allow", &[]).await;
    let code = request.code(&answered, &server.issuer());
    let (access, _) = tokens(&exchange(server.addr, &request, &code).await);
    assert_eq!(identity(server.addr, &access).await["subject"], "carol");

    let refused = browser.get("/oauth/connector").await;
    assert_page(&refused, 403, CONNECTOR_PERMISSION);
    browser.cookies.insert("host_admin".into(), "yes".into());
    let connector = browser.get("/oauth/connector").await;
    assert_eq!(connector.status, 200, "{}", page(&connector));
}

// ---------------------------------------------------------------------------------------------
// Hardening.

/// The claims of the JWT `token`, unverified.
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    browser.sign_in(ADMIN).await;
    let connector = browser.get("/oauth/connector").await;
    assert_eq!(connector.status, 200, "{}", page(&connector));
    let session = browser.cookies["mcp_kit_session"].clone();

    let forged = browser.post("/oauth/logout", &[]).await;
    assert_page(&forged, 403, "CSRF");
    let csrf = input_value(&connector, "csrf_token").expect("a csrf_token field");
    let signed_out = browser
        .post("/oauth/logout", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(location(&signed_out), Some("/oauth/login"));
    assert!(!browser.cookies.contains_key("mcp_kit_session"));

    // The old cookie, kept by someone else, no longer works either.
    browser.cookies.insert("mcp_kit_session".into(), session);
    let after = browser.get("/oauth/connector").await;
    assert_eq!(after.status, 303);
    assert!(location(&after).is_some_and(|l| l.starts_with("/oauth/login")));
}

#[tokio::test]
async fn a_new_password_signs_the_user_out_everywhere() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    browser.sign_in(ADMIN).await;
    assert_eq!(browser.get("/oauth/connector").await.status, 200);
    server
        .oauth()
        .save_user(
            ADMIN,
            "another long password",
            &[CONNECTOR_PERMISSION.to_owned()],
        )
        .await
        .expect("saved");
    assert_eq!(browser.get("/oauth/connector").await.status, 303);
}

#[tokio::test]
async fn too_many_wrong_passwords_lock_the_username_for_a_while() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    let form_page = browser.get("/oauth/login").await;
    let csrf = input_value(&form_page, "csrf_token").expect("a csrf_token field");
    let attempt = async |browser: &mut Browser, password: &str| {
        let fields = [
            ("username", USER),
            ("password", password),
            ("next", "/oauth/connector"),
            ("csrf_token", csrf.as_str()),
        ];
        browser.post("/oauth/login", &fields).await
    };
    for _ in 0..10 {
        assert_eq!(attempt(&mut browser, "wrong password!").await.status, 401);
    }
    let locked = attempt(&mut browser, PASSWORD).await;
    assert_page(&locked, 429, "Too many failed sign-ins");
    // Another user is not locked out.
    let mut other = Browser::new(server.addr);
    other.sign_in(ADMIN).await;
}

#[tokio::test]
async fn endpoints_for_clients_allow_any_origin_and_pages_do_not() {
    let server = fixture(|_| {}).await;
    let origin = [("origin", "https://inspector.example")];
    let preflight = send(server.addr, "OPTIONS", "/oauth/token", &origin, b"").await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert!(
        preflight
            .header("access-control-allow-methods")
            .is_some_and(|m| m.contains("POST"))
    );
    for path in ["/.well-known/oauth-authorization-server", "/oauth/jwks"] {
        let answer = send(server.addr, "GET", path, &origin, b"").await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
    }
    let login = send(server.addr, "GET", "/oauth/login", &origin, b"").await;
    assert_eq!(login.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn scopes_the_server_does_not_offer_are_left_out() {
    let server = fixture(|_| {}).await;
    let request = Authorization::new(&server.client_id);
    let asked = format!("scope={}", percent("mcp offline_access openid"));
    let path = request.path().replace("scope=mcp", &asked);
    let mut browser = Browser::new(server.addr);
    let consent = browser.open_as(&path, USER).await;
    let text = page(&consent);
    assert!(text.contains("<code>mcp</code>"), "{text}");
    assert!(!text.contains("offline_access"), "{text}");
    let answered = browser.decide(&consent, "allow", &[]).await;
    let code = request.code(&answered, &server.issuer());
    let (access, _) = tokens(&exchange(server.addr, &request, &code).await);
    assert_eq!(claims(&access)["scope"], "mcp");
}

#[tokio::test]
async fn a_revoked_client_is_not_brought_back_by_create() {
    let server = fixture(|_| {}).await;
    let oauth = server.oauth();
    assert!(
        oauth
            .revoke_client(&server.client_id)
            .await
            .expect("revoked")
    );
    let again = oauth
        .ensure_client(CLIENT_NAME, &[REDIRECT.to_owned()], false)
        .await
        .expect_err("a revoked client stays revoked");
    assert!(again.to_string().contains("is revoked"), "{again}");
    let request = Authorization::new(&server.client_id);
    let refused = Browser::new(server.addr).get(&request.path()).await;
    assert_page(&refused, 400, "revoked");
}

#[tokio::test]
async fn a_changed_permission_reaches_the_client_at_its_next_refresh() {
    let server = fixture(|_| {}).await;
    let (_, access, refresh_token) = grant(&server, &server.client_id).await;
    assert_eq!(claims(&access).get("permissions"), None);
    server
        .oauth()
        .save_user(USER, PASSWORD, &["notes.change_note".to_owned()])
        .await
        .expect("saved");
    let refreshed = refresh(server.addr, &server.client_id, &refresh_token).await;
    let (access, _) = tokens(&refreshed);
    assert_eq!(claims(&access)["permissions"], "notes.change_note");
}

#[tokio::test]
async fn a_client_whose_redirects_stay_on_the_machine_is_asked_every_time() {
    let server = fixture(|_| {}).await;
    let native = "http://127.0.0.1/callback";
    let (client, _) = server
        .oauth()
        .ensure_client("Native App", &[native.to_owned()], false)
        .await
        .expect("a client");
    let mut browser = Browser::new(server.addr);
    for round in 0..2 {
        let request =
            Authorization::new(&client.client_id).redirect_uri("http://127.0.0.1:40123/callback");
        let consent = browser.open_as(&request.path(), USER).await;
        assert_eq!(consent.status, 200, "round {round}: {}", page(&consent));
        let answered = browser.decide(&consent, "allow", &[]).await;
        request.code(&answered, &server.issuer());
    }
}

#[tokio::test]
async fn a_redirect_uri_cannot_smuggle_a_second_one() {
    let server = fixture(|settings| settings.oauth_server.dynamic_registration = true).await;
    let smuggled = format!("{REDIRECT}\nhttp://evil.example/x");
    let response = register(server.addr, json!({"redirect_uris": [smuggled]})).await;
    let body = response.json();
    assert_eq!(response.status, 400, "{body}");
    assert_eq!(body["error"], "invalid_redirect_uri", "{body}");
    let cli = server
        .oauth()
        .ensure_client("Smuggler", &[smuggled], false)
        .await
        .expect_err("refused");
    assert!(cli.to_string().contains("whitespace"), "{cli}");
}

#[tokio::test]
async fn registrations_are_limited_per_minute() {
    let server = fixture(|settings| {
        settings.oauth_server.dynamic_registration = true;
        settings.oauth_server.registrations_per_minute = 2;
    })
    .await;
    let metadata = json!({"redirect_uris": [REDIRECT]});
    for _ in 0..2 {
        assert_eq!(register(server.addr, metadata.clone()).await.status, 201);
    }
    let refused = register(server.addr, metadata).await;
    let body = refused.json();
    assert_eq!(refused.status, 429, "{body}");
    assert!(refused.header("retry-after").is_some());
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
}

#[tokio::test]
async fn a_parameter_given_twice_is_refused_at_both_endpoints() {
    let server = fixture(|_| {}).await;
    let request = Authorization::new(&server.client_id).with("client_id", "another");
    let refused = Browser::new(server.addr).get(&request.path()).await;
    assert_page(&refused, 400, "`client_id` is given more than once");

    let code = code_for(
        &server,
        &mut Browser::new(server.addr),
        &Authorization::new(&server.client_id),
    )
    .await;
    let mut fields = Authorization::new(&server.client_id).exchange_fields(&code);
    fields.push(("grant_type".into(), Some("refresh_token".into())));
    let response = token_request(server.addr, &fields).await;
    assert_token_error(
        &response,
        "invalid_request",
        "`grant_type` is given more than once",
    );
}

// ---------------------------------------------------------------------------------------------
// Who may hold a scope.

/// A report only holders of the `admin` scope may read; its permission puts `admin` into
/// `scopes_supported`.
#[tool(annotations(read_only), permission = HasScope("admin"))]
async fn admin_report() -> &'static str {
    "the admin report"
}

/// The granted scope of a successful token response, and its access and refresh tokens.
#[track_caller]
fn granted(response: &Response) -> (String, String, String) {
    let body = response.json();
    assert_eq!(response.status, 200, "{body}");
    let field = |name: &str| body[name].as_str().unwrap_or_default().to_owned();
    (
        field("scope"),
        field("access_token"),
        field("refresh_token"),
    )
}

/// Whether `access_token` may call `admin_report`: false when it was refused as a tool
/// error.
async fn admin_report_runs(addr: SocketAddr, access_token: &str) -> bool {
    let auth = format!("Bearer {access_token}");
    let response = post_mcp_with(
        addr,
        &[("authorization", &auth)],
        call_body("admin_report", json!({})),
    )
    .await;
    let body = response.json();
    assert_eq!(response.status, 200, "{body}");
    !body["result"]["isError"].as_bool().expect("a tool result")
}

/// Signs `username` in, asks for `scope`, allows what the consent page shows, and exchanges
/// the code. Returns the consent page's text and the token response.
async fn ask_for_scope(
    server: &Running,
    client_id: &str,
    username: &str,
    scope: &str,
) -> (String, Response) {
    let request = Authorization::new(client_id);
    let path = request
        .path()
        .replace("scope=mcp", &format!("scope={}", percent(scope)));
    let mut browser = Browser::new(server.addr);
    let consent = browser.open_as(&path, username).await;
    let text = page(&consent);
    let answered = browser.decide(&consent, "allow", &[]).await;
    let code = request.code(&answered, &server.issuer());
    (text, exchange(server.addr, &request, &code).await)
}

#[tokio::test]
async fn a_user_cannot_grant_themselves_a_scope_they_do_not_hold() {
    let server = fixture(|_| {}).await;
    let metadata = send(
        server.addr,
        "GET",
        "/.well-known/oauth-authorization-server",
        &[],
        b"",
    )
    .await;
    assert!(
        metadata.json()["scopes_supported"]
            .as_array()
            .expect("scopes")
            .contains(&json!("admin")),
        "the server offers `admin`: {}",
        metadata.json()
    );
    let (consent, response) = ask_for_scope(&server, &server.client_id, USER, "mcp admin").await;
    assert!(consent.contains("<code>mcp</code>"), "{consent}");
    assert!(
        !consent.contains("<code>admin</code>"),
        "the consent page shows only what will be granted: {consent}"
    );
    let (scope, access, _) = granted(&response);
    assert_eq!(scope, "mcp");
    assert_eq!(claims(&access)["scope"], "mcp");
    assert!(!admin_report_runs(server.addr, &access).await);
}

#[tokio::test]
async fn a_scope_beyond_the_required_ones_needs_a_permission_of_its_name() {
    let server = fixture(|_| {}).await;
    let oauth = server.oauth();
    oauth
        .save_user("root", PASSWORD, &["admin".to_owned()])
        .await
        .expect("a user who may hold `admin`");
    let (consent, response) = ask_for_scope(&server, &server.client_id, "root", "mcp admin").await;
    assert!(consent.contains("<code>admin</code>"), "{consent}");
    let (scope, access, refresh_token) = granted(&response);
    assert_eq!(scope, "mcp admin");
    assert!(admin_report_runs(server.addr, &access).await);

    // Losing the permission loses the scope at the next refresh.
    oauth
        .save_user("root", PASSWORD, &[])
        .await
        .expect("the permission taken away");
    let refreshed = refresh(server.addr, &server.client_id, &refresh_token).await;
    let (scope, access, _) = granted(&refreshed);
    assert_eq!(scope, "mcp");
    assert!(!admin_report_runs(server.addr, &access).await);
}

#[tokio::test]
async fn a_consent_page_left_open_grants_only_what_the_user_still_holds() {
    let server = fixture(|_| {}).await;
    let oauth = server.oauth();
    oauth
        .save_user("root", PASSWORD, &["admin".to_owned()])
        .await
        .expect("a user who may hold `admin`");
    let request = Authorization::new(&server.client_id);
    let path = request
        .path()
        .replace("scope=mcp", &format!("scope={}", percent("mcp admin")));
    let mut browser = Browser::new(server.addr);
    let consent = browser.open_as(&path, "root").await;
    assert!(page(&consent).contains("<code>admin</code>"));
    // Taken away while the page is open; the session survives only because a host
    // application's users keep theirs, so this one signs in again.
    let (request_id, csrf) = consent_form(&consent);
    oauth
        .save_user("root", PASSWORD, &[])
        .await
        .expect("the permission taken away");
    browser.sign_in("root").await;
    let answered = browser
        .post(
            "/oauth/authorize",
            &[
                ("request_id", &request_id),
                ("csrf_token", &csrf),
                ("decision", "allow"),
            ],
        )
        .await;
    let code = request.code(&answered, &server.issuer());
    let (scope, _, _) = granted(&exchange(server.addr, &request, &code).await);
    assert_eq!(scope, "mcp");
}
#[tokio::test]
async fn the_application_decides_who_may_hold_a_scope_in_code() {
    let dir = TempDir::new();
    let listener = listen().await;
    let settings = oauth_settings(&listener, &dir.sqlite_url());
    let server =
        serve_built(
            listener,
            Server::builder().settings(settings).oauth_scope_policy(
                |user: &Principal, scope: &str| scope == "admin" && user.subject == ADMIN,
            ),
        );
    let oauth = server.oauth();
    oauth
        .save_user(USER, PASSWORD, &["admin".to_owned()])
        .await
        .expect("a user");
    oauth
        .save_user(ADMIN, PASSWORD, &[])
        .await
        .expect("an admin");
    let (client, _) = oauth
        .ensure_client(CLIENT_NAME, &[REDIRECT.to_owned()], false)
        .await
        .expect("a client");

    // The policy replaces the permission rule: a permission named `admin` is not enough...
    let (_, response) = ask_for_scope(&server, &client.client_id, USER, "mcp admin").await;
    assert_eq!(granted(&response).0, "mcp");
    // ...and the required scopes are everyone's, whatever the policy says.
    let (_, response) = ask_for_scope(&server, &client.client_id, ADMIN, "mcp admin").await;
    let (scope, access, _) = granted(&response);
    assert_eq!(scope, "mcp admin");
    assert!(admin_report_runs(server.addr, &access).await);
}

#[tokio::test]
async fn a_remembered_consent_is_not_reused_for_a_loopback_redirect_of_the_same_client() {
    let server = fixture(|_| {}).await;
    let native = "http://127.0.0.1/callback";
    let (client, _) = server
        .oauth()
        .ensure_client(
            "Web and Native",
            &[REDIRECT.to_owned(), native.to_owned()],
            false,
        )
        .await
        .expect("a client");
    let mut browser = Browser::new(server.addr);
    // Allowed once through the https redirect: remembered for it.
    let web = Authorization::new(&client.client_id);
    let consent = browser.open_as(&web.path(), USER).await;
    let answered = browser.decide(&consent, "allow", &[]).await;
    web.code(&answered, &server.issuer());
    let again = Authorization::new(&client.client_id);
    let straight = browser.get(&again.path()).await;
    again.code(&straight, &server.issuer());

    // A code for a loopback port, where any local program could listen, is asked again.
    let local =
        Authorization::new(&client.client_id).redirect_uri("http://127.0.0.1:40123/callback");
    let asked = browser.get(&local.path()).await;
    assert_eq!(
        asked.status,
        200,
        "the consent page, not a redirect: {}",
        page(&asked)
    );
    assert!(page(&asked).contains("Authorize"), "{}", page(&asked));
}

#[tokio::test]
async fn wrong_passwords_sent_at_once_are_counted_before_any_is_checked() {
    let server = fixture(|_| {}).await;
    let mut browser = Browser::new(server.addr);
    let form_page = browser.get("/oauth/login").await;
    let csrf = input_value(&form_page, "csrf_token").expect("a csrf_token field");
    let cookies = browser.cookies.clone();
    // Twenty guesses in flight together: only the ten allowed reach a password check.
    let guesses = (0..20).map(|n| {
        let mut browser = Browser::new(server.addr);
        browser.cookies = cookies.clone();
        let csrf = csrf.clone();
        async move {
            let password = format!("guess number {n}");
            let fields = [
                ("username", USER),
                ("password", password.as_str()),
                ("next", "/oauth/connector"),
                ("csrf_token", csrf.as_str()),
            ];
            browser.post("/oauth/login", &fields).await.status
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|&&s| s == 401).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!((checked, refused), (10, 10), "{statuses:?}");
}

// ---------------------------------------------------------------------------------------------
// Grants end with the credentials they came from.

#[tokio::test]
async fn a_new_password_ends_refresh_tokens_and_remembered_consents() {
    let server = fixture(|_| {}).await;
    let (_, _, refresh_token) = grant(&server, &server.client_id).await;
    server
        .oauth()
        .save_user(USER, "a brand new password", &[])
        .await
        .expect("saved");
    let refused = refresh(server.addr, &server.client_id, &refresh_token).await;
    assert_token_error(&refused, "invalid_grant", "revoked");
    // The consent is asked again.
    let request = Authorization::new(&server.client_id);
    let mut browser = Browser::new(server.addr);
    let response = browser.get(&request.path()).await;
    let login = location(&response).expect("to the login").to_owned();
    let form_page = browser.get(&login).await;
    let csrf = input_value(&form_page, "csrf_token").expect("a csrf_token field");
    let next = input_value(&form_page, "next").expect("a next field");
    let fields = [
        ("username", USER),
        ("password", "a brand new password"),
        ("next", next.as_str()),
        ("csrf_token", csrf.as_str()),
    ];
    let signed_in = browser.post("/oauth/login", &fields).await;
    assert_eq!(signed_in.status, 303, "{}", page(&signed_in));
    let consent = browser.get(&request.path()).await;
    assert_eq!(
        consent.status,
        200,
        "the consent page again: {}",
        page(&consent)
    );
}

#[tokio::test]
async fn saving_the_same_password_with_new_permissions_keeps_the_grant() {
    let server = fixture(|_| {}).await;
    let (_, _, refresh_token) = grant(&server, &server.client_id).await;
    server
        .oauth()
        .save_user(USER, PASSWORD, &["notes.view_note".to_owned()])
        .await
        .expect("saved");
    tokens(&refresh(server.addr, &server.client_id, &refresh_token).await);
}

#[tokio::test]
async fn a_grant_ends_at_its_absolute_lifetime_however_often_it_is_refreshed() {
    let server = fixture(|settings| settings.oauth_server.grant_lifetime = 0).await;
    let (_, _, refresh_token) = grant(&server, &server.client_id).await;
    let refused = refresh(server.addr, &server.client_id, &refresh_token).await;
    assert_token_error(&refused, "invalid_grant", "sign in again");
}

#[tokio::test]
async fn revoke_grants_ends_every_grant_of_a_user() {
    let server = fixture(|_| {}).await;
    let (_, _, first) = grant(&server, &server.client_id).await;
    let (_, _, second) = grant(&server, &server.client_id).await;
    let revoked = server.oauth().revoke_grants(USER).await.expect("revoked");
    assert_eq!(revoked, 2);
    for refresh_token in [first, second] {
        let refused = refresh(server.addr, &server.client_id, &refresh_token).await;
        assert_token_error(&refused, "invalid_grant", "revoked");
    }
}

/// The host application's login, whose users can be removed while they hold grants.
struct Directory {
    removed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl UserSource for Directory {
    fn user<'a>(
        &'a self,
        _request: &'a axum::http::request::Parts,
    ) -> futures_util::future::BoxFuture<'a, Option<Principal>> {
        Box::pin(async { Some(Principal::new("dora")) })
    }

    fn find<'a>(
        &'a self,
        subject: &'a str,
    ) -> futures_util::future::BoxFuture<'a, Option<Principal>> {
        let removed = self.removed.load(Ordering::SeqCst);
        Box::pin(async move {
            (!removed && subject == "dora")
                .then(|| Principal::new("dora").with_permissions(["reports.view"]))
        })
    }

    fn login_url(&self, next: &str) -> String {
        format!("/accounts/login/?next={}", percent(next))
    }
}

#[tokio::test]
async fn a_host_applications_user_is_read_again_at_each_refresh() {
    let dir = TempDir::new();
    let listener = listen().await;
    let settings = oauth_settings(&listener, &dir.sqlite_url());
    let removed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let users = Directory {
        removed: removed.clone(),
    };
    let server = serve_built(
        listener,
        Server::builder().settings(settings).oauth_users(users),
    );
    let (client, _) = server
        .oauth()
        .ensure_client(CLIENT_NAME, &[REDIRECT.to_owned()], true)
        .await
        .expect("a client");
    let request = Authorization::new(&client.client_id);
    let answered = Browser::new(server.addr).get(&request.path()).await;
    let code = request.code(&answered, &server.issuer());
    let (_, refresh_token) = tokens(&exchange(server.addr, &request, &code).await);

    let refreshed = refresh(server.addr, &client.client_id, &refresh_token).await;
    let (access, refresh_token) = tokens(&refreshed);
    assert_eq!(claims(&access)["permissions"], "reports.view");
    removed.store(true, Ordering::SeqCst);
    let refused = refresh(server.addr, &client.client_id, &refresh_token).await;
    assert_token_error(&refused, "invalid_grant", "no longer exists");
}

#[tokio::test]
async fn junk_registrations_do_not_use_up_the_limit() {
    let server = fixture(|settings| {
        settings.oauth_server.dynamic_registration = true;
        settings.oauth_server.registrations_per_minute = 2;
    })
    .await;
    for junk in [
        json!({"redirect_uris": []}),
        json!({"redirect_uris": ["http://evil.example/x"]}),
        json!([1, 2]),
    ] {
        assert_eq!(register(server.addr, junk).await.status, 400);
    }
    let metadata = json!({"redirect_uris": [REDIRECT]});
    for _ in 0..2 {
        let response = register(server.addr, metadata.clone()).await;
        assert_eq!(response.status, 201, "{}", response.json());
    }
}

#[tokio::test]
async fn registered_clients_that_never_finish_a_flow_are_swept_after_a_day() {
    let server = fixture(|settings| settings.oauth_server.dynamic_registration = true).await;
    let unused = register(server.addr, json!({"redirect_uris": [REDIRECT]}))
        .await
        .json();
    let used = register(server.addr, json!({"redirect_uris": [REDIRECT]}))
        .await
        .json();
    let used_id = used["client_id"].as_str().unwrap();
    grant(&server, used_id).await;
    let oauth = server.oauth();
    let a_day_later = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 86_400
        + 60;
    oauth.sweep_as_of(a_day_later).await.expect("swept");
    let left: Vec<String> = oauth
        .clients()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.client_id)
        .collect();
    assert!(
        !left.contains(&unused["client_id"].as_str().unwrap().to_owned()),
        "{left:?}"
    );
    assert!(left.contains(&used_id.to_owned()), "{left:?}");
    assert!(
        left.contains(&server.client_id),
        "a command's client stays: {left:?}"
    );
}
