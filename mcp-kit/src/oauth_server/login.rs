//! The built-in login page, for servers whose host application has no login of its own.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::pages::{csrf_ok, see_other, with_cookie};
use super::users::{self, SESSION_COOKIE};
use super::{AuthorizationServer, authorize::internal};

/// Where a login goes when it names nowhere (or somewhere off this server).
const HOME: &str = "/oauth/connector";

#[derive(Deserialize)]
pub(super) struct Next {
    next: Option<String>,
}

/// `GET /oauth/login`.
pub(super) async fn form(
    State(server): State<Arc<AuthorizationServer>>,
    request: Parts,
    Query(query): Query<Next>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    page(&server, &request, next, None, None, StatusCode::OK)
}

fn page(
    server: &AuthorizationServer,
    request: &Parts,
    next: &str,
    username: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let (csrf_token, set_cookie) = server.pages.csrf(&request.headers);
    let response = server.pages.render(
        status,
        "login.html",
        context! { next, csrf_token, username, error },
    );
    with_cookie(response, set_cookie)
}

#[derive(Deserialize)]
pub(super) struct Credentials {
    username: Option<String>,
    password: Option<String>,
    next: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /oauth/login`.
pub(super) async fn submit(
    State(server): State<Arc<AuthorizationServer>>,
    request: Parts,
    Form(form): Form<Credentials>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    if !csrf_ok(&request.headers, form.csrf_token.as_deref()) {
        let message = "The form's CSRF token is missing or wrong. Reload the page and try again.";
        return page(
            &server,
            &request,
            next,
            None,
            Some(message),
            StatusCode::FORBIDDEN,
        );
    }
    let username = form.username.unwrap_or_default();
    let password = form.password.unwrap_or_default();
    let checked = async {
        let db = server.store.db().await?;
        match users::check_password(db, username.trim(), &password).await? {
            Some(user) => {
                let ttl = server.settings.session_ttl;
                users::start_session(db, &user.subject, ttl).await.map(Some)
            }
            None => Ok(None),
        }
    };
    match checked.await {
        Ok(Some(session)) => {
            tracing::info!(user = %username.trim(), "signed in");
            let cookie =
                server
                    .pages
                    .cookie(SESSION_COOKIE, &session, "Lax", server.settings.session_ttl);
            let mut response = see_other(next);
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Ok(None) => {
            tracing::info!(user = %username.trim(), "a sign-in failed");
            let error = "Wrong username or password.";
            let status = StatusCode::UNAUTHORIZED;
            page(
                &server,
                &request,
                next,
                Some(username.trim()),
                Some(error),
                status,
            )
        }
        Err(error) => internal(&server, &error),
    }
}

/// `next` when it is a path on this server, so the login cannot send anyone elsewhere.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.contains('\\')
                && !next.chars().any(char::is_control) =>
        {
            next
        }
        _ => HOME,
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(
            safe_next(Some("/oauth/authorize?x=1")),
            "/oauth/authorize?x=1"
        );
        for elsewhere in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "evil",
        ] {
            assert_eq!(
                safe_next(Some(elsewhere)),
                "/oauth/connector",
                "{elsewhere}"
            );
        }
        assert_eq!(safe_next(None), "/oauth/connector");
    }
}
