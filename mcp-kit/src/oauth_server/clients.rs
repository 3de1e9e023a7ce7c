//! The clients allowed to ask for tokens: created on the command line or the connector page,
//! registered dynamically (RFC 7591), or described by a Client ID Metadata Document.

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

fn same_but_loopback_port(allowed: &str, given: &str) -> bool {
    let loopback_without_port = |uri: &str| {
        let mut url = url::Url::parse(uri).ok()?;
        let loopback = match url.host()? {
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
            url::Host::Domain(_) => false,
        };
        (loopback && url.scheme() == "http").then_some(())?;
        url.set_port(None).ok()?;
        Some(url)
    };
    match (loopback_without_port(allowed), loopback_without_port(given)) {
        (Some(allowed), Some(given)) => allowed == given,
        _ => false,
    }
}

type Row = (String, String, String, i64, Option<i64>);

const COLUMNS: &str = "client_id, name, redirect_uris, skip_consent, revoked_at";

fn client((client_id, name, redirect_uris, skip_consent, revoked_at): Row) -> OAuthClient {
    OAuthClient {
        client_id,
        name,
        redirect_uris: redirect_uris.lines().map(str::to_owned).collect(),
        skip_consent: skip_consent != 0,
        revoked: revoked_at.is_some(),
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

/// What a client is made of.
pub(crate) struct NewClient<'a> {
    pub(crate) name: &'a str,
    pub(crate) redirect_uris: &'a [String],
    pub(crate) skip_consent: bool,
    /// `cli`, `connector` or `registered`.
    pub(crate) origin: &'a str,
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
    .bind(new.origin)
    .bind(now())
    .execute(db)
    .await?;
    Ok(OAuthClient {
        client_id,
        name: new.name.to_owned(),
        redirect_uris: new.redirect_uris.to_vec(),
        skip_consent: new.skip_consent,
        revoked: false,
    })
}

/// Sets a client's name, redirect URIs and consent, and lifts a revocation.
pub(crate) async fn update(
    db: &AnyPool,
    client_id: &str,
    new: &NewClient<'_>,
) -> Result<(), OAuthError> {
    sqlx::query(
        "UPDATE mcp_oauth_clients
         SET name = $1, redirect_uris = $2, skip_consent = $3, revoked_at = NULL
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

/// The client named `name` made the same way, updated to `new`, or a new one.
/// Returns the client and whether it was created.
pub(crate) async fn ensure_named(
    db: &AnyPool,
    new: &NewClient<'_>,
) -> Result<(OAuthClient, bool), OAuthError> {
    let existing: Option<(String,)> = sqlx::query_as(
        "SELECT client_id FROM mcp_oauth_clients WHERE name = $1 AND origin = $2
         ORDER BY created_at LIMIT 1",
    )
    .bind(new.name)
    .bind(new.origin)
    .fetch_optional(db)
    .await?;
    match existing {
        Some((client_id,)) => {
            update(db, &client_id, new).await?;
            let client = find(db, &client_id).await?.ok_or_else(|| {
                OAuthError::Other(format!("client {client_id} vanished while updated"))
            })?;
            Ok((client, false))
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
    use super::OAuthClient;

    fn client(uri: &str) -> OAuthClient {
        OAuthClient {
            client_id: "c".into(),
            name: "c".into(),
            redirect_uris: vec![uri.into()],
            skip_consent: false,
            revoked: false,
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
}
