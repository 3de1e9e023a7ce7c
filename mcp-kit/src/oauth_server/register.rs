//! Dynamic client registration (RFC 7591), when `dynamic_registration` is on. Only public
//! clients are registered: they authenticate with PKCE, not a secret.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::clients::{self, ClientOrigin, NewClient, check_redirect_uri};
use super::secret::now;
use super::{AuthorizationServer, token::server_error};
use crate::ratelimit::{Rate, RateLimiter as _, Refusal};

/// The registration fields read; others are ignored, as RFC 7591 allows.
#[derive(Deserialize)]
pub(super) struct Metadata {
    #[serde(default)]
    redirect_uris: Vec<String>,
    client_name: Option<String>,
    token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
}

fn too_many(refusal: Refusal) -> Response {
    let wait = match refusal {
        Refusal::Wait(wait) => wait.as_secs().max(1),
        Refusal::Unavailable(_) => 60,
    };
    let body = json!({
        "error": "temporarily_unavailable",
        "error_description": format!("too many registrations; try again in {wait} s"),
    });
    let retry_after = [(axum::http::header::RETRY_AFTER, wait.to_string())];
    (StatusCode::TOO_MANY_REQUESTS, retry_after, axum::Json(body)).into_response()
}

fn invalid(error: &str, description: String) -> Response {
    let body = json!({"error": error, "error_description": description});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// `POST /oauth/register`.
pub(super) async fn register(
    State(server): State<Arc<AuthorizationServer>>,
    body: Result<axum::Json<Metadata>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let metadata = match body {
        Ok(axum::Json(metadata)) => metadata,
        Err(rejection) => {
            return invalid("invalid_client_metadata", rejection.body_text());
        }
    };
    if metadata.redirect_uris.is_empty() {
        return invalid("invalid_redirect_uri", "redirect_uris is empty".into());
    }
    for uri in &metadata.redirect_uris {
        if let Err(problem) = check_redirect_uri(uri) {
            return invalid("invalid_redirect_uri", problem);
        }
    }
    let method = metadata
        .token_endpoint_auth_method
        .as_deref()
        .unwrap_or("none");
    if method != "none" {
        return invalid(
            "invalid_client_metadata",
            format!(
                "token_endpoint_auth_method `{method}` is not supported; public clients use `none`"
            ),
        );
    }
    let grant_types = metadata
        .grant_types
        .unwrap_or_else(|| vec!["authorization_code".into(), "refresh_token".into()]);
    if let Some(other) = grant_types
        .iter()
        .find(|g| !matches!(g.as_str(), "authorization_code" | "refresh_token"))
    {
        return invalid(
            "invalid_client_metadata",
            format!("grant type `{other}` is not supported"),
        );
    }
    let response_types = metadata
        .response_types
        .unwrap_or_else(|| vec!["code".into()]);
    if response_types.iter().any(|r| r != "code") {
        return invalid(
            "invalid_client_metadata",
            "only the response type `code` is supported".into(),
        );
    }
    let name = metadata
        .client_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Unnamed client".into());
    // Only a registration that would be made counts, so junk cannot use up the limit.
    let rate = Rate::per_seconds(server.settings.registrations_per_minute, 60);
    if let Err(refusal) = server.registrations.acquire("register", rate).await {
        return too_many(refusal);
    }
    let new = NewClient {
        name: name.trim(),
        redirect_uris: &metadata.redirect_uris,
        skip_consent: false,
        origin: ClientOrigin::Registered,
    };
    let created = match server.store.db().await {
        Ok(db) => clients::create(db, &new).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(client) => {
            tracing::info!(client_id = %client.client_id, name = %client.name, "registered a client");
            let body = json!({
                "client_id": client.client_id,
                "client_id_issued_at": now(),
                "client_name": client.name,
                "redirect_uris": client.redirect_uris,
                "grant_types": grant_types,
                "response_types": response_types,
                "token_endpoint_auth_method": "none",
            });
            (StatusCode::CREATED, axum::Json(body)).into_response()
        }
        Err(error) => server_error(&error),
    }
}
