//! [`Server`]: the registry, the state and the settings, put together once at start-up.

use std::sync::Arc;

use crate::auth::{AuthChain, Authenticator, Principal, Resolver, StaticTokens};
use crate::config::{ConfigError, Settings};
use crate::dispatch::{CallInfo, Dispatcher, Policy};
use crate::error::ToolError;
use crate::extract::StateMap;
use crate::notifier::Notifier;
use crate::permission::Permission;
use crate::prompt::Prompt;
use crate::ratelimit::{Rate, RateLimiter};
use crate::registrar::{Mounted, Registrar};
use crate::registry::{Items, Registry, RegistryError};
use crate::resource::Resource;
use crate::tool::Tool;

/// Why a server could not start or stopped with an error.
#[non_exhaustive]
pub enum Error {
    /// A setting is invalid.
    Config(ConfigError),
    /// The tools do not form a valid registry (e.g. two share a name).
    Registry(RegistryError),
    /// An I/O failure, e.g. the port is taken.
    Io(std::io::Error),
    /// The command line asked for something that failed, e.g. an unknown tool.
    Command(String),
}

/// Prints the message, so that `main` returning this error reads well.
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(error) => error.fmt(f),
            Self::Registry(error) => error.fmt(f),
            Self::Io(error) => error.fmt(f),
            Self::Command(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Config(error) => Some(error),
            Self::Registry(error) => Some(error),
            Self::Io(error) => Some(error),
            Self::Command(_) => None,
        }
    }
}

impl From<ConfigError> for Error {
    fn from(error: ConfigError) -> Self {
        Self::Config(error)
    }
}

impl From<RegistryError> for Error {
    fn from(error: RegistryError) -> Self {
        Self::Registry(error)
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

/// The name and version a server reports as `serverInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// Usually the binary's crate name.
    pub name: String,
    /// Usually the binary's crate version.
    pub version: String,
}

/// Builds a [`Server`]. Start from [`Server::builder`].
#[must_use]
pub struct ServerBuilder {
    info: ServerInfo,
    items: Items,
    state: StateMap,
    linked_tools: bool,
    settings: Option<Settings>,
    config_file: Option<std::path::PathBuf>,
    authenticators: Vec<(String, Arc<dyn Authenticator>)>,
    policy: Policy,
    custom_limiter: bool,
    notifier: Notifier,
    pub(crate) probes: crate::health::Probes,
    pub(crate) mounted: Vec<Mounted>,
    #[cfg(feature = "oauth-server")]
    oauth_users: Option<Arc<dyn crate::oauth_server::UserSource>>,
    #[cfg(feature = "oauth-server")]
    oauth_scope_policy: Arc<dyn crate::oauth_server::ScopePolicy>,
}

/// A built server: serve it over HTTP or stdio, mount its router, or test it in memory.
#[derive(Clone)]
pub struct Server {
    pub(crate) dispatcher: Arc<Dispatcher>,
    pub(crate) info: ServerInfo,
    pub(crate) settings: Arc<Settings>,
    pub(crate) auth: AuthChain,
    pub(crate) notifier: Notifier,
    /// What `/healthz` reports on beside the server: the servers it mounts.
    pub(crate) probes: crate::health::Probes,
    /// Requests the fast path answered.
    pub(crate) fast_path_answered: Arc<std::sync::atomic::AtomicU64>,
    /// Seals the state of input-required results.
    pub(crate) state_keys: crate::sealed::StateKeys,
    /// The built-in authorization server, when `oauth_server.enabled`.
    #[cfg(feature = "oauth-server")]
    pub(crate) oauth: Option<Arc<crate::oauth_server::AuthorizationServer>>,
    /// The tasks, when a tool runs as one.
    #[cfg(feature = "tasks")]
    pub(crate) tasks: Option<Arc<crate::task::Tasks>>,
}

impl Server {
    /// A builder that serves every `#[tool]` linked into the binary.
    ///
    /// Set [`ServerBuilder::info`] to your crate's name and version (the [`run!`](crate::run)
    /// macro does this for you).
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            info: ServerInfo {
                name: "mcp-kit".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            items: Items::default(),
            state: StateMap::default(),
            linked_tools: true,
            settings: None,
            config_file: None,
            authenticators: Vec::new(),
            policy: Policy::default(),
            custom_limiter: false,
            notifier: Notifier::default(),
            probes: crate::health::Probes::default(),
            mounted: Vec::new(),
            #[cfg(feature = "oauth-server")]
            oauth_users: None,
            #[cfg(feature = "oauth-server")]
            oauth_scope_policy: Arc::new(crate::oauth_server::PermissionNamedScopes),
        }
    }

