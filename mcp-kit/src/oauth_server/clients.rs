//! The clients allowed to ask for tokens: created on the command line or the connector page,
//! registered dynamically (RFC 7591), or described by a Client ID Metadata Document; and the
//! rules their redirect URIs follow.

use sqlx::AnyPool;

use super::OAuthError;
use super::secret::{id, now};

/// A client of the authorization server. All are public clients using PKCE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthClient {
    /// The id the client sends.
    pub client_id: String,
    /// The name the consent page shows.
    pub name: String,
    /// The only URIs codes are sent to, compared exactly.
    pub redirect_uris: Vec<String>,
    /// Approve without asking the user.
    pub skip_consent: bool,
    /// Revoked clients cannot authorize or refresh.
    pub revoked: bool,
    /// Who made it, and so how far its name can be trusted.
    pub origin: ClientOrigin,
}

/// Where a client comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientOrigin {
    /// `oauth-client create`: the operator named it.
    Command,
    /// The connector settings page: the operator named it.
    Connector,
    /// Dynamic registration: it named itself.
    Registered,
    /// A Client ID Metadata Document: it named itself, at a URL it controls.
    MetadataDocument,
}

impl ClientOrigin {
    fn column(self) -> &'static str {
        match self {
            Self::Command => "cli",
            Self::Connector => "connector",
            Self::Registered => "registered",
            Self::MetadataDocument => "document",
        }
    }

    fn from_column(column: &str) -> Self {
        match column {
            "cli" => Self::Command,
            "connector" => Self::Connector,
            "document" => Self::MetadataDocument,
            _ => Self::Registered,
        }
    }
}

impl OAuthClient {
    /// Whether `uri` is one of the client's redirect URIs, character for character, except
    /// that an `http://` loopback IP address may use any port (RFC 8252 §7.3: native apps
    /// listen on whatever port is free).
    pub(crate) fn redirects_to(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|allowed| allowed == uri || same_but_loopback_port(allowed, uri))
    }
}

/// Whether `redirect_uri` ends on the user's own machine (loopback or an app's scheme), where
/// any local program could be listening.
pub(crate) fn is_local_redirect(redirect_uri: &str) -> bool {
    url::Url::parse(redirect_uri)
        .is_ok_and(|url| !matches!(url.scheme(), "https" | "http") || is_loopback(&url))
}

/// An absolute URI without a fragment, whitespace or control characters (which URL parsing
/// would drop silently): `https://`, `http://` on a loopback host (RFC 8252 native apps), or
/// a private-use scheme such as `com.example.app:/callback`.
pub(crate) fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "redirect URI {uri:?} contains whitespace or control characters"
        ));
    }
    let parsed =
        url::Url::parse(uri).map_err(|e| format!("redirect URI `{uri}` is not absolute ({e})"))?;
    if parsed.fragment().is_some() {
        return Err(format!("redirect URI `{uri}` has a fragment"));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => Err(format!(
            "redirect URI `{uri}` uses http on a host that is not loopback; use https"
        )),
        "javascript" | "data" | "file" | "vbscript" | "about" | "blob" => Err(format!(
            "redirect URI `{uri}` has a scheme that cannot be a redirect"
        )),
        _ => Ok(()),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn same_but_loopback_port(allowed: &str, given: &str) -> bool {
    let loopback_ip_without_port = |uri: &str| {
        let mut url = url::Url::parse(uri).ok()?;
        let ip_literal = !matches!(url.host()?, url::Host::Domain(_));
        (ip_literal && is_loopback(&url) && url.scheme() == "http").then_some(())?;
        url.set_port(None).ok()?;
        Some(url)
    };
    match (
        loopback_ip_without_port(allowed),
        loopback_ip_without_port(given),
    ) {
        (Some(allowed), Some(given)) => allowed == given,
        _ => false,
    }
}

type Row = (String, String, String, i64, String, Option<i64>);

const COLUMNS: &str = "client_id, name, redirect_uris, skip_consent, origin, revoked_at";

fn client((client_id, name, redirect_uris, skip_consent, origin, revoked_at): Row) -> OAuthClient {
    OAuthClient {
        client_id,
        name,
        redirect_uris: redirect_uris.lines().map(str::to_owned).collect(),
        skip_consent: skip_consent != 0,
        revoked: revoked_at.is_some(),
        origin: ClientOrigin::from_column(&origin),
    }
}

/// The client with id `client_id`, revoked or not.
pub(crate) async fn find(db: &AnyPool, client_id: &str) -> Result<Option<OAuthClient>, OAuthError> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM mcp_oauth_clients WHERE client_id = $1"
    ))
    .bind(client_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(client))
}

/// Every stored client, oldest first.
pub(crate) async fn list(db: &AnyPool) -> Result<Vec<OAuthClient>, OAuthError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM mcp_oauth_clients ORDER BY created_at, client_id"
    ))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(client).collect())
}

/// What a client is made of. Its redirect URIs have passed [`check_redirect_uri`], so none
/// holds the newline they are stored apart with.
pub(crate) struct NewClient<'a> {
    pub(crate) name: &'a str,
    pub(crate) redirect_uris: &'a [String],
    pub(crate) skip_consent: bool,
    pub(crate) origin: ClientOrigin,
}

