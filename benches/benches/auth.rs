//! What authenticating one request costs: a static token (SHA-256 and constant-time compares)
//! against a JWT seen for the first time (signature, claims; the JWKS key already fetched from
//! loopback) and a JWT seen before (the verdict cache).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mcp_kit::auth::{
    Authenticator, JwtAuthenticator, JwtConfig, StaticToken, StaticTokens, sha256_hex,
};
use serde_json::json;

const ISSUER: &str = "https://issuer.example";
const AUDIENCE: &str = "https://mcp.example/mcp";

fn key_and_jwk(key: EncodingKey, algorithm: Algorithm, kid: &str) -> (EncodingKey, Jwk) {
    let mut jwk = Jwk::from_encoding_key(&key, algorithm).unwrap();
    jwk.common.key_id = Some(kid.into());
    (key, jwk)
}

/// A fresh token each call (its `jti` differs), so no verdict is cached for it.
fn token(key: &EncodingKey, algorithm: Algorithm, kid: &str) -> String {
    static NONCE: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "scope": "mcp",
                        "exp": now + 3600, "nbf": now - 10,
                        "jti": NONCE.fetch_add(1, Ordering::Relaxed)});
    let mut header = Header::new(algorithm);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, &claims, key).unwrap()
}

fn authenticate(c: &mut Criterion) {
    use p256::pkcs8::EncodePrivateKey as _;
    use rsa::pkcs1::EncodeRsaPrivateKey as _;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut rng = rand::rngs::OsRng;
    let ec_der = p256::SecretKey::random(&mut rng).to_pkcs8_der().unwrap();
    let (ec, ec_jwk) = key_and_jwk(
        EncodingKey::from_ec_der(ec_der.as_bytes()),
        Algorithm::ES256,
        "ec",
    );
    let rsa_der = rsa::RsaPrivateKey::new(&mut rng, 2048)
        .unwrap()
        .to_pkcs1_der()
        .unwrap();
    let (rsa, rsa_jwk) = key_and_jwk(
        EncodingKey::from_rsa_der(rsa_der.as_bytes()),
        Algorithm::RS256,
        "rsa",
    );

    let jwks = serde_json::to_value(JwkSet {
        keys: vec![ec_jwk, rsa_jwk],
    })
    .unwrap();
    let addr = runtime.block_on(async {
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || async move { axum::Json(jwks) }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    });
    let jwt = JwtAuthenticator::new(JwtConfig {
        jwks_url: format!("http://{addr}/jwks"),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        algorithms: vec!["ES256".into(), "RS256".into()],
        leeway: Duration::from_secs(30),
        jwks_cache_ttl: Duration::from_secs(3600),
        jwks_min_refresh_interval: Duration::from_secs(30),
        require_access_token_type: false,
    })
    .unwrap();
    let tokens = StaticTokens::new(&[StaticToken {
        token_sha256: sha256_hex("static-secret"),
        subject: "alice".into(),
        scopes: vec!["mcp".into()],
        permissions: vec![],
    }])
    .unwrap();

    let es256 = token(&ec, Algorithm::ES256, "ec");
    assert!(
        runtime
            .block_on(jwt.authenticate(&token(&rsa, Algorithm::RS256, "rsa")))
            .unwrap()
            .is_some()
    );
    // Warm the key cache: the benchmark measures the per-request cost, not the fetch.
    assert!(
        runtime
            .block_on(jwt.authenticate(&es256))
            .unwrap()
            .is_some()
    );

    let mut group = c.benchmark_group("authenticate");
    group.bench_function("static_token", |b| {
        b.to_async(&runtime).iter(|| async {
            black_box(
                tokens
                    .authenticate(black_box("static-secret"))
                    .await
                    .unwrap(),
            )
        })
    });
    group.bench_function("jwt_cached", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(jwt.authenticate(black_box(&es256)).await.unwrap()) })
    });
    group.bench_function("jwt_es256_first", |b| {
        b.to_async(&runtime).iter_batched(
            || token(&ec, Algorithm::ES256, "ec"),
            |fresh| {
                let jwt = &jwt;
                async move { black_box(jwt.authenticate(&fresh).await.unwrap()) }
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("jwt_rs256_first", |b| {
        b.to_async(&runtime).iter_batched(
            || token(&rsa, Algorithm::RS256, "rsa"),
            |fresh| {
                let jwt = &jwt;
                async move { black_box(jwt.authenticate(&fresh).await.unwrap()) }
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, authenticate);
criterion_main!(benches);
