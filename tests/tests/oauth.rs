//! The OAuth resource-server backends over real HTTP: JWT access tokens checked against a JWKS
//! served on loopback, and opaque tokens checked by RFC 7662 introspection. Every bad token is
//! refused with the status the MCP authorization spec calls for, a provider that cannot be
//! reached fails closed, and no token ever shows in a response or a log line.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mcp_kit::Settings;
use mcp_kit::prelude::*;
use mcp_kit_tests::{Response, call_body, post_mcp_with, spawn};
use serde_json::{Value, json};

const ISSUER: &str = "https://issuer.example";
const RESOURCE: &str = "https://mcp.example/mcp";

/// Who is calling, and with which scopes.
#[tool(annotations(read_only))]
async fn who(principal: Principal) -> String {
    let scopes: Vec<&str> = principal.scopes.iter().map(String::as_str).collect();
    format!("{} [{}]", principal.subject, scopes.join(" "))
}

// ---------------------------------------------------------------------------------------------
// Keys, generated once per run.

struct Keys {
    rsa: EncodingKey,
    rsa_public_pem: String,
    rsa_jwk: Jwk,
    ec: EncodingKey,
    ec_jwk: Jwk,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        use p256::pkcs8::EncodePrivateKey as _;
        use rsa::pkcs1::{EncodeRsaPrivateKey as _, EncodeRsaPublicKey as _};

        let mut rng = rand::rngs::OsRng;
        let rsa_key = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("an RSA key");
        let rsa = EncodingKey::from_rsa_der(rsa_key.to_pkcs1_der().unwrap().as_bytes());
        let rsa_public_pem = rsa_key
            .to_public_key()
            .to_pkcs1_pem(Default::default())
            .unwrap();
        let ec_key = p256::SecretKey::random(&mut rng);
        let ec = EncodingKey::from_ec_der(ec_key.to_pkcs8_der().unwrap().as_bytes());
        Keys {
            rsa_jwk: jwk(&rsa, Algorithm::RS256, "rsa-1"),
            rsa,
            rsa_public_pem,
            ec_jwk: jwk(&ec, Algorithm::ES256, "ec-1"),
            ec,
        }
    })
}

fn jwk(key: &EncodingKey, algorithm: Algorithm, kid: &str) -> Jwk {
    let mut jwk = Jwk::from_encoding_key(key, algorithm).expect("a JWK");
    jwk.common.key_id = Some(kid.into());
    jwk
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Good claims for this resource, with `changes` merged in (`null` removes a claim).
fn claims(changes: Value) -> Value {
    let mut claims = json!({
        "iss": ISSUER, "aud": RESOURCE, "sub": "alice", "scope": "mcp notes:read",
        "iat": now(), "nbf": now() - 10, "exp": now() + 300,
    });
    for (key, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value.clone();
        }
    }
    claims
}

fn sign(algorithm: Algorithm, kid: Option<&str>, claims: &Value, key: &EncodingKey) -> String {
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("sign")
}

fn rs256(claims: &Value) -> String {
    sign(Algorithm::RS256, Some("rsa-1"), claims, &keys().rsa)
}

/// A JWT part.
fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// A JWT with the given header, the claims, and `signature` as its third part.
fn forged(header: Value, claims: &Value, signature: &str) -> String {
    format!("{}.{}.{signature}", encode(&header), encode(claims))
}

// ---------------------------------------------------------------------------------------------
// The identity provider: a JWKS and an introspection endpoint on loopback.

#[derive(Clone, Default)]
struct Provider {
    jwks: Arc<Mutex<Value>>,
    jwks_fetches: Arc<AtomicUsize>,
    /// Introspection answers by token; unknown tokens are inactive.
    answers: Arc<Mutex<HashMap<String, Value>>>,
    introspections: Arc<AtomicUsize>,
    /// While held, introspection answers wait for it to be released.
    gate: Arc<tokio::sync::RwLock<()>>,
}

const INTROSPECTION_CLIENT: (&str, &str) = ("mcp-server", "introspection-password");

async fn serve_jwks(State(provider): State<Provider>) -> axum::Json<Value> {
    provider.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    axum::Json(provider.jwks.lock().unwrap().clone())
}

