//! The "MCP connector" settings page: turns the connector's client on or off, names it, and
//! sets its redirect URIs and consent. Only users with [`CONNECTOR_PERMISSION`] may open or
//! submit it; changes apply at once.

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use sqlx::AnyPool;

use super::clients::{self, ClientOrigin, NewClient, check_redirect_uri};
use super::pages::{CSRF_REFUSED, csrf_ok, see_other};
use super::{AuthorizationServer, CONNECTOR_PERMISSION, OAuthError};
use crate::auth::Principal;

const PATH: &str = "/oauth/connector";

/// The page's fields, as stored.
#[derive(Default)]
struct Connector {
    enabled: bool,
    app_name: String,
    redirect_uris: String,
    skip_consent: bool,
    client_id: Option<String>,
}

/// The page as stored, with what the client itself says (revoked elsewhere, say) taking
/// precedence, so the two cannot drift apart.
async fn load(db: &AnyPool) -> Result<Connector, OAuthError> {
    let row: Option<(i64, String, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT enabled, app_name, redirect_uris, skip_consent, client_id
         FROM mcp_oauth_connector WHERE id = 1",
    )
    .fetch_optional(db)
    .await?;
    let Some((enabled, app_name, redirect_uris, skip_consent, client_id)) = row else {
        return Ok(Connector::default());
    };
    let mut connector = Connector {
        enabled: enabled != 0,
        app_name,
        redirect_uris,
        skip_consent: skip_consent != 0,
        client_id,
    };
    if let Some(id) = &connector.client_id
        && let Some(client) = clients::find(db, id).await?
    {
        connector.enabled = !client.revoked;
        connector.redirect_uris = client.redirect_uris.join("\n");
        connector.skip_consent = client.skip_consent;
    }
    Ok(connector)
}

/// The signed-in user allowed here, or the page that says why not.
async fn signed_in_admin(
    server: &AuthorizationServer,
    request: &Parts,
) -> Result<Result<Principal, Response>, OAuthError> {
    match server.user(request).await? {
        None => Ok(Err(see_other(&server.login_url(PATH)))),
        Some(user) if user.has_perm(CONNECTOR_PERMISSION) => Ok(Ok(user)),
        Some(user) => {
            tracing::info!(user = %user.subject, "refused the connector page: permission missing");
            Ok(Err(server.pages.message(
                StatusCode::FORBIDDEN,
                "Not allowed",
                &format!(
                    "Changing the MCP connector needs the permission `{CONNECTOR_PERMISSION}`."
                ),
            )))
        }
    }
}

fn page(
    server: &AuthorizationServer,
    request: &Parts,
    connector: &Connector,
    saved: bool,
    errors: &[String],
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let values = context! {
        enabled => connector.enabled,
        connector_name => connector.app_name,
        redirect_uris => connector.redirect_uris,
        skip_consent => connector.skip_consent,
        client_id => connector.client_id,
        default_name => server.settings.app_name,
        saved,
        errors,
        can_sign_out => server.users.is_none(),
    };
    server
        .pages
        .form(&request.headers, status, "connector.html", values)
}

/// `GET /oauth/connector`.
pub(super) async fn show(
    State(server): State<Arc<AuthorizationServer>>,
    request: Parts,
) -> Response {
    let shown = async {
        if let Err(refusal) = signed_in_admin(&server, &request).await? {
            return Ok(refusal);
        }
        let connector = load(server.store.db().await?).await?;
        let saved = request.uri.query() == Some("saved=1");
        Ok(page(&server, &request, &connector, saved, &[]))
    };
    shown
        .await
        .unwrap_or_else(|error: OAuthError| server.pages.internal(&error))
}

#[derive(Deserialize)]
pub(super) struct Fields {
    enabled: Option<String>,
    app_name: Option<String>,
    redirect_uris: Option<String>,
    skip_consent: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /oauth/connector`.
pub(super) async fn save(
    State(server): State<Arc<AuthorizationServer>>,
    request: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let saved = async {
        let user = match signed_in_admin(&server, &request).await? {
            Ok(user) => user,
            Err(refusal) => return Ok(refusal),
        };
        if !csrf_ok(
            &server.pages,
            &request.headers,
            fields.csrf_token.as_deref(),
        ) {
            return Ok(server.pages.refused(CSRF_REFUSED));
        }
        let db = server.store.db().await?;
        let mut connector = load(db).await?;
        connector.enabled = fields.enabled.is_some();
        connector.app_name = fields.app_name.unwrap_or_default().trim().to_owned();
        connector.skip_consent = fields.skip_consent.is_some();
        let uris: Vec<String> = fields
            .redirect_uris
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        connector.redirect_uris = uris.join("\n");
        let mut errors: Vec<String> = uris
            .iter()
            .filter_map(|u| check_redirect_uri(u).err())
            .collect();
        if connector.enabled && uris.is_empty() {
            errors.push("An enabled connector needs at least one redirect URI.".into());
        }
        if !errors.is_empty() {
            return Ok(page(&server, &request, &connector, false, &errors));
        }
        apply(&server, db, &mut connector, &uris).await?;
        tracing::info!(user = %user.subject, enabled = connector.enabled, "saved the MCP connector");
        Ok(see_other(&format!("{PATH}?saved=1")))
    };
    saved
        .await
        .unwrap_or_else(|error: OAuthError| server.pages.internal(&error))
}

/// Stores the page and brings its client in line: created on first enable, updated after,
/// revoked while disabled.
async fn apply(
    server: &AuthorizationServer,
    db: &AnyPool,
    connector: &mut Connector,
    uris: &[String],
) -> Result<(), OAuthError> {
    let name = if connector.app_name.is_empty() {
        server.settings.app_name.clone()
    } else {
        connector.app_name.clone()
    };
    let new = NewClient {
        name: &name,
        redirect_uris: uris,
        skip_consent: connector.skip_consent,
        origin: ClientOrigin::Connector,
    };
    let existing = match &connector.client_id {
        Some(id) => clients::find(db, id).await?,
        None => None,
    };
    match (existing, connector.enabled) {
        (Some(client), true) => {
            clients::update(db, &client.client_id, &new).await?;
            clients::restore(db, &client.client_id).await?;
        }
        (Some(client), false) => {
            clients::update(db, &client.client_id, &new).await?;
            clients::revoke(db, &client.client_id).await?;
        }
        (None, true) => connector.client_id = Some(clients::create(db, &new).await?.client_id),
        (None, false) => {}
    }
    sqlx::query(
        "INSERT INTO mcp_oauth_connector (id, enabled, app_name, redirect_uris, skip_consent, client_id)
         VALUES (1, $1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET enabled = excluded.enabled, app_name = excluded.app_name,
            redirect_uris = excluded.redirect_uris, skip_consent = excluded.skip_consent,
            client_id = excluded.client_id",
    )
    .bind(i64::from(connector.enabled))
    .bind(&connector.app_name)
    .bind(&connector.redirect_uris)
    .bind(i64::from(connector.skip_consent))
    .bind(connector.client_id.as_deref())
    .execute(db)
    .await?;
    Ok(())
}
