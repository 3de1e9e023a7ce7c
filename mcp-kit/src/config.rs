//! Settings, read in order from: defaults,
//! `mcp-kit.toml` (or `--config FILE`), `MCP_KIT_*` environment variables, command-line flags.

use std::net::IpAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format as _, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::auth::StaticToken;

/// The file read when no `--config` is given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "mcp-kit.toml";

/// How the server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// Streamable HTTP at `/mcp`.
    StreamableHttp,
    /// Standard input and output.
    Stdio,
}

/// How log lines are written to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event, with the fields of its spans, for log collectors.
    Json,
}

/// Every setting. Keys in `mcp-kit.toml` are these field names; environment variables are
/// `MCP_KIT_` followed by the name in capitals, e.g. `MCP_KIT_PORT=9000`, with `__` between
/// the levels of a table, e.g. `MCP_KIT_AUTH__JWT__JWKS_URL`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Settings {
    /// `serverInfo.name`. Default: the binary's crate name.
    pub server_name: Option<String>,
    /// `serverInfo.version`. Default: the binary's crate version.
    pub server_version: Option<String>,
    /// `streamable-http` or `stdio`.
    pub transport: Transport,
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on.
    pub port: u16,
    /// No sessions: every request stands alone (and can go to any replica).
    pub stateless: bool,
    /// In stateless mode, answer with one JSON body rather than an SSE stream when possible.
    pub json_response: bool,
    /// With `stateless` and `json_response`, answer plain requests straight from the HTTP
    /// handler rather than through rmcp's per-request service. Answers are the same either
    /// way; turn it off to rule it out. Needs the `fast-path` feature (on by default).
    pub fast_path: bool,
    /// Check `Host` and `Origin` against the allowed lists.
    pub dns_rebinding_protection: bool,
    /// Serve the developer console at `/_dev` (`serve --dev`): it calls tools as any
    /// configured caller without a token, so it is refused unless `host` is a loopback address.
    pub dev_console: bool,
    /// Host names accepted besides the loopback names.
    pub allowed_hosts: Vec<String>,
    /// Origins accepted besides loopback ones, e.g. `https://app.example.com`.
    pub allowed_origins: Vec<String>,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Seconds a client has to send a request's headers; an idle keep-alive connection is
    /// closed after as long.
    pub header_read_timeout: u64,
    /// Seconds a client has to send a request's body.
    pub body_read_timeout: u64,
    /// The most connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// Items per page of `tools/list`, `resources/list`, `prompts/list`, …; 0: one page.
    pub page_size: usize,
    /// In stateful mode, seconds before an idle session is closed.
    pub session_idle_timeout: u64,
    /// In stateful mode, the most sessions open at once; past it, new sessions are refused.
    pub max_sessions: usize,
    /// In stateful mode, the most sessions one caller may hold open at once.
    pub max_sessions_per_caller: usize,
    /// The most `subscriptions/listen` streams open at once on one endpoint (each `router()`,
    /// or `serve`); past it, new ones are refused.
    pub max_listens: usize,
    /// The most `subscriptions/listen` streams one caller may hold open.
    pub max_listens_per_caller: usize,
    /// Seconds in-flight calls get to finish after SIGINT/SIGTERM.
    pub graceful_shutdown_timeout: u64,
    /// `text` or `json` log lines (the level comes from `RUST_LOG`).
    pub log_format: LogFormat,
    /// Authenticator chain, tried in order.
    pub auth_backends: Vec<String>,
    /// Refuse unauthenticated requests to `/mcp`.
    pub require_auth: bool,
    /// Scopes every token must carry.
    pub required_scopes: Vec<String>,
    /// The OAuth authorization server that issues tokens for this resource.
    pub oauth_issuer_url: Option<String>,
    /// This server's public URL, the audience of its tokens.
    pub resource_server_url: Option<String>,
    /// `[calls, seconds]` allowed per principal for each tool that is not read-only.
    pub write_rate_limit: (u32, u64),
    /// Count rate limits in this Redis (`redis://host:6379/0`) rather than in memory, so
    /// replicas share them (feature `redis`).
    pub rate_limit_redis_url: Option<String>,
    /// The SHA-256 (hex) of the bearer token `/metrics` asks for (feature `metrics`). Without
    /// it, `/metrics` is served only while `require_auth` is off.
    pub metrics_token_sha256: Option<String>,
    /// Share announcements (`notify_*`) through this Redis's pub/sub, so listeners
    /// connected to any replica hear what any replica announces (feature `redis`).
    pub notify_redis_url: Option<String>,
    /// Keys that seal the `requestState` of input-required results, base64 of 32 random
    /// bytes each (`openssl rand -base64 32`). The first seals, all open: list a new key
    /// first to rotate. Replicas share them so that any one can resume a call; without
    /// any, each process makes its own.
    pub request_state_keys: Secrets,
    /// The `[auth]` table: static tokens and identity-provider details.
    pub auth: AuthSettings,
    /// The `[oauth_server]` table: the built-in authorization server (feature `oauth-server`).
    pub oauth_server: OAuthServerSettings,
    /// The `[tasks]` table: where tools that run as tasks keep them (feature `tasks`).
    pub tasks: TaskSettings,
    /// `[[upstream]]` tables: other MCP servers whose items this one serves under a prefix
    /// (feature `client`; see `mcp_kit::mount`).
    pub upstream: Vec<UpstreamSettings>,
}