async fn introspect(
    State(provider): State<Provider>,
    headers: HeaderMap,
    body: String,
) -> Result<axum::Json<Value>, StatusCode> {
    provider.introspections.fetch_add(1, Ordering::SeqCst);
    let _open = provider.gate.read().await;
    let (id, secret) = INTROSPECTION_CLIENT;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let token = body
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .ok_or(StatusCode::BAD_REQUEST)?;
    let answer = provider.answers.lock().unwrap().get(token).cloned();
    Ok(axum::Json(answer.unwrap_or(json!({"active": false}))))
}

impl Provider {
    async fn start(keys: Vec<Jwk>) -> (Self, SocketAddr) {
        let provider = Provider::default();
        *provider.jwks.lock().unwrap() = serde_json::to_value(JwkSet { keys }).unwrap();
        let app = axum::Router::new()
            .route("/jwks", axum::routing::get(serve_jwks))
            .route("/introspect", axum::routing::post(introspect))
            .with_state(provider.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (provider, addr)
    }
}

/// An address nothing listens on.
async fn closed_port() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

fn oauth_settings(backend: &str) -> Settings {
    let mut settings = Settings::default();
    settings.auth_backends = vec![backend.into()];
    settings.oauth_issuer_url = Some(ISSUER.into());
    settings.resource_server_url = Some(RESOURCE.into());
    settings
}

fn jwt_settings(jwks: SocketAddr, min_refresh_interval: u64) -> Settings {
    let mut settings = oauth_settings("jwt");
    settings.auth.jwt.jwks_url = Some(format!("http://{jwks}/jwks"));
    settings.auth.jwt.jwks_min_refresh_interval = min_refresh_interval;
    settings
}

fn introspection_settings(provider: SocketAddr, secret: &str) -> Settings {
    let mut settings = oauth_settings("introspection");
    settings.auth.introspection.url = Some(format!("http://{provider}/introspect"));
    settings.auth.introspection.client_id = Some(INTROSPECTION_CLIENT.0.into());
    settings.auth.introspection.client_secret = Some(secret.into());
    settings
}

async fn start(settings: Settings) -> mcp_kit_tests::TestServer {
    capture_logs();
    spawn(
        Server::builder()
            .settings(settings)
            .build()
            .expect("builds"),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Calls, and the checks every answer gets.

async fn call_with(addr: SocketAddr, token: &str) -> Response {
    let auth = format!("Bearer {token}");
    let response = post_mcp_with(
        addr,
        &[("authorization", &auth)],
        call_body("who", json!({})),
    )
    .await;
    assert_not_leaked(token, &response);
    response
}

/// The status and, for refusals, the `error` of the `WWW-Authenticate` challenge.
fn verdict(response: &Response) -> (u16, String) {
    let challenge = response.header("www-authenticate").unwrap_or_default();
    let error = challenge
        .split(", ")
        .find_map(|part| part.strip_prefix("error=\""))
        .map(|e| e.trim_end_matches('"').to_owned())
        .unwrap_or_default();
    (response.status, error)
}

fn caller(response: &Response) -> String {
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["result"]["content"][0]["text"]
        .as_str()
        .expect("text")
        .to_owned()
}

fn assert_not_leaked(token: &str, response: &Response) {
    let all = format!(
        "{:?}{}",
        response.headers,
        String::from_utf8_lossy(&response.body)
    );
    assert!(
        !all.contains(token),
        "the token leaked into the response: {all}"
    );
    let logs = String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned();
    assert!(!logs.contains(token), "the token leaked into the logs");
}

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends every log line of every level to [`LOGS`].
fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_env_filter("trace")
            .with_ansi(false)
            .with_writer(|| LogWriter)
            .init();
    });
}

fn logs_contain(text: &str) -> bool {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).contains(text)
}

// ---------------------------------------------------------------------------------------------
// JWT

#[tokio::test]
async fn good_jwts_are_accepted_with_their_scopes() {
    let keys = keys();
    let (_, jwks) = Provider::start(vec![keys.rsa_jwk.clone(), keys.ec_jwk.clone()]).await;
    let server = start(jwt_settings(jwks, 30)).await;

    let token = rs256(&claims(json!({})));
    assert_eq!(
        caller(&call_with(server.addr, &token).await),
        "alice [mcp notes:read]"
    );

    // ES256, `scp` as a list, `aud` as a list naming this resource among others.
    let ec = sign(
        Algorithm::ES256,
        Some("ec-1"),
        &claims(json!({"sub": "bob", "scope": null, "scp": ["mcp"], "aud": ["other", RESOURCE]})),
        &keys.ec,
    );
    assert_eq!(caller(&call_with(server.addr, &ec).await), "bob [mcp]");

    // No `kid`: the one key of the algorithm's family is used.
    let no_kid = sign(Algorithm::RS256, None, &claims(json!({})), &keys.rsa);
    assert_eq!(
        caller(&call_with(server.addr, &no_kid).await),
        "alice [mcp notes:read]"
    );

    // Expired by less than the leeway.
    let late = rs256(&claims(json!({"exp": now() - 5})));
    assert_eq!(
        caller(&call_with(server.addr, &late).await),
        "alice [mcp notes:read]"
    );
}