    /// The built-in authorization server, when `oauth_server.enabled` (feature `oauth-server`).
    #[cfg(feature = "oauth-server")]
    pub fn authorization_server(&self) -> Option<&crate::oauth_server::AuthorizationServer> {
        self.oauth.as_deref()
    }

    /// The items this server serves now (a snapshot: see [`Dispatcher::registry`]).
    pub fn registry(&self) -> Arc<Registry> {
        self.dispatcher.registry()
    }

    /// The dispatcher, to call tools directly.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Tells the clients subscribed to `uri` that the resource changed
    /// (`notifications/resources/updated`), those that may read it.
    pub async fn notify_resource_updated(&self, uri: &str) {
        self.notifier.notify_resource_updated(uri).await;
    }

    /// Tells connected clients that the list of resources changed.
    pub async fn notify_resource_list_changed(&self) {
        self.notifier.notify_resource_list_changed().await;
    }

    /// Tells connected clients that the list of tools changed.
    pub async fn notify_tool_list_changed(&self) {
        self.notifier.notify_tool_list_changed().await;
    }

    /// Tells connected clients that the list of prompts changed.
    pub async fn notify_prompt_list_changed(&self) {
        self.notifier.notify_prompt_list_changed().await;
    }

    /// How many requests the fast path has answered, over every router of this server: for
    /// tests that must know it answered at all.
    #[doc(hidden)]
    pub fn fast_path_answers(&self) -> u64 {
        self.fast_path_answered
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A handle that announces changes, as the `notify_*` methods do.
    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    /// The `serverInfo` reported to clients.
    pub fn info(&self) -> &ServerInfo {
        &self.info
    }
}

impl ServerBuilder {
    /// The name and version reported as `serverInfo` (unless settings override them).
    pub fn info(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.info = ServerInfo {
            name: name.into(),
            version: version.into(),
        };
        self
    }

    /// Adds a hand-registered tool.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.items.tools.push(tool);
        self
    }

    /// Adds hand-registered tools, such as an OpenAPI document's (`mcp_kit::openapi`, feature
    /// `openapi`).
    pub fn tools(mut self, tools: impl IntoIterator<Item = Tool>) -> Self {
        self.items.tools.extend(tools);
        self
    }

    /// Adds a hand-registered resource or resource template.
    pub fn resource(mut self, resource: Resource) -> Self {
        self.items.resources.push(resource);
        self
    }