/// One `[[upstream]]` table: another MCP server, its items served under `prefix`. Give
/// `url` or `command`.
///
/// ```toml
/// [[upstream]]
/// prefix = "github"
/// url = "https://mcp.example.com/mcp"
/// bearer_env = "GH_TOKEN"
/// scopes = ["github"]
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct UpstreamSettings {
    /// Tools and prompts are served as `{prefix}_{name}`, resources as `{prefix}+{uri}`.
    pub prefix: String,
    /// Its `/mcp` endpoint, reached over Streamable HTTP.
    pub url: Option<String>,
    /// A program to start and speak to over its stdin and stdout, with `args`.
    pub command: Option<String>,
    pub args: Vec<String>,
    /// The environment variable holding the bearer token it is reached with (HTTP).
    pub bearer_env: Option<String>,
    /// Scopes a caller needs, all of them, to see and use its items.
    pub scopes: Vec<String>,
    /// Seconds opening a session may take.
    pub connect_timeout: u64,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        Self {
            prefix: String::new(),
            url: None,
            command: None,
            args: Vec::new(),
            bearer_env: None,
            scopes: Vec::new(),
            connect_timeout: 10,
        }
    }
}

/// The `[tasks]` table: tools that run as tasks (the `io.modelcontextprotocol/tasks`
/// extension) keep each task, its answers and its result in a database, so that any replica
/// can report, resume or cancel it and a restart loses none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct TaskSettings {
    /// `sqlite://…` or `postgres://…` (feature `postgres`); replicas share one PostgreSQL.
    pub database_url: String,
    /// Seconds a task is kept from its creation, finished or not; then it is deleted.
    pub ttl: u64,
    /// Milliseconds a client is asked to wait between two polls of a task.
    pub poll_interval_ms: u64,
    /// The most tasks one caller may have working or waiting for answers at once.
    pub max_live_per_caller: u64,
    /// The largest result a task may store, in bytes of JSON; a larger one fails the task.
    pub max_result_bytes: usize,
    /// Seconds between the signs of life a running task writes. A task whose process has
    /// shown none for three of these is reported failed: its process died.
    pub heartbeat: u64,
}

impl Default for TaskSettings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://mcp-kit-tasks.db?mode=rwc".into(),
            ttl: 24 * 3600,
            poll_interval_ms: 1000,
            max_live_per_caller: 100,
            max_result_bytes: 1024 * 1024,
            heartbeat: 5,
        }
    }
}

/// Secret values, kept out of debug output.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secrets(pub Vec<String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} hidden]", self.0.len())
    }
}

