//! `/oauth/authorize`: checks an authorization request, has the user sign in and consent,
//! and sends the client back with a code.
//!
//! Until the client and its redirect URI are known to match, errors are shown to the user,
//! never redirected (RFC 6749 §4.1.2.1); after, they go back to the client.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::pages::see_other;
use super::secret::{digest, id, now, same, token};
use super::{
    AuthorizationServer, ClientOrigin, OAuthClient, OAuthError, clients, params, pkce, users,
};
use crate::auth::Principal;

/// How long the consent page stays valid.
const CONSENT_TTL: i64 = 600;

/// A checked authorization request.
pub(super) struct Grant {
    pub(super) client_id: String,
    pub(super) redirect_uri: String,
    pub(super) code_challenge: String,
    pub(super) scope: String,
    pub(super) resource: String,
    pub(super) state: Option<String>,
}

/// Where the answer to a request goes: the client's redirect URI with `state` and `iss`.
struct Reply<'a> {
    redirect_uri: &'a str,
    state: Option<&'a str>,
    issuer: &'a str,
}

impl Reply<'_> {
    fn send(&self, params: &[(&str, &str)]) -> Response {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(params);
        if let Some(state) = self.state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", self.issuer);
        let separator = if self.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        see_other(&format!(
            "{}{separator}{}",
            self.redirect_uri,
            query.finish()
        ))
    }

    fn error(&self, error: &str, description: &str) -> Response {
        self.send(&[("error", error), ("error_description", description)])
    }
}

/// `GET /oauth/authorize`.
pub(super) async fn start(
    State(server): State<Arc<AuthorizationServer>>,
    request: Parts,
) -> Response {
    match start_checked(&server, &request).await {
        Ok(response) => response,
        Err(error) => server.pages.internal(&error),
    }
}

async fn start_checked(
    server: &AuthorizationServer,
    request: &Parts,
) -> Result<Response, OAuthError> {
    let page = |message: &str| {
        server.pages.message(
            StatusCode::BAD_REQUEST,
            "This sign-in link does not work",
            message,
        )
    };
    let query = request.uri.query().unwrap_or("");
    let params = match params::single_valued(query.as_bytes()) {
        Ok(params) => params,
        Err(key) => {
            return Ok(page(&format!(
                "The parameter `{key}` is given more than once."
            )));
        }
    };
    let Some(client_id) = params.get("client_id") else {
        return Ok(page(
            "The request names no client (`client_id` is missing).",
        ));
    };
    let client = match server.client(client_id).await? {
        Ok(client) => client,
        Err(problem) => return Ok(page(&format!("{}.", capitalise(&problem)))),
    };
    let Some(redirect_uri) = params.get("redirect_uri") else {
        return Ok(page("The request has no `redirect_uri`."));
    };
    if !client.redirects_to(redirect_uri) {
        return Ok(page(&format!(
            "`{redirect_uri}` is not a redirect URI of the client `{}`.",
            client.name
        )));
    }
    let reply = Reply {
        redirect_uri,
        state: params.get("state").map(String::as_str),
        issuer: &server.issuer,
    };
    let asked = match check(server, &params) {
        Ok(asked) => asked,
        Err((error, description)) => return Ok(reply.error(error, &description)),
    };
    let Some(user) = server.user(request).await? else {
        let next = request
            .uri
            .path_and_query()
            .map_or("/oauth/authorize", |p| p.as_str());
        return Ok(see_other(&server.login_url(next)));
    };
    // The user approves their own request, so what the client asks for is narrowed to what
    // the user may hold before anything is shown or remembered.
    let grant = Grant {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        code_challenge: asked.code_challenge,
        scope: server.scopes.held_by(&user, &asked.scope),
        resource: asked.resource,
        state: params.get("state").cloned(),
    };
    let db = server.store.db().await?;
    // A consent is not reused for a code that goes to the user's machine: any local program
    // could be listening there, whatever other redirect URIs the client has.
    let remembered = !clients::is_local_redirect(&grant.redirect_uri)
        && consented(db, &user.subject, &grant).await?;
    if client.skip_consent || remembered {
        let code = issue_code(server, &user, &grant).await?;
        return Ok(reply.send(&[("code", &code)]));
    }
    consent_page(server, &client, &user, &grant).await
}

/// What a request asks for, once checked.
struct Asked {
    code_challenge: String,
    scope: String,
    resource: String,
}