    /// Adds a hand-registered prompt.
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.items.prompts.push(prompt);
        self
    }

    /// Serves only hand-registered items, ignoring those found at link time. For tests.
    pub fn without_linked_tools(mut self) -> Self {
        self.linked_tools = false;
        self
    }

    /// Shared state that handlers receive as [`State<T>`](crate::State). One value per type.
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(Arc::new(value));
        self
    }

    /// Adds an authenticator named `name`. It runs where `auth_backends` names it, or after
    /// the named ones when `auth_backends` does not.
    pub fn authenticator(
        mut self,
        name: impl Into<String>,
        authenticator: impl Authenticator,
    ) -> Self {
        self.authenticators
            .push((name.into(), Arc::new(authenticator)));
        self
    }

    /// Resolves bearer tokens with `resolve`: return the principal for a token you know, `None`
    /// for one you do not. Named `bearer_resolver` in `auth_backends`.
    pub fn bearer_resolver<F, Fut>(self, resolve: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Option<Principal>> + Send + 'static,
    {
        self.authenticator("bearer_resolver", Resolver(resolve))
    }

    /// The [`Notifier`] the built server will announce changes with: hand it to tools as
    /// state, so that they can say a list or a resource changed.
    pub fn notifier(&self) -> Notifier {
        self.notifier.clone()
    }

    /// Who is signed in, for the built-in authorization server's consent and connector pages,
    /// when the host application has its own login (feature `oauth-server`). Without it, the
    /// server's own login page and users table are used.
    #[cfg(feature = "oauth-server")]
    pub fn oauth_users(mut self, users: impl crate::oauth_server::UserSource) -> Self {
        self.oauth_users = Some(Arc::new(users));
        self
    }

    /// Who may hold a scope beyond `required_scopes` in the built-in authorization server's
    /// tokens (feature `oauth-server`): a [`ScopePolicy`](crate::oauth_server::ScopePolicy),
    /// such as `|user: &Principal, scope: &str| …`. Without one, a user holds a scope when
    /// they have a permission of the same name.
    #[cfg(feature = "oauth-server")]
    pub fn oauth_scope_policy(mut self, policy: impl crate::oauth_server::ScopePolicy) -> Self {
        self.oauth_scope_policy = Arc::new(policy);
        self
    }

    /// The permission for items that set none (default: allow anyone who got past
    /// authentication).
    pub fn default_permission(mut self, permission: impl Permission) -> Self {
        self.policy.default_permission = Some(Arc::new(permission));
        self
    }

    /// Where rate limits are counted (default: in this process's memory, or in Redis when
    /// `rate_limit_redis_url` is set).
    pub fn rate_limiter(mut self, limiter: impl RateLimiter) -> Self {
        self.policy.limiter = Arc::new(limiter);
        self.custom_limiter = true;
        self
    }

    /// A hook run before every call, after the permission check.
    pub fn before_call(
        mut self,
        hook: impl Fn(&CallInfo<'_>) -> Result<(), ToolError> + Send + Sync + 'static,
    ) -> Self {
        self.policy.before_call = Some(Arc::new(hook));
        self
    }

    /// The settings file read when `--config` is not given (default: `./mcp-kit.toml` when
    /// present). It must exist.
    pub fn config_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Uses these settings instead of reading them from files and the environment.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = Some(settings);
        self
    }

    /// Builds the server: reads the settings (unless given) and the registry.
    pub fn build(self) -> Result<Server, Error> {
        let settings = self.load_settings(None, serde_json::json!({}))?;
        self.build_with(settings)
    }

    #[cfg_attr(not(feature = "oauth-server"), allow(unused_mut))]
    pub(crate) fn build_with(mut self, settings: Settings) -> Result<Server, Error> {
        if let Some(declared) = settings
            .upstream
            .iter()
            .find(|u| !self.probes.has(&u.prefix))
        {
            let feature = if cfg!(feature = "client") {
                ""
            } else {
                ", with mcp-kit's `client` feature on"
            };
            return Err(Error::Config(ConfigError(format!(
                "[[upstream]] `{}` is declared but not mounted: call `mount_declared().await` \
                 before `build()`, or serve with `run()`{feature}",
                declared.prefix
            ))));
        }
        let own = Items::assemble(self.items, self.linked_tools)?;
        let registrar = Registrar::new(own, self.mounted);
        let registry = registrar.registry()?;
        let info = ServerInfo {
            name: settings.server_name.clone().unwrap_or(self.info.name),
            version: settings.server_version.clone().unwrap_or(self.info.version),
        };
        if settings.dev_console && !settings.host.is_loopback() {
            return Err(Error::Config(ConfigError(format!(
                "the developer console (`dev_console`, `serve --dev`) calls tools as any configured caller \
                 without a token, so it is served only on a loopback address, not {}",
                settings.host
            ))));
        }
        let (calls, seconds) = settings.write_rate_limit;
        let mut policy = self.policy;
        policy.write_rate = (calls > 0 && seconds > 0).then(|| Rate::per_seconds(calls, seconds));
        if let Some(url) = &settings.rate_limit_redis_url
            && !self.custom_limiter
        {
            policy.limiter = redis_limiter(url).map_err(|e| Error::Config(ConfigError(e)))?;
        }
        let state_keys = state_keys(&settings)?;
        // The model tools seal their list cursors with it too.
        self.state.insert(Arc::new(state_keys.clone()));
        let mut dispatcher = Dispatcher::new(registry, self.state, policy);
        if settings.dev_console {
            dispatcher = dispatcher.with_call_log();
        }
        let dispatcher = Arc::new(dispatcher);
        self.notifier.attach(&dispatcher);
        registrar.serve(&dispatcher, &self.notifier);
        if let Some(url) = &settings.notify_redis_url {
            self.notifier
                .relay_through(url)
                .map_err(|e| Error::Config(ConfigError(e)))?;
        }
        #[cfg(feature = "oauth-server")]
        let (settings, oauth) = oauth_server(
            settings,
            &dispatcher,
            &mut self.authenticators,
            self.oauth_users,
            self.oauth_scope_policy,
        )?;
        #[cfg(not(feature = "oauth-server"))]
        if settings.oauth_server.enabled {
            return Err(Error::Config(ConfigError(
                "oauth_server.enabled is set, but mcp-kit was built without its `oauth-server` \
                 feature"
                    .into(),
            )));
        }
        let auth = auth_chain(&settings, self.authenticators)?;
        let registry = dispatcher.registry();
        let task_tool = registry
            .tools()
            .iter()
            .find(|tool| tool.task != crate::tool::TaskSupport::Forbidden);
        #[cfg(feature = "tasks")]
        let tasks = task_tool
            .map(|_| crate::task::Tasks::new(&settings.tasks, dispatcher.clone()).map(Arc::new))
            .transpose()
            .map_err(|e| Error::Config(ConfigError(e)))?;
        #[cfg(not(feature = "tasks"))]
        if let Some(tool) = task_tool {
            return Err(Error::Config(ConfigError(format!(
                "the tool `{}` runs as a task, which needs mcp-kit's `tasks` feature",
                tool.name
            ))));
        }
        Ok(Server {
            dispatcher,
            info,
            settings: Arc::new(settings),
            auth,
            notifier: self.notifier,
            probes: self.probes,
            fast_path_answered: Arc::default(),
            state_keys,
            #[cfg(feature = "oauth-server")]
            oauth,
            #[cfg(feature = "tasks")]
            tasks,
        })
    }

    /// The server's name, unless settings say another.
    #[cfg(feature = "otel")]
    pub(crate) fn name(&self) -> &str {
        &self.info.name
    }

    /// The settings given, or else those read from `file` (or the builder's settings file),
    /// the environment and `overrides`.
    pub(crate) fn load_settings(
        &self,
        file: Option<&std::path::Path>,
        overrides: impl serde::Serialize,
    ) -> Result<Settings, ConfigError> {
        match &self.settings {
            Some(settings) => Ok(settings.clone()),
            None => Settings::load(file.or(self.config_file.as_deref()), overrides),
        }
    }
}