/// The `[oauth_server]` table: an OAuth 2.1 authorization server beside `/mcp`, for a site
/// with no identity provider of its own. Its issuer is `oauth_issuer_url`; the tokens it
/// issues are for `resource_server_url`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct OAuthServerSettings {
    /// Serve the authorization server.
    pub enabled: bool,
    /// Where clients, codes, tokens, consents, keys and users are kept: `sqlite://…` or
    /// `postgres://…`.
    pub database_url: String,
    /// Seconds an access token is valid.
    pub access_token_ttl: u64,
    /// Seconds a refresh token is valid.
    pub refresh_token_ttl: u64,
    /// Seconds a grant lasts from the user's consent, however often its refresh tokens
    /// rotate; then the user signs in again.
    pub grant_lifetime: u64,
    /// Seconds an authorization code is valid.
    pub code_ttl: u64,
    /// Seconds a login lasts.
    pub session_ttl: u64,
    /// Accept RFC 7591 dynamic client registration at `/oauth/register`.
    pub dynamic_registration: bool,
    /// Registrations accepted per minute, from everyone together: registration needs no
    /// credentials, and each one is a row in the database.
    pub registrations_per_minute: u32,
    /// Accept Client ID Metadata Documents: an `https://` client id is fetched for the
    /// client's metadata.
    pub client_metadata_documents: bool,
    /// Also fetch `http://` client ids on loopback addresses (for tests and local clients).
    pub allow_loopback_client_metadata: bool,
    /// The largest client metadata document fetched, in bytes.
    pub client_metadata_max_bytes: usize,
    /// Seconds a client metadata fetch may take.
    pub client_metadata_timeout: u64,
    /// Seconds a fetched client metadata document is kept.
    pub client_metadata_cache_ttl: u64,
    /// The client name on the consent page when the connector names none.
    pub app_name: String,
}

impl Default for OAuthServerSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            database_url: "sqlite://mcp-kit-oauth.db?mode=rwc".into(),
            access_token_ttl: 3600,
            refresh_token_ttl: 30 * 24 * 3600,
            grant_lifetime: 90 * 24 * 3600,
            code_ttl: 60,
            session_ttl: 14 * 24 * 3600,
            dynamic_registration: false,
            registrations_per_minute: 20,
            client_metadata_documents: true,
            allow_loopback_client_metadata: false,
            client_metadata_max_bytes: 5 * 1024,
            client_metadata_timeout: 5,
            client_metadata_cache_ttl: 300,
            app_name: "MCP connector".into(),
        }
    }
}

/// The `[auth]` table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthSettings {
    /// `[[auth.static_tokens]]`: tokens known by their SHA-256, for the `static_bearer` backend.
    pub static_tokens: Vec<StaticToken>,
    /// `[auth.jwt]`: the `jwt` backend (feature `oauth`).
    pub jwt: JwtSettings,
    /// `[auth.introspection]`: the `introspection` backend (feature `oauth`).
    pub introspection: IntrospectionSettings,
}

/// The `[auth.jwt]` table. Tokens must be issued by `oauth_issuer_url` for the audience
/// `resource_server_url`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct JwtSettings {
    /// Where the issuer publishes its signing keys.
    pub jwks_url: Option<String>,
    /// Signature algorithms accepted (public-key ones only).
    pub algorithms: Vec<String>,
    /// Seconds of clock skew tolerated on `exp` and `nbf`.
    pub leeway: u64,
    /// Seconds fetched keys are trusted before they are fetched again.
    pub jwks_cache_ttl: u64,
    /// The fewest seconds between two fetches of the keys (a token naming an unknown key
    /// triggers one).
    pub jwks_min_refresh_interval: u64,
    /// Accept only tokens typed as access tokens (`typ: at+jwt`, RFC 9068), so an ID token
    /// or another JWT the issuer signs for the same audience is refused.
    pub require_access_token_type: bool,
}

impl Default for JwtSettings {
    fn default() -> Self {
        Self {
            jwks_url: None,
            algorithms: ["RS256", "PS256", "ES256", "EdDSA"]
                .map(String::from)
                .to_vec(),
            leeway: 30,
            jwks_cache_ttl: 600,
            jwks_min_refresh_interval: 30,
            require_access_token_type: false,
        }
    }
}

