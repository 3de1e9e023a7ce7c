//! Authentication at the HTTP edge: bearer tokens in, 401/403 challenges out (MCP
//! authorization spec), and the Protected Resource Metadata document (RFC 9728).

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::MCP_PATH;
use crate::auth::{AuthChain, Outcome, Principal};
use crate::server::Server;

/// The well-known path of the Protected Resource Metadata.
pub(crate) const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// Decides who a request to `/mcp` comes from, and whether it may come in at all.
pub(crate) struct BearerAuth {
    chain: AuthChain,
    require_auth: bool,
    required_scopes: Vec<String>,
    scopes_supported: Vec<String>,
    resource: Option<String>,
    authorization_servers: Vec<String>,
}

impl BearerAuth {
    pub(crate) fn new(server: &Server) -> Self {
        let settings = server.settings();
        Self {
            chain: server.auth.clone(),
            require_auth: settings.require_auth,
            required_scopes: settings.required_scopes.clone(),
            scopes_supported: server
                .dispatcher
                .supported_scopes(&settings.required_scopes),
            resource: settings.resource_server_url.clone(),
            authorization_servers: settings.oauth_issuer_url.iter().cloned().collect(),
        }
    }

    /// The caller (`None` when anonymous and allowed), or the response that refuses it.
    pub(crate) async fn authenticate(
        &self,
        headers: &HeaderMap,
        uri: &Uri,
    ) -> Result<Option<Principal>, Response> {
        if uri
            .query()
            .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("access_token=")))
        {
            return Err(self.challenge(
                headers,
                StatusCode::BAD_REQUEST,
                Some((
                    "invalid_request",
                    "access tokens are accepted only in the Authorization header",
                )),
            ));
        }
        let token = match bearer(headers) {
            Ok(token) => token,
            Err(problem) => {
                return Err(self.challenge(
                    headers,
                    StatusCode::UNAUTHORIZED,
                    Some(("invalid_request", problem)),
                ));
            }
        };
        match self.chain.authenticate(token).await {
            Outcome::Anonymous if self.require_auth => {
                Err(self.challenge(headers, StatusCode::UNAUTHORIZED, None))
            }
            Outcome::Anonymous => Ok(None),
            Outcome::Invalid => Err(self.challenge(
                headers,
                StatusCode::UNAUTHORIZED,
                Some(("invalid_token", "the access token is invalid or expired")),
            )),
            Outcome::Unavailable(_) => Err((
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({"error": "temporarily_unavailable", "error_description": "the access token could not be checked; try again later"})),
            )
                .into_response()),
            Outcome::Authenticated(principal) => {
                let missing: Vec<&str> =
                    self.required_scopes.iter().filter(|s| !principal.has_scope(s)).map(String::as_str).collect();
                if missing.is_empty() {
                    return Ok(Some(principal));
                }
                tracing::info!(subject = %principal.subject, ?missing, "token lacks required scopes");
                Err(self.challenge(
                    headers,
                    StatusCode::FORBIDDEN,
                    Some(("insufficient_scope", &format!("the token lacks the scopes: {}", missing.join(" ")))),
                ))
            }
        }
    }

    /// A refusal with `WWW-Authenticate: Bearer resource_metadata="…", scope="…"[, error=…]`.
    fn challenge(
        &self,
        headers: &HeaderMap,
        status: StatusCode,
        error: Option<(&str, &str)>,
    ) -> Response {
        let mut challenge = format!(
            r#"Bearer resource_metadata="{}""#,
            self.metadata_url(headers)
        );
        if !self.required_scopes.is_empty() {
            challenge.push_str(&format!(r#", scope="{}""#, self.required_scopes.join(" ")));
        }
        let mut body =
            json!({"error": "unauthorized", "error_description": "authentication is required"});
        if let Some((code, description)) = error {
            challenge.push_str(&format!(
                r#", error="{code}", error_description="{description}""#
            ));
            body = json!({"error": code, "error_description": description});
        }
        let mut response = (status, axum::Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }

    /// This server's resource identifier: `resource_server_url`, or the URL the client used.
    fn resource(&self, headers: &HeaderMap) -> String {
        match &self.resource {
            Some(resource) => resource.clone(),
            None => format!("http://{}{MCP_PATH}", host(headers)),
        }
    }

    /// Where the metadata for this resource lives: the well-known path, suffixed with the
    /// resource's path (RFC 9728 section 3.1).
    fn metadata_url(&self, headers: &HeaderMap) -> String {
        let resource = self.resource(headers);
        let (origin, path) = split_origin(&resource);
        format!("{origin}{METADATA_PATH}{path}")
    }

    /// The Protected Resource Metadata document.
    pub(crate) fn metadata(&self, headers: &HeaderMap) -> Value {
        let mut document = json!({
            "resource": self.resource(headers),
            "bearer_methods_supported": ["header"],
            "scopes_supported": self.scopes_supported,
        });
        if !self.authorization_servers.is_empty() {
            document["authorization_servers"] = json!(self.authorization_servers);
        }
        document
    }
}

/// The bearer token of `Authorization: Bearer …`; `None` without credentials. Other schemes
/// count as no credentials, so the caller gets the challenge that says what to send.
fn bearer(headers: &HeaderMap) -> Result<Option<&str>, &'static str> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not ASCII")?
        .trim();
    if value.eq_ignore_ascii_case("bearer") {
        return Err("the bearer token is empty");
    }
    let Some((scheme, token)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err("the bearer token is empty");
    }
    Ok(Some(token))
}

fn host(headers: &HeaderMap) -> &str {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
}

/// `https://a.example/mcp` → (`https://a.example`, `/mcp`).
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_split_from_paths() {
        assert_eq!(
            split_origin("https://a.example/mcp"),
            ("https://a.example", "/mcp")
        );
        assert_eq!(split_origin("https://a.example"), ("https://a.example", ""));
        assert_eq!(
            split_origin("http://h:8810/x/mcp"),
            ("http://h:8810", "/x/mcp")
        );
    }

    #[test]
    fn bearer_tokens() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), Ok(None));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&headers), Ok(Some("abc")));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer   abc "),
        );
        assert_eq!(bearer(&headers), Ok(Some("abc")));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic dXNlcjpwYXNz"),
        );
        assert_eq!(bearer(&headers), Ok(None));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert!(bearer(&headers).is_err());
    }
}