/// The authorization server `settings` enable, with its token authenticator registered as
/// `oauth_server` (run where `auth_backends` names it, else after the named ones). Without
/// `oauth_issuer_url`, the issuer is the origin of `resource_server_url`.
#[cfg(feature = "oauth-server")]
fn oauth_server(
    mut settings: Settings,
    dispatcher: &Dispatcher,
    authenticators: &mut Vec<(String, Arc<dyn Authenticator>)>,
    users: Option<Arc<dyn crate::oauth_server::UserSource>>,
    scope_policy: Arc<dyn crate::oauth_server::ScopePolicy>,
) -> Result<
    (
        Settings,
        Option<Arc<crate::oauth_server::AuthorizationServer>>,
    ),
    Error,
> {
    if !settings.oauth_server.enabled {
        return Ok((settings, None));
    }
    let scopes_supported = dispatcher.supported_scopes(&settings.required_scopes);
    let server = crate::oauth_server::AuthorizationServer::new(
        &settings,
        scopes_supported,
        scope_policy,
        users,
    )
    .map(Arc::new)
    .map_err(|e| Error::Config(ConfigError(e)))?;
    settings.oauth_issuer_url = Some(server.issuer().to_owned());
    authenticators.push(("oauth_server".into(), server.authenticator()));
    Ok((settings, Some(server)))
}

/// The keys `request_state_keys` lists, or one made for this process.
fn state_keys(settings: &Settings) -> Result<crate::sealed::StateKeys, Error> {
    let keys = crate::sealed::StateKeys::from_base64(&settings.request_state_keys.0)
        .map_err(|e| Error::Config(ConfigError(e)))?;
    if !keys.is_empty() {
        return Ok(keys);
    }
    tracing::info!(
        "no request_state_keys set: input-required results and list cursors are sealed with a key \
         made for this process, so only this process can open them; replicas need a shared key"
    );
    Ok(crate::sealed::StateKeys::random())
}