/// The `[auth.introspection]` table (RFC 7662). Answers must name the audience
/// `resource_server_url`, and the issuer `oauth_issuer_url` when they name one.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct IntrospectionSettings {
    /// The introspection endpoint.
    pub url: Option<String>,
    /// This server's client id at the authorization server.
    pub client_id: Option<String>,
    /// Its secret; better set as `MCP_KIT_AUTH__INTROSPECTION__CLIENT_SECRET` than in a file.
    pub client_secret: Option<String>,
    /// Seconds an answer is kept (never past the token's expiry).
    pub cache_ttl: u64,
}

impl Default for IntrospectionSettings {
    fn default() -> Self {
        Self {
            url: None,
            client_id: None,
            client_secret: None,
            cache_ttl: 60,
        }
    }
}

/// Leaves the database password out.
impl std::fmt::Debug for OAuthServerSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthServerSettings")
            .field("enabled", &self.enabled)
            .field("database_url", &without_password(&self.database_url))
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("grant_lifetime", &self.grant_lifetime)
            .field("code_ttl", &self.code_ttl)
            .field("session_ttl", &self.session_ttl)
            .field("dynamic_registration", &self.dynamic_registration)
            .field("registrations_per_minute", &self.registrations_per_minute)
            .field("client_metadata_documents", &self.client_metadata_documents)
            .field(
                "allow_loopback_client_metadata",
                &self.allow_loopback_client_metadata,
            )
            .field("client_metadata_max_bytes", &self.client_metadata_max_bytes)
            .field("client_metadata_timeout", &self.client_metadata_timeout)
            .field("client_metadata_cache_ttl", &self.client_metadata_cache_ttl)
            .field("app_name", &self.app_name)
            .finish()
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:…@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) if credentials.contains(':') => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:…@{host}")
        }
        _ => url.to_owned(),
    }
}

/// Leaves the secret out.
impl std::fmt::Debug for IntrospectionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionSettings")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "…"))
            .field("cache_ttl", &self.cache_ttl)
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server_name: None,
            server_version: None,
            transport: Transport::StreamableHttp,
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8810,
            stateless: true,
            json_response: true,
            fast_path: true,
            dns_rebinding_protection: true,
            dev_console: false,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            body_limit: 4 * 1024 * 1024,
            header_read_timeout: 30,
            body_read_timeout: 30,
            max_connections: 1024,
            page_size: 100,
            session_idle_timeout: 300,
            max_sessions: 1000,
            max_sessions_per_caller: 16,
            max_listens: 1000,
            max_listens_per_caller: 8,
            graceful_shutdown_timeout: 30,
            log_format: LogFormat::Text,
            auth_backends: vec!["static_bearer".into()],
            require_auth: true,
            required_scopes: vec!["mcp".into()],
            oauth_issuer_url: None,
            resource_server_url: None,
            write_rate_limit: (30, 60),
            rate_limit_redis_url: None,
            notify_redis_url: None,
            metrics_token_sha256: None,
            request_state_keys: Secrets::default(),
            auth: AuthSettings::default(),
            oauth_server: OAuthServerSettings::default(),
            tasks: TaskSettings::default(),
            upstream: Vec::new(),
        }
    }
}

const KEYS: &[&str] = &[
    "server_name",
    "server_version",
    "transport",
    "host",
    "port",
    "stateless",
    "json_response",
    "fast_path",
    "dns_rebinding_protection",
    "dev_console",
    "allowed_hosts",
    "allowed_origins",
    "body_limit",
    "header_read_timeout",
    "body_read_timeout",
    "max_connections",
    "page_size",
    "session_idle_timeout",
    "max_sessions",
    "max_sessions_per_caller",
    "max_listens",
    "max_listens_per_caller",
    "graceful_shutdown_timeout",
    "log_format",
    "auth_backends",
    "require_auth",
    "required_scopes",
    "oauth_issuer_url",
    "resource_server_url",
    "request_state_keys",
    "auth",
    "oauth_server",
    "tasks",
    "write_rate_limit",
    "rate_limit_redis_url",
    "notify_redis_url",
    "metrics_token_sha256",
];

