//! Client ID Metadata Documents: a client whose id is an `https://` URL is described by the
//! JSON document at that URL. Fetches are bounded in size and time, never follow redirects,
//! reach only public addresses (a client id must not turn the server into a probe of its own
//! network), and are cached.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::clients::{ClientOrigin, OAuthClient, check_redirect_uri};
use crate::auth::fetch::{self, FetchError, send_for_json};
use crate::config::OAuthServerSettings;

/// Fetches and caches client metadata documents.
pub(crate) struct ClientMetadata {
    enabled: bool,
    allow_loopback: bool,
    max_bytes: usize,
    ttl: Duration,
    http: reqwest::Client,
    cache: Mutex<HashMap<String, Fetched>>,
}

/// A fetch's outcome, and when it was made.
type Fetched = (Instant, Result<OAuthClient, String>);

/// The fields read from a document.
#[derive(Deserialize)]
struct Document {
    client_id: String,
    #[serde(default)]
    client_name: Option<String>,
    redirect_uris: Vec<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    client_secret: Option<serde_json::Value>,
}

impl ClientMetadata {
    pub(crate) fn new(settings: &OAuthServerSettings) -> Self {
        let timeout = Duration::from_secs(settings.client_metadata_timeout);
        Self {
            enabled: settings.client_metadata_documents,
            allow_loopback: settings.allow_loopback_client_metadata,
            max_bytes: settings.client_metadata_max_bytes,
            ttl: Duration::from_secs(settings.client_metadata_cache_ttl),
            http: reqwest::Client::builder()
                .connect_timeout(timeout)
                .timeout(timeout)
                .redirect(reqwest::redirect::Policy::none())
                // A proxy would resolve names itself, past the address check.
                .no_proxy()
                .dns_resolver(Arc::new(PublicAddresses {
                    allow_loopback: settings.allow_loopback_client_metadata,
                }))
                .build()
                .expect("the TLS backend is compiled in"),
            cache: Mutex::default(),
        }
    }

    /// Whether `client_id` names a document to fetch rather than a stored client.
    pub(crate) fn is_document_url(&self, client_id: &str) -> bool {
        self.enabled && (client_id.starts_with("https://") || client_id.starts_with("http://"))
    }

    /// Whether the metadata advertises the method.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// The client `url` describes. The error says what is wrong with the document. Failures
    /// are kept for a while too, so a bad client id cannot make the server fetch on every
    /// request.
    pub(crate) async fn client(&self, url: &str) -> Result<OAuthClient, String> {
        if let Some((at, outcome)) = self.lock().get(url) {
            let ttl = if outcome.is_ok() {
                self.ttl
            } else {
                FAILURE_TTL
            };
            if at.elapsed() < ttl {
                return outcome.clone();
            }
        }
        let outcome = match self.check_url(url) {
            Ok(()) => self.fetch(url).await,
            Err(problem) => Err(problem),
        };
        let mut cache = self.lock();
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, (at, _)| at.elapsed() < self.ttl);
        }
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(url.to_owned(), (Instant::now(), outcome.clone()));
        outcome
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Fetched>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `https://` with a host and a path; `http://` only on loopback, when allowed. Addresses
    /// written as IP literals must be public (names are checked when resolved).
    fn check_url(&self, raw: &str) -> Result<(), String> {
        let url = url::Url::parse(raw).map_err(|e| format!("the client id is not a URL ({e})"))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.');
                name.eq_ignore_ascii_case("localhost")
                    || name.to_ascii_lowercase().ends_with(".localhost")
            }
            Some(url::Host::Ipv4(ip)) => self.literal(IpAddr::V4(ip))?,
            Some(url::Host::Ipv6(ip)) => self.literal(IpAddr::V6(ip))?,
            None => return Err("the client id URL has no host".into()),
        };
        if url.fragment().is_some() || url.path() == "/" || !url.username().is_empty() {
            return Err("a client id URL needs a path, and no fragment or credentials".into());
        }
        // Parsing removes dot segments; the client id must not have had them.
        if raw
            .split(['/', '?'])
            .any(|segment| segment == "." || segment == "..")
        {
            return Err("a client id URL must not contain `.` or `..` segments".into());
        }
        match (url.scheme(), loopback) {
            (_, true) if !self.allow_loopback => {
                Err("client id URLs on loopback addresses are not fetched".into())
            }
            ("https", _) => Ok(()),
            ("http", true) => Ok(()),
            _ => Err("a client id URL must use https".into()),
        }
    }

    /// Whether the literal `ip` is loopback; an error when it is not public.
    fn literal(&self, ip: IpAddr) -> Result<bool, String> {
        let ip = ip.to_canonical();
        if ip.is_loopback() {
            return Ok(true);
        }
        if !is_public(ip) {
            return Err(format!(
                "client id URLs on the address {ip} are not fetched"
            ));
        }
        Ok(false)
    }

    async fn fetch(&self, url: &str) -> Result<OAuthClient, String> {
        let fail = |problem: String| format!("the client metadata document at {url} {problem}");
        let body = send_for_json(self.http.get(url), self.max_bytes)
            .await
            .map_err(|error| {
                fail(match error {
                    FetchError::Failed(e) => describe(&e),
                    FetchError::Status(status) => format!("answered HTTP {status}"),
                    FetchError::TooLarge => format!("is larger than {} bytes", self.max_bytes),
                })
            })?;
        let document: Document = serde_json::from_slice(&body)
            .map_err(|e| fail(format!("is not valid client metadata ({e})")))?;
        if document.client_id != url {
            return Err(fail(format!(
                "names the client id `{}`, not its own URL",
                document.client_id
            )));
        }
        if document.client_secret.is_some()
            || document
                .token_endpoint_auth_method
                .as_deref()
                .is_some_and(|m| m != "none")
        {
            return Err(fail(
                "describes a confidential client; only public clients (`none`) are accepted".into(),
            ));
        }
        if document.redirect_uris.is_empty() {
            return Err(fail("lists no redirect_uris".into()));
        }
        for uri in &document.redirect_uris {
            check_redirect_uri(uri).map_err(fail)?;
        }
        let name = document
            .client_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| url.to_owned());
        Ok(OAuthClient {
            client_id: document.client_id,
            name,
            redirect_uris: document.redirect_uris,
            skip_consent: false,
            revoked: false,
            origin: ClientOrigin::MetadataDocument,
        })
    }
}