#[tokio::test]
async fn bad_jwts_are_refused_with_the_spec_status() {
    let keys = keys();
    let (_, jwks) = Provider::start(vec![keys.rsa_jwk.clone(), keys.ec_jwk.clone()]).await;
    let server = start(jwt_settings(jwks, 3600)).await;
    let good = claims(json!({}));
    let valid = rs256(&good);
    let (head, rest) = valid.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();

    let invalid = (401, "invalid_token".to_owned());
    let cases: Vec<(&str, String, (u16, String))> = vec![
        ("not a JWT", "abc.def.ghi".into(), invalid.clone()),
        ("three dots of nothing", "..".into(), invalid.clone()),
        (
            "payload changed after signing",
            format!(
                "{head}.{}.{signature}",
                encode(&claims(json!({"sub": "mallory"})))
            ),
            invalid.clone(),
        ),
        (
            "signature of another token",
            format!(
                "{}.{signature}",
                rs256(&claims(json!({"sub": "x"})))
                    .rsplit_once('.')
                    .unwrap()
                    .0
            ),
            invalid.clone(),
        ),
        (
            "alg none",
            forged(json!({"alg": "none", "typ": "JWT"}), &good, ""),
            invalid.clone(),
        ),
        (
            "HS256 keyed with the RSA public key",
            sign(
                Algorithm::HS256,
                Some("rsa-1"),
                &good,
                &EncodingKey::from_secret(keys.rsa_public_pem.as_bytes()),
            ),
            invalid.clone(),
        ),
        (
            "RS256 header on the EC key",
            sign(Algorithm::RS256, Some("ec-1"), &good, &keys.rsa),
            invalid.clone(),
        ),
        (
            "unknown kid",
            sign(Algorithm::RS256, Some("rsa-9"), &good, &keys.rsa),
            invalid.clone(),
        ),
        (
            "expired",
            rs256(&claims(json!({"exp": now() - 120}))),
            invalid.clone(),
        ),
        (
            "not yet valid",
            rs256(&claims(json!({"nbf": now() + 600}))),
            invalid.clone(),
        ),
        (
            "no expiry",
            rs256(&claims(json!({"exp": null}))),
            invalid.clone(),
        ),
        (
            "wrong issuer",
            rs256(&claims(json!({"iss": "https://evil.example"}))),
            invalid.clone(),
        ),
        (
            "wrong audience",
            rs256(&claims(json!({"aud": "https://other.example/mcp"}))),
            invalid.clone(),
        ),
        (
            "no audience",
            rs256(&claims(json!({"aud": null}))),
            invalid.clone(),
        ),
        (
            "no subject",
            rs256(&claims(json!({"sub": null}))),
            invalid.clone(),
        ),
        (
            "missing the required scope",
            rs256(&claims(json!({"scope": "notes:read"}))),
            (403, "insufficient_scope".to_owned()),
        ),
    ];
    for (case, token, expected) in cases {
        let response = call_with(server.addr, &token).await;
        assert_eq!(
            verdict(&response),
            expected,
            "{case}: {}",
            String::from_utf8_lossy(&response.body)
        );
    }
    assert!(logs_contain("JWT refused"), "refusals are logged");
}