/// The chain `auth_backends` names, with authenticators registered in code but not named
/// appended after.
fn auth_chain(
    settings: &Settings,
    mut registered: Vec<(String, Arc<dyn Authenticator>)>,
) -> Result<AuthChain, Error> {
    let mut chain: Vec<(String, Arc<dyn Authenticator>)> = Vec::new();
    for name in &settings.auth_backends {
        let backend = if let Some(at) = registered.iter().position(|(n, _)| n == name) {
            registered.remove(at).1
        } else {
            built_in(name, settings).map_err(|e| Error::Config(ConfigError(e)))?
        };
        chain.push((name.clone(), backend));
    }
    chain.extend(registered);
    Ok(AuthChain::new(chain))
}

#[cfg(feature = "redis")]
fn redis_limiter(url: &str) -> Result<Arc<dyn RateLimiter>, String> {
    let limiter = crate::ratelimit::Redis::new(url)
        .map_err(|e| format!("invalid setting `rate_limit_redis_url`: {e}"))?;
    Ok(Arc::new(limiter))
}

#[cfg(not(feature = "redis"))]
fn redis_limiter(_: &str) -> Result<Arc<dyn RateLimiter>, String> {
    Err("`rate_limit_redis_url` is set, but mcp-kit was built without its `redis` feature".into())
}

/// The backends `auth_backends` can name without registering them in code.
fn built_in(name: &str, settings: &Settings) -> Result<Arc<dyn Authenticator>, String> {
    match name {
        "static_bearer" => Ok(Arc::new(StaticTokens::new(&settings.auth.static_tokens)?)),
        #[cfg(feature = "oauth")]
        "jwt" => oauth::jwt(settings),
        #[cfg(feature = "oauth")]
        "introspection" => oauth::introspection(settings),
        #[cfg(not(feature = "oauth"))]
        "jwt" | "introspection" => Err(format!(
            "auth_backends names `{name}`, which needs mcp-kit's `oauth` feature"
        )),
        "oauth_server" => Err(
            "auth_backends names `oauth_server`, which needs `oauth_server.enabled = true` \
             (feature `oauth-server`)"
                .into(),
        ),
        _ => Err(format!(
            "auth_backends names `{name}`, which is neither built in (`static_bearer`, `jwt`, \
             `introspection`) nor registered with Server::builder().authenticator(\"{name}\", …)"
        )),
    }
}

#[cfg(feature = "oauth")]
mod oauth {
    use std::sync::Arc;
    use std::time::Duration;

    use crate::auth::{
        Authenticator, Introspection, IntrospectionConfig, JwtAuthenticator, JwtConfig,
    };
    use crate::config::Settings;

    /// `value`, or an error saying which setting `backend` lacks.
    fn required(value: &Option<String>, backend: &str, key: &str) -> Result<String, String> {
        value
            .clone()
            .ok_or_else(|| format!("the `{backend}` backend needs `{key}`"))
    }

    pub(super) fn jwt(settings: &Settings) -> Result<Arc<dyn Authenticator>, String> {
        let jwt = &settings.auth.jwt;
        Ok(Arc::new(JwtAuthenticator::new(JwtConfig {
            jwks_url: required(&jwt.jwks_url, "jwt", "auth.jwt.jwks_url")?,
            issuer: required(&settings.oauth_issuer_url, "jwt", "oauth_issuer_url")?,
            audience: required(&settings.resource_server_url, "jwt", "resource_server_url")?,
            algorithms: jwt.algorithms.clone(),
            leeway: Duration::from_secs(jwt.leeway),
            jwks_cache_ttl: Duration::from_secs(jwt.jwks_cache_ttl),
            jwks_min_refresh_interval: Duration::from_secs(jwt.jwks_min_refresh_interval),
            require_access_token_type: jwt.require_access_token_type,
        })?))
    }

    pub(super) fn introspection(settings: &Settings) -> Result<Arc<dyn Authenticator>, String> {
        let introspection = &settings.auth.introspection;
        Ok(Arc::new(Introspection::new(IntrospectionConfig {
            url: required(
                &introspection.url,
                "introspection",
                "auth.introspection.url",
            )?,
            client_id: introspection.client_id.clone(),
            client_secret: introspection.client_secret.clone(),
            issuer: settings.oauth_issuer_url.clone(),
            audience: required(
                &settings.resource_server_url,
                "introspection",
                "resource_server_url",
            )?,
            cache_ttl: Duration::from_secs(introspection.cache_ttl),
            leeway: Duration::from_secs(settings.auth.jwt.leeway),
        })))
    }
}
