//! The built-in login page, for servers whose host application has no login of its own.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::AuthorizationServer;
use super::pages::{CSRF_REFUSED, csrf_ok, see_other};
use super::users;

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
    let values = context! { next, username, error };
    server
        .pages
        .form(&request.headers, status, "login.html", values)
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
    let again = |username: Option<&str>, error: &str, status: StatusCode| {
        page(&server, &request, next, username, Some(error), status)
    };
    if !csrf_ok(&server.pages, &request.headers, form.csrf_token.as_deref()) {
        return again(None, CSRF_REFUSED, StatusCode::FORBIDDEN);
    }
    let username = form.username.unwrap_or_default();
    let username = username.trim();
    let password = form.password.unwrap_or_default();
    let attempt = match server.throttle.reserve(username) {
        Ok(attempt) => attempt,
        Err(seconds) => {
            let minutes = seconds.div_ceil(60);
            let error = format!(
                "Too many failed sign-ins for this user. Try again in {minutes} minute(s)."
            );
            return again(Some(username), &error, StatusCode::TOO_MANY_REQUESTS);
        }
    };
    let checked = async {
        let db = server.store.db().await?;
        let user = {
            let _slot = server.throttle.hashing().await;
            users::check_password(db, username, &password).await?
        };
        match user {
            Some(user) => {
                let ttl = server.settings.session_ttl;
                users::start_session(db, &user.subject, ttl).await.map(Some)
            }
            None => Ok(None),
        }
    };
    match checked.await {
        Ok(Some(session)) => {
            attempt.succeeded();
            tracing::info!(user = %username, "signed in");
            let ttl = server.settings.session_ttl;
            let cookie = server.pages.session_cookie(&session, ttl);
            let mut response = see_other(next);
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Ok(None) => {
            // Counted when reserved. Not the username: people type their password there by mistake.
            tracing::info!("a sign-in failed");
            let error = "Wrong username or password.";
            again(Some(username), error, StatusCode::UNAUTHORIZED)
        }
        Err(error) => {
            attempt.uncounted();
            server.pages.internal(&error)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct SignOut {
    csrf_token: Option<String>,
}

/// `POST /oauth/logout`: ends the session, here and in the database.
pub(super) async fn logout(
    State(server): State<Arc<AuthorizationServer>>,
    request: Parts,
    Form(form): Form<SignOut>,
) -> Response {
    if !csrf_ok(&server.pages, &request.headers, form.csrf_token.as_deref()) {
        return server.pages.refused(CSRF_REFUSED);
    }
    let ended = async {
        let db = server.store.db().await?;
        users::end_session(db, &server.pages, &request).await
    };
    if let Err(error) = ended.await {
        return server.pages.internal(&error);
    }
    let mut response = see_other("/oauth/login");
    let expired = server.pages.session_cookie("", 0);
    response.headers_mut().append(header::SET_COOKIE, expired);
    response
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