/// The checks that, when they fail, are answered at the client's redirect URI.
fn check(
    server: &AuthorizationServer,
    params: &HashMap<String, String>,
) -> Result<Asked, (&'static str, String)> {
    let get = |key: &str| params.get(key).map(String::as_str);
    match get("response_type") {
        Some("code") => {}
        Some(other) => {
            return Err((
                "unsupported_response_type",
                format!("response_type `{other}` is not supported; use `code`"),
            ));
        }
        None => return Err(("invalid_request", "response_type is missing".into())),
    }
    let Some(challenge) = get("code_challenge") else {
        return Err((
            "invalid_request",
            "PKCE is required: code_challenge is missing".into(),
        ));
    };
    if get("code_challenge_method") != Some("S256") {
        return Err((
            "invalid_request",
            "code_challenge_method must be S256".into(),
        ));
    }
    if !pkce::well_formed(challenge) {
        return Err((
            "invalid_request",
            "code_challenge is not an S256 challenge".into(),
        ));
    }
    let resource = match get("resource") {
        None => server.resource.clone(),
        Some(resource) if same_resource(resource, &server.resource) => server.resource.clone(),
        Some(resource) => {
            return Err((
                "invalid_target",
                format!(
                    "tokens are issued only for {}, not {resource}",
                    server.resource
                ),
            ));
        }
    };
    Ok(Asked {
        code_challenge: challenge.to_owned(),
        scope: server.scopes.asked(get("scope").unwrap_or_default()),
        resource,
    })
}

/// RFC 8707 resources compare as URIs; a trailing slash is not a different resource.
pub(super) fn same_resource(given: &str, ours: &str) -> bool {
    given.trim_end_matches('/') == ours.trim_end_matches('/')
}

/// Whether `subject` already allowed the client every scope asked for.
async fn consented(db: &sqlx::AnyPool, subject: &str, grant: &Grant) -> Result<bool, OAuthError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT scope FROM mcp_oauth_consents WHERE subject = $1 AND client_id = $2",
    )
    .bind(subject)
    .bind(&grant.client_id)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some_and(|(granted,)| {
        let granted: Vec<&str> = granted.split_whitespace().collect();
        grant.scope.split_whitespace().all(|s| granted.contains(&s))
    }))
}

