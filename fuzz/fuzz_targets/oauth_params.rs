//! The built-in authorization server's endpoints with any parameters: the token endpoint's
//! form, the authorization endpoint's query, the login form and dynamic registration's JSON,
//! over a real SQLite file. Each request is answered, never with a 5xx.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Method, Request, header};
use libfuzzer_sys::fuzz_target;
use mcp_kit::{CancellationToken, Server};
use tower::ServiceExt as _;

fn shared() -> &'static (tokio::runtime::Runtime, axum::Router) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, axum::Router)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let file = std::env::temp_dir().join(format!("mcp-kit-fuzz-oauth-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let mut settings = mcp_kit::Settings::default();
        settings.auth_backends = vec!["oauth_server".into()];
        settings.resource_server_url = Some("http://localhost/mcp".into());
        settings.oauth_server.enabled = true;
        settings.oauth_server.dynamic_registration = true;
        settings.oauth_server.registrations_per_minute = u32::MAX;
        settings.oauth_server.database_url = format!("sqlite://{}?mode=rwc", file.display());
        let server = Server::builder()
            .settings(settings)
            .build()
            .expect("the server builds");
        let router = runtime.block_on(async { server.router(CancellationToken::new()) });
        (runtime, router)
    })
}

fuzz_target!(|input: (u8, &[u8])| {
    let (endpoint, data) = input;
    let text = String::from_utf8_lossy(data);
    let form = "application/x-www-form-urlencoded";
    let (method, uri, content_type, body) = match endpoint % 4 {
        0 => (Method::POST, "/oauth/token".to_owned(), form, data.to_vec()),
        1 => {
            // As a query string: what the URI grammar allows through, the rest escaped.
            let query: String = text
                .chars()
                .map(|c| match c {
                    'a'..='z' | 'A'..='Z' | '0'..='9' | '&' | '=' | '%' | '-' | '_' | '.' | '~' => {
                        c.to_string()
                    }
                    other => format!("%{:02X}", other as u32 & 0xff),
                })
                .collect();
            (Method::GET, format!("/oauth/authorize?{query}"), form, Vec::new())
        }
        2 => (Method::POST, "/oauth/login".to_owned(), form, data.to_vec()),
        _ => (Method::POST, "/oauth/register".to_owned(), "application/json", data.to_vec()),
    };
    let Ok(request) = Request::builder()
        .method(method)
        .uri(&uri)
        .header(header::HOST, "localhost")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
    else {
        return;
    };
    let (runtime, router) = shared();
    let response = runtime
        .block_on(router.clone().oneshot(request))
        .expect("the router is infallible");
    assert!(
        !response.status().is_server_error(),
        "{} for {uri} {text:?}",
        response.status()
    );
});