/// Creates a client with a new id.
pub(crate) async fn create(db: &AnyPool, new: &NewClient<'_>) -> Result<OAuthClient, OAuthError> {
    let client_id = id();
    sqlx::query(
        "INSERT INTO mcp_oauth_clients
            (client_id, name, redirect_uris, skip_consent, origin, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&client_id)
    .bind(new.name)
    .bind(new.redirect_uris.join("\n"))
    .bind(i64::from(new.skip_consent))
    .bind(new.origin.column())
    .bind(now())
    .execute(db)
    .await?;
    Ok(OAuthClient {
        client_id,
        name: new.name.to_owned(),
        redirect_uris: new.redirect_uris.to_vec(),
        skip_consent: new.skip_consent,
        revoked: false,
        origin: new.origin,
    })
}

/// Sets a client's name, redirect URIs and consent. A revoked client stays revoked.
pub(crate) async fn update(
    db: &AnyPool,
    client_id: &str,
    new: &NewClient<'_>,
) -> Result<(), OAuthError> {
    sqlx::query(
        "UPDATE mcp_oauth_clients SET name = $1, redirect_uris = $2, skip_consent = $3
         WHERE client_id = $4",
    )
    .bind(new.name)
    .bind(new.redirect_uris.join("\n"))
    .bind(i64::from(new.skip_consent))
    .bind(client_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Lifts a client's revocation (the connector page, enabled again).
pub(crate) async fn restore(db: &AnyPool, client_id: &str) -> Result<(), OAuthError> {
    sqlx::query("UPDATE mcp_oauth_clients SET revoked_at = NULL WHERE client_id = $1")
        .bind(client_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The client named `name` made the same way, updated to `new`, or a new one. Returns the
/// client and whether it was created. A revoked client is not brought back: a script that
/// runs `create` again must not undo a revocation.
pub(crate) async fn ensure_named(
    db: &AnyPool,
    new: &NewClient<'_>,
) -> Result<(OAuthClient, bool), OAuthError> {
    let existing: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM mcp_oauth_clients WHERE name = $1 AND origin = $2
         ORDER BY created_at LIMIT 1"
    ))
    .bind(new.name)
    .bind(new.origin.column())
    .fetch_optional(db)
    .await?;
    match existing.map(client) {
        Some(existing) if existing.revoked => Err(OAuthError::Invalid(format!(
            "the client `{}` ({}) is revoked; create one under another name",
            existing.name, existing.client_id
        ))),
        Some(existing) => {
            update(db, &existing.client_id, new).await?;
            let updated = find(db, &existing.client_id).await?.ok_or_else(|| {
                OAuthError::Other(format!(
                    "client {} vanished while updated",
                    existing.client_id
                ))
            })?;
            Ok((updated, false))
        }
        None => Ok((create(db, new).await?, true)),
    }
}

/// Revokes a client and every refresh token it holds. `false` when there is no such client.
pub(crate) async fn revoke(db: &AnyPool, client_id: &str) -> Result<bool, OAuthError> {
    let at = now();
    let mut tx = db.begin().await?;
    let revoked = sqlx::query(
        "UPDATE mcp_oauth_clients SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(client_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(
        "UPDATE mcp_oauth_refresh_tokens SET revoked_at = $1
         WHERE client_id = $2 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(client_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(revoked > 0 || find(db, client_id).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::{OAuthClient, check_redirect_uri};

    fn client(uri: &str) -> OAuthClient {
        OAuthClient {
            client_id: "c".into(),
            name: "c".into(),
            redirect_uris: vec![uri.into()],
            skip_consent: false,
            revoked: false,
            origin: super::ClientOrigin::Command,
        }
    }

    #[test]
    fn redirect_uris_match_exactly() {
        let claude = client("https://claude.ai/api/mcp/auth_callback");
        assert!(claude.redirects_to("https://claude.ai/api/mcp/auth_callback"));
        for near_miss in [
            "https://claude.ai/api/mcp/auth_callbacK",
            "https://claude.ai/api/mcp/auth_callback/",
            "https://claude.ai:8443/api/mcp/auth_callback",
            "http://claude.ai/api/mcp/auth_callback",
        ] {
            assert!(!claude.redirects_to(near_miss), "{near_miss}");
        }
    }

    #[test]
    fn loopback_ips_may_use_any_port() {
        let native = client("http://127.0.0.1/callback");
        assert!(native.redirects_to("http://127.0.0.1:53682/callback"));
        assert!(!native.redirects_to("http://127.0.0.1:53682/callbacK"));
        assert!(!native.redirects_to("http://localhost:53682/callback"));
        let v6 = client("http://[::1]:8000/cb");
        assert!(v6.redirects_to("http://[::1]:9000/cb"));
        // Names are not IP literals: their port is part of the match.
        let named = client("http://localhost:8000/cb");
        assert!(!named.redirects_to("http://localhost:9000/cb"));
    }

    #[test]
    fn redirect_uris_are_checked() {
        for good in [
            "https://claude.ai/api/mcp/auth_callback",
            "http://127.0.0.1:33418/callback",
            "http://localhost/cb",
            "com.example.app:/oauth",
        ] {
            assert!(check_redirect_uri(good).is_ok(), "{good}");
        }
        for bad in [
            "/relative",
            "http://example.com/cb",
            "https://a.example/cb#frag",
            "javascript:alert(1)",
            "data:text/html,x",
            // URL parsing drops the newline; stored, it would become a second URI.
            "https://a.example/cb\nhttp://evil.example/x",
            "https://a.example/c b",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad:?}");
        }
    }
}