/// A setting that could not be read. The message names the key and where its value came from.
#[derive(Debug)]
pub struct ConfigError(pub(crate) String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Settings {
    /// Reads the settings: defaults, then the config file, then `MCP_KIT_*` variables, then
    /// `overrides` (command-line flags, as a partial map of keys).
    ///
    /// `file` must exist when given; without it, `mcp-kit.toml` is read if present.
    pub fn load(file: Option<&Path>, overrides: impl Serialize) -> Result<Self, ConfigError> {
        let mut figment = Figment::new().merge(Serialized::defaults(Settings::default()));
        match file {
            Some(path) if !path.is_file() => {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE));
            }
            None => {}
        }
        figment
            .merge(Env::prefixed("MCP_KIT_").only(KEYS))
            // Nested keys with `__`: `MCP_KIT_AUTH__JWT__JWKS_URL` is `auth.jwt.jwks_url`.
            .merge(
                Env::prefixed("MCP_KIT_")
                    .filter(|key| key.as_str().contains("__"))
                    .split("__"),
            )
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|error| ConfigError(describe(error)))
    }
}

/// One line per problem, each naming the key and the source of its value.
fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e.metadata.as_ref().map_or_else(
                || "defaults".to_owned(),
                |m| match &m.source {
                    Some(source) => format!("{} ({source})", m.name),
                    None => m.name.to_string(),
                },
            );
            if key.is_empty() {
                format!("invalid settings from {source}: {}", e.kind)
            } else {
                format!("invalid setting `{key}` from {source}: {}", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's `Jail` closures return its large error type.
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn sources_apply_in_order() {
        Jail::expect_with(|jail| {
            jail.create_file("mcp-kit.toml", "port = 9000\nstateless = false\n")?;
            jail.set_env("MCP_KIT_PORT", "9100");
            let settings = Settings::load(None, serde_json::json!({})).unwrap();
            assert_eq!(settings.port, 9100);
            assert!(!settings.stateless);
            let settings = Settings::load(None, serde_json::json!({"port": 9200})).unwrap();
            assert_eq!(settings.port, 9200);
            Ok(())
        });
    }

    #[test]
    fn bad_values_name_the_key_and_source() {
        Jail::expect_with(|jail| {
            jail.set_env("MCP_KIT_PORT", "not-a-port");
            let error = Settings::load(None, serde_json::json!({}))
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("`port`") && error.contains("MCP_KIT_"),
                "{error}"
            );
            jail.clear_env();
            jail.create_file("custom.toml", "prot = 1\n")?;
            let error =
                Settings::load(Some(Path::new("custom.toml")), serde_json::json!({})).unwrap_err();
            assert!(
                error.to_string().contains("prot") && error.to_string().contains("custom.toml"),
                "{error}"
            );
            Ok(())
        });
    }

    #[test]
    fn nested_keys_come_from_double_underscores() {
        Jail::expect_with(|jail| {
            jail.set_env("MCP_KIT_AUTH__INTROSPECTION__CLIENT_SECRET", "hush");
            jail.set_env("MCP_KIT_AUTH__JWT__LEEWAY", "5");
            let settings = Settings::load(None, serde_json::json!({})).unwrap();
            assert_eq!(
                settings.auth.introspection.client_secret.as_deref(),
                Some("hush")
            );
            assert_eq!(settings.auth.jwt.leeway, 5);
            assert!(!format!("{settings:?}").contains("hush"));
            Ok(())
        });
    }

    #[test]
    fn unrelated_environment_variables_are_ignored() {
        Jail::expect_with(|jail| {
            // The suite also runs with `MCP_KIT_FAST_PATH=false` set.
            jail.clear_env();
            jail.set_env("MCP_KIT_SOMETHING_ELSE", "x");
            assert_eq!(
                Settings::load(None, serde_json::json!({})).unwrap(),
                Settings::default()
            );
            Ok(())
        });
    }

    #[test]
    fn the_database_password_stays_out_of_debug_output() {
        let settings = OAuthServerSettings {
            database_url: "postgres://mcp:hunter2@db/oauth".into(),
            ..OAuthServerSettings::default()
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://mcp:…@db/oauth"), "{shown}");
    }
}