#[tokio::test]
async fn rotated_keys_are_fetched_once_and_unknown_kids_do_not_hammer_the_provider() {
    let keys = keys();
    let (provider, jwks) = Provider::start(vec![keys.rsa_jwk.clone()]).await;

    // Refetching allowed at once: a key added after the first fetch is found.
    let eager = start(jwt_settings(jwks, 0)).await;
    assert_eq!(
        caller(&call_with(eager.addr, &rs256(&claims(json!({})))).await),
        "alice [mcp notes:read]"
    );
    assert_eq!(provider.jwks_fetches.load(Ordering::SeqCst), 1);
    provider.jwks.lock().unwrap()["keys"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::to_value(&keys.ec_jwk).unwrap());
    let ec = sign(Algorithm::ES256, Some("ec-1"), &claims(json!({})), &keys.ec);
    assert_eq!(
        caller(&call_with(eager.addr, &ec).await),
        "alice [mcp notes:read]"
    );
    assert_eq!(provider.jwks_fetches.load(Ordering::SeqCst), 2);
    // Known keys are served from the cache.
    for _ in 0..5 {
        assert_eq!(call_with(eager.addr, &ec).await.status, 200);
    }
    assert_eq!(provider.jwks_fetches.load(Ordering::SeqCst), 2);

    // Refetching spaced out: a flood of made-up kids costs the provider one fetch.
    let (provider, jwks) = Provider::start(vec![keys.rsa_jwk.clone()]).await;
    let careful = start(jwt_settings(jwks, 3600)).await;
    for n in 0..20 {
        let token = sign(
            Algorithm::RS256,
            Some(&format!("made-up-{n}")),
            &claims(json!({})),
            &keys.rsa,
        );
        assert_eq!(call_with(careful.addr, &token).await.status, 401);
    }
    assert_eq!(provider.jwks_fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unreachable_jwks_fails_closed() {
    let settings = jwt_settings(closed_port().await, 30);
    let server = start(settings).await;
    let token = rs256(&claims(json!({})));
    for _ in 0..3 {
        let response = call_with(server.addr, &token).await;
        assert_eq!(
            response.status,
            503,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        assert_eq!(response.json()["error"], "temporarily_unavailable");
    }
    assert!(logs_contain("authenticator failed; refusing the request"));
    assert!(logs_contain("/jwks"), "the log line names the JWKS");
}

#[test]
fn jwt_settings_are_checked_at_start_up() {
    let build = |settings: Settings| {
        Server::builder()
            .settings(settings)
            .build()
            .err()
            .map(|e| e.to_string())
    };
    let mut settings = oauth_settings("jwt");
    assert!(
        build(settings.clone())
            .unwrap()
            .contains("auth.jwt.jwks_url")
    );
    settings.auth.jwt.jwks_url = Some("http://127.0.0.1:1/jwks".into());
    settings.resource_server_url = None;
    assert!(
        build(settings.clone())
            .unwrap()
            .contains("resource_server_url")
    );
    settings.resource_server_url = Some(RESOURCE.into());
    settings.auth.jwt.algorithms = vec!["HS256".into()];
    assert!(build(settings.clone()).unwrap().contains("shared secret"));
    settings.auth.jwt.algorithms = vec!["RS999".into()];
    assert!(build(settings.clone()).unwrap().contains("`RS999`"));
    settings.auth.jwt.algorithms = vec!["ES256".into()];
    assert_eq!(build(settings), None);
}

// ---------------------------------------------------------------------------------------------
// Introspection

fn active(changes: Value) -> Value {
    let mut answer = claims(changes);
    answer["active"] = json!(true);
    answer
}

#[tokio::test]
async fn introspected_tokens_are_accepted_and_cached() {
    let (provider, addr) = Provider::start(vec![]).await;
    provider
        .answers
        .lock()
        .unwrap()
        .insert("opaque-good".into(), active(json!({"sub": "carol"})));
    let server = start(introspection_settings(addr, INTROSPECTION_CLIENT.1)).await;
    for _ in 0..3 {
        assert_eq!(
            caller(&call_with(server.addr, "opaque-good").await),
            "carol [mcp notes:read]"
        );
    }
    assert_eq!(
        provider.introspections.load(Ordering::SeqCst),
        1,
        "answers are cached"
    );
}

#[tokio::test]
async fn bad_introspected_tokens_are_refused() {
    let (provider, addr) = Provider::start(vec![]).await;
    let answers = [
        (
            "opaque-inactive",
            json!({"active": false, "sub": "x", "aud": RESOURCE}),
        ),
        ("opaque-expired", active(json!({"exp": now() - 120}))),
        ("opaque-early", active(json!({"nbf": now() + 600}))),
        (
            "opaque-wrong-iss",
            active(json!({"iss": "https://evil.example"})),
        ),
        (
            "opaque-wrong-aud",
            active(json!({"aud": "https://other.example/mcp"})),
        ),
        ("opaque-no-aud", active(json!({"aud": null}))),
        ("opaque-no-sub", active(json!({"sub": null}))),
    ];
    provider
        .answers
        .lock()
        .unwrap()
        .extend(answers.iter().map(|(t, a)| (t.to_string(), a.clone())));
    let server = start(introspection_settings(addr, INTROSPECTION_CLIENT.1)).await;
    for (token, _) in &answers {
        let response = call_with(server.addr, token).await;
        assert_eq!(verdict(&response), (401, "invalid_token".into()), "{token}");
    }
    let response = call_with(server.addr, "opaque-unknown").await;
    assert_eq!(verdict(&response), (401, "invalid_token".into()));
    provider
        .answers
        .lock()
        .unwrap()
        .insert("opaque-no-scope".into(), active(json!({"scope": "other"})));
    let response = call_with(server.addr, "opaque-no-scope").await;
    assert_eq!(verdict(&response), (403, "insufficient_scope".into()));
}

#[tokio::test]
async fn an_unusable_introspection_endpoint_fails_closed() {
    // Unreachable.
    let server = start(introspection_settings(
        closed_port().await,
        INTROSPECTION_CLIENT.1,
    ))
    .await;
    assert_eq!(call_with(server.addr, "opaque-whatever").await.status, 503);
    // Reachable, but refuses this server's client credentials.
    let (_, addr) = Provider::start(vec![]).await;
    let server = start(introspection_settings(addr, "wrong-password")).await;
    let response = call_with(server.addr, "opaque-whatever").await;
    assert_eq!(response.status, 503);
    assert!(logs_contain("introspection endpoint"));
    assert!(
        !logs_contain("wrong-password"),
        "the client secret stays out of the logs"
    );
}

#[tokio::test]
async fn static_tokens_and_jwts_share_one_chain() {
    let keys = keys();
    let (_, jwks) = Provider::start(vec![keys.rsa_jwk.clone()]).await;
    let mut settings = jwt_settings(jwks, 30);
    settings.auth_backends = vec!["jwt".into(), "static_bearer".into()];
    settings.auth.static_tokens = vec![mcp_kit::auth::StaticToken {
        token_sha256: mcp_kit::auth::sha256_hex("static-dave"),
        subject: "dave".into(),
        scopes: vec!["mcp".into()],
        permissions: vec![],
    }];
    let server = start(settings).await;
    assert_eq!(
        caller(&call_with(server.addr, "static-dave").await),
        "dave [mcp]"
    );
    assert_eq!(
        caller(&call_with(server.addr, &rs256(&claims(json!({})))).await),
        "alice [mcp notes:read]"
    );
    assert_eq!(call_with(server.addr, "static-nobody").await.status, 401);
}

#[tokio::test]
async fn concurrent_look_ups_of_one_token_share_one_introspection() {
    let (provider, addr) = Provider::start(vec![]).await;
    provider
        .answers
        .lock()
        .unwrap()
        .insert("opaque-shared".into(), active(json!({"sub": "carol"})));
    let server = start(introspection_settings(addr, INTROSPECTION_CLIENT.1)).await;
    let held = provider.gate.write().await;
    let calls: Vec<_> = (0..20)
        .map(|_| tokio::spawn(call_with(server.addr, "opaque-shared")))
        .collect();
    mcp_kit_tests::wait_for("the first introspection", async || {
        provider.introspections.load(Ordering::SeqCst) >= 1
    })
    .await;
    // Lets the other calls run up to their look-up before the answer comes, so that without
    // shared look-ups they would each ask; with them the count is one whatever the order.
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    drop(held);
    for call in calls {
        assert_eq!(caller(&call.await.unwrap()), "carol [mcp notes:read]");
    }
    assert_eq!(provider.introspections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn with_the_option_set_only_access_token_typed_jwts_are_accepted() {
    let keys = keys();
    let (_, jwks) = Provider::start(vec![keys.rsa_jwk.clone()]).await;
    let mut settings = jwt_settings(jwks, 30);
    settings.auth.jwt.require_access_token_type = true;
    let server = start(settings).await;
    // `typ: JWT`: an ID token or any other JWT the issuer signs, not an access token.
    let plain = rs256(&claims(json!({})));
    assert_eq!(
        verdict(&call_with(server.addr, &plain).await),
        (401, "invalid_token".into())
    );
    for typ in ["at+jwt", "application/at+jwt", "AT+JWT"] {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("rsa-1".into());
        header.typ = Some(typ.into());
        let token = jsonwebtoken::encode(&header, &claims(json!({})), &keys.rsa).unwrap();
        assert_eq!(
            caller(&call_with(server.addr, &token).await),
            "alice [mcp notes:read]",
            "{typ}"
        );
    }
}