/// The most documents kept at once.
const MAX_CACHED: usize = 1024;
/// How long a failed fetch is remembered.
const FAILURE_TTL: Duration = Duration::from_secs(30);

/// Resolves names to their public addresses only (and loopback ones, when allowed).
struct PublicAddresses {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicAddresses {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let usable: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| {
                    let ip = addr.ip().to_canonical();
                    is_public(ip) || (allow_loopback && ip.is_loopback())
                })
                .collect();
            if usable.is_empty() {
                let refused = format!("{host} resolves to no public address");
                return Err(refused.into());
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether `ip` is on the public internet: not loopback, private, link-local, shared
/// (carrier-grade NAT), benchmarking, reserved, documentation, unique-local, multicast,
/// discard-only or unspecified, nor a tunnel (Teredo) or a local-use NAT64 prefix; an IPv4
/// address inside an IPv6 one (NAT64, 6to4) is judged as itself.
fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(ip) => {
            let [a, b, c, _] = ip.octets();
            !(ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || ip.is_multicast()
                || ip.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || (a == 192 && b == 0 && c == 0))
        }
        IpAddr::V6(ip) => {
            let s = ip.segments();
            let embedded = |high: u16, low: u16| {
                let [h1, h2] = high.to_be_bytes();
                let [l1, l2] = low.to_be_bytes();
                IpAddr::from([h1, h2, l1, l2])
            };
            match s {
                // NAT64 (64:ff9b::/96) and IPv4-compatible (::/96) carry the address last.
                [0x64, 0xff9b, 0, 0, 0, 0, high, low] | [0, 0, 0, 0, 0, 0, high, low] => {
                    is_public(embedded(high, low))
                }
                // 6to4 (2002::/16) carries it after the prefix.
                [0x2002, high, low, ..] => is_public(embedded(high, low)),
                _ => {
                    !(ip.is_loopback()
                        || ip.is_unspecified()
                        || ip.is_multicast()
                        || (s[0] & 0xfe00) == 0xfc00
                        || (s[0] & 0xffc0) == 0xfe80
                        || (s[0] & 0xffc0) == 0xfec0
                        || (s[0] == 0x2001 && s[1] == 0x0db8)
                        // Local-use NAT64 (64:ff9b:1::/48) reaches the operator's own network.
                        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)
                        // IETF protocol assignments (2001::/23): Teredo tunnels (2001::/32)
                        // to an address hidden in the rest, benchmarking, ORCHIDs.
                        || (s[0] == 0x2001 && s[1] < 0x0200)
                        // Discard-only (100::/64).
                        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]))
                }
            }
        }
    }
}

/// What the visitor is told about a failed fetch: whether it timed out, not the network's
/// details (they would map the server's network for anyone); those are logged.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "did not answer in time".into();
    }
    let detail = fetch::describe(error);
    tracing::info!(%detail, "a client metadata document could not be fetched");
    "could not be fetched".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(allow_loopback: bool) -> ClientMetadata {
        let settings = OAuthServerSettings {
            allow_loopback_client_metadata: allow_loopback,
            ..OAuthServerSettings::default()
        };
        ClientMetadata::new(&settings)
    }

    #[test]
    fn only_public_https_urls_are_fetched() {
        let strict = metadata(false);
        assert!(
            strict
                .check_url("https://client.example/metadata.json")
                .is_ok()
        );
        for refused in [
            "http://client.example/metadata.json",
            "https://client.example/",
            "https://client.example/m#x",
            "https://user@client.example/m",
            "https://127.0.0.1/m",
            "https://[::ffff:127.0.0.1]/m",
            "https://localhost./m",
            "https://169.254.169.254/latest",
            "https://10.0.0.7/m",
            "https://[fd00::1]/m",
            "https://[fe80::1]/m",
            "https://[64:ff9b::a00:1]/m",
            "https://[2002:c0a8:101::1]/m",
            "https://198.18.0.1/m",
            "https://client.example/a/../m",
            "https://client.example/./m",
        ] {
            assert!(strict.check_url(refused).is_err(), "{refused}");
        }
        let loopback = metadata(true);
        assert!(loopback.check_url("http://127.0.0.1:8080/m").is_ok());
        assert!(
            loopback
                .check_url("http://[::ffff:127.0.0.1]:8080/m")
                .is_ok()
        );
        assert!(loopback.check_url("https://192.168.1.1/m").is_err());
    }

    #[test]
    fn public_addresses_are_told_apart() {
        for public in ["93.184.216.34", "2606:2800:220:1::1", "64:ff9b::5db8:d822"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        for private in [
            "10.1.2.3",
            "::ffff:192.168.0.1",
            "fd12::1",
            "240.0.0.1",
            "::",
            // Local-use NAT64 (RFC 8215) translates to the operator's own addresses.
            "64:ff9b:1::a00:1",
            // Teredo (2001::/32) tunnels to an address hidden in the rest.
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            // Benchmarking (2001:2::/48) and discard-only (100::/64).
            "2001:2::1",
            "100::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
    }
}