/// Keeps the request server-side and shows the consent page; the form carries only the
/// request's id and its CSRF token.
async fn consent_page(
    server: &AuthorizationServer,
    client: &OAuthClient,
    user: &Principal,
    grant: &Grant,
) -> Result<Response, OAuthError> {
    let (request_id, csrf_token) = (token(), token());
    sqlx::query(
        "INSERT INTO mcp_oauth_requests (request_hash, csrf_hash, subject, permissions, client_id,
            redirect_uri, code_challenge, scope, resource, state, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(digest(&request_id))
    .bind(digest(&csrf_token))
    .bind(&user.subject)
    .bind(users::permissions_text(user))
    .bind(&grant.client_id)
    .bind(&grant.redirect_uri)
    .bind(&grant.code_challenge)
    .bind(&grant.scope)
    .bind(&grant.resource)
    .bind(grant.state.as_deref())
    .bind(now() + CONSENT_TTL)
    .execute(server.store.db().await?)
    .await?;
    let redirect_host = url::Url::parse(&grant.redirect_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| grant.redirect_uri.clone());
    let scopes: Vec<&str> = grant.scope.split_whitespace().collect();
    // A client that names itself is shown with where it lives, or as unverified.
    let client_host = (client.origin == ClientOrigin::MetadataDocument)
        .then(|| {
            url::Url::parse(&client.client_id)
                .ok()?
                .host_str()
                .map(str::to_owned)
        })
        .flatten();
    let unverified = client.origin == ClientOrigin::Registered;
    Ok(server.pages.render(
        StatusCode::OK,
        "consent.html",
        context! {
            client_name => client.name,
            redirect_host,
            scopes,
            user => user.subject,
            client_host,
            unverified,
            request_id,
            csrf_token,
        },
    ))
}

/// The consent form.
#[derive(Deserialize)]
pub(super) struct Decision {
    request_id: Option<String>,
    csrf_token: Option<String>,
    decision: Option<String>,
}

/// `POST /oauth/authorize`: the user's answer on the consent page.
pub(super) async fn decide(
    State(server): State<Arc<AuthorizationServer>>,
    request: Parts,
    Form(form): Form<Decision>,
) -> Response {
    match decide_checked(&server, &request, form).await {
        Ok(response) => response,
        Err(error) => server.pages.internal(&error),
    }
}

/// A consent page's request, as stored.
#[derive(sqlx::FromRow)]
struct Pending {
    csrf_hash: String,
    subject: String,
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    scope: String,
    resource: String,
    state: Option<String>,
}

async fn decide_checked(
    server: &AuthorizationServer,
    request: &Parts,
    form: Decision,
) -> Result<Response, OAuthError> {
    let refuse = |message: &str| server.pages.refused(message);
    let (Some(request_id), Some(csrf_token)) = (form.request_id, form.csrf_token) else {
        return Ok(refuse("The form is missing its request id or CSRF token."));
    };
    let db = server.store.db().await?;
    let row: Option<Pending> = sqlx::query_as(
        "SELECT csrf_hash, subject, client_id, redirect_uri, code_challenge, scope,
                resource, state
         FROM mcp_oauth_requests WHERE request_hash = $1 AND expires_at > $2",
    )
    .bind(digest(&request_id))
    .bind(now())
    .fetch_optional(db)
    .await?;
    let Some(pending) = row else {
        return Ok(refuse(
            "This consent page has expired or was already answered. Start again from the application.",
        ));
    };
    if !same(&digest(&csrf_token), &pending.csrf_hash) {
        return Ok(refuse("The form's CSRF token is wrong."));
    }
    let user = match server.user(request).await? {
        Some(user) if user.subject == pending.subject => user,
        _ => {
            return Ok(refuse(
                "You are not signed in as the user this page was shown to.",
            ));
        }
    };
    // Answered once: a second submission finds nothing.
    let taken = sqlx::query("DELETE FROM mcp_oauth_requests WHERE request_hash = $1")
        .bind(digest(&request_id))
        .execute(db)
        .await?
        .rows_affected();
    if taken == 0 {
        return Ok(refuse("This consent page was already answered."));
    }
    // The client may have been revoked, or lost this redirect URI, while the page was open.
    match server.client(&pending.client_id).await? {
        Ok(client) if client.redirects_to(&pending.redirect_uri) => {}
        _ => {
            return Ok(refuse(
                "The client changed while this page was open. Start again from the application.",
            ));
        }
    }
    let reply = Reply {
        redirect_uri: &pending.redirect_uri,
        state: pending.state.as_deref(),
        issuer: &server.issuer,
    };
    if form.decision.as_deref() != Some("allow") {
        return Ok(reply.error("access_denied", "the user denied the request"));
    }
    // The user as they are now: a permission taken away while the page was open is gone
    // from the grant too.
    let grant = Grant {
        client_id: pending.client_id.clone(),
        redirect_uri: pending.redirect_uri.clone(),
        code_challenge: pending.code_challenge.clone(),
        scope: server.scopes.held_by(&user, &pending.scope),
        resource: pending.resource.clone(),
        state: pending.state.clone(),
    };
    remember_consent(db, &pending.subject, &grant).await?;
    let code = issue_code(server, &user, &grant).await?;
    Ok(reply.send(&[("code", &code)]))
}

async fn remember_consent(
    db: &sqlx::AnyPool,
    subject: &str,
    grant: &Grant,
) -> Result<(), OAuthError> {
    sqlx::query(
        "INSERT INTO mcp_oauth_consents (subject, client_id, scope, granted_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (subject, client_id)
         DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at",
    )
    .bind(subject)
    .bind(&grant.client_id)
    .bind(&grant.scope)
    .bind(now())
    .execute(db)
    .await?;
    Ok(())
}

/// A single-use code for `grant`, valid for `code_ttl` seconds.
async fn issue_code(
    server: &AuthorizationServer,
    user: &Principal,
    grant: &Grant,
) -> Result<String, OAuthError> {
    let code = token();
    sqlx::query(
        "INSERT INTO mcp_oauth_codes (code_hash, client_id, subject, permissions, redirect_uri,
            code_challenge, scope, resource, expires_at, family, grant_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(digest(&code))
    .bind(&grant.client_id)
    .bind(&user.subject)
    .bind(users::permissions_text(user))
    .bind(&grant.redirect_uri)
    .bind(&grant.code_challenge)
    .bind(&grant.scope)
    .bind(&grant.resource)
    .bind(now() + server.settings.code_ttl as i64)
    .bind(id())
    .bind(now() + server.settings.grant_lifetime as i64)
    .execute(server.store.db().await?)
    .await?;
    Ok(code)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
