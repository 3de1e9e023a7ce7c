//! Another MCP server's tools, resources and prompts served as this server's own, under a
//! prefix (feature `client`).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use mcp_kit::mount::Upstream;
//! use mcp_kit::Server;
//!
//! let github = Upstream::http("https://mcp.example.com/mcp")
//!     .bearer_from_env("GH_TOKEN")
//!     .mount("github")
//!     .await?;
//! Server::builder().mount(github).build()?;
//! # Ok(()) }
//! ```
//!
//! Settings can declare upstreams too (`[[upstream]]`, see
//! [`UpstreamSettings`](crate::UpstreamSettings)): [`run`](crate::ServerBuilder::run) mounts
//! them, and an application calls [`mount_declared`](crate::ServerBuilder::mount_declared)
//! before `build`.
//!
//! # Names
//!
//! A tool or prompt `name` is served as `{prefix}_{name}`; a resource `scheme://…` (fixed or a
//! template) as `{prefix}+scheme://…`. An upstream tool whose served name would break the tool
//! naming rule ([`is_valid_name`]), or a template mcp-kit does
//! not serve, is skipped with a warning.
//!
//! # Security
//!
//! The caller's credential never travels upstream: the upstream is reached with its own
//! ([`Upstream::bearer`], [`Upstream::header`]). The caller's permissions apply at the front:
//! [`Upstream::permission`] guards every mounted item, and [`Mount::map_tools`] (and
//! `map_resources`, `map_prompts`) gives one a permission or rate limit of its own, as for any
//! hand-registered item.
//!
//! # What passes through
//!
//! A call of a mounted tool (or a read of a mounted resource, or a mounted prompt) carries its
//! caller through: the caller gets the upstream's progress
//! (when it asked for progress) and log messages (at the levels it asked for), and the
//! upstream's questions (a form to fill, a message for the caller's model, the roots) are put
//! to the caller the way its own request allows ([`Ask`](crate::Ask)): in a 2026-07-28
//! request as rounds of input-required results, the questions filed under the upstream's own
//! keys. The upstream is told which questions the caller can answer, so it never asks one the
//! caller cannot. A call that is cancelled, or whose client goes away, is cancelled upstream
//! too. Sampling passes text messages only; URL elicitations are refused.
//!
//! # Lists that change
//!
//! The items are listed when mounting, and again whenever the upstream announces that a list
//! changed (a 2025-11-25 session hears it on its own; a 2026-07-28 upstream is asked with
//! `subscriptions/listen`), and after a new session opens, since a list may have changed while
//! there was none. The new items go through the same permission and `map_*` changes, replace
//! the old ones between two requests (a call already running keeps the item it found), and
//! the front tells its own clients that the list changed. A new list whose items would clash
//! with others (two tools of one name) is refused with a warning, and the old one kept. A
//! server that mounts others declares prompts and resources even while it has none, since
//! an upstream may serve them later.
//!
//! # Failures
//!
//! One session with the upstream serves every
//! call, over pooled connections, asking for no progress (so that an mcp-kit upstream answers
//! with plain JSON). When it fails, the call answers `unavailable` naming the upstream, the session is
//! dropped, and the next call opens another; after a failed attempt to connect, calls answer
//! `unavailable` at once until a pause (doubling up to 30 s) has passed. The rest of the server
//! keeps serving, and `/healthz` reports each upstream as `up`, `down` or `connecting`.

use std::fmt;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use crate::client::{Client, ClientError};
use crate::config::UpstreamSettings;
use crate::content::Content;
use crate::context::Context;
use crate::error::ToolError;
use crate::health::Probe;
use crate::lock::lock;
use crate::notifier::List;
use crate::permission::{All, HasScope, Permission};
use crate::prompt::{Prompt, PromptArgument, PromptMessage, PromptOutput};
use crate::registrar::{Mounted, Slot};
use crate::registry::{Items, is_valid_name};
use crate::resource::Resource;
use crate::role::Role;
use crate::server::ServerBuilder;
use crate::tool::{Tool, ToolAnnotations};
use crate::uri_template::UriTemplate;

/// The first pause after a failed attempt to connect; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const MAX_PAUSE: Duration = Duration::from_secs(30);
/// How long a new session may take by default (see [`Upstream::connect_timeout`]).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to reach another MCP server; [`mount`](Self::mount) connects and lists its items.
#[must_use = "nothing is mounted until mount() is awaited and the Mount given to the builder"]
pub struct Upstream {
    reach: Reach,
    permission: Option<Arc<dyn Permission>>,
    connect_timeout: Duration,
}

#[derive(Clone)]
enum Reach {
    Http {
        url: String,
        headers: Vec<(String, Secret)>,
    },
    Stdio {
        program: String,
        args: Vec<String>,
    },
}

/// A header value read from code or the environment, never printed.
#[derive(Clone)]
enum Secret {
    Value(String),
    Env {
        variable: String,
        prefix: &'static str,
    },
}

impl Upstream {
    /// A server at `url` (its `/mcp` endpoint), over Streamable HTTP.
    pub fn http(url: impl Into<String>) -> Self {
        Self::new(Reach::Http {
            url: url.into(),
            headers: Vec::new(),
        })
    }

    /// A server started as `program args…`, spoken to over its stdin and stdout. It is started
    /// again when it exits.
    pub fn stdio<S: Into<String>>(
        program: impl Into<String>,
        args: impl IntoIterator<Item = S>,
    ) -> Self {
        Self::new(Reach::Stdio {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
        })
    }

    fn new(reach: Reach) -> Self {
        Self {
            reach,
            permission: None,
            connect_timeout: CONNECT_TIMEOUT,
        }
    }

    /// Reaches the upstream with `Authorization: Bearer <token>`.
    pub fn bearer(self, token: impl Into<String>) -> Self {
        self.with_header(
            "authorization",
            Secret::Value(format!("Bearer {}", token.into())),
        )
    }

    /// Reaches the upstream with the bearer token in the environment variable `variable`,
    /// read when connecting; mounting fails naming the variable when it is unset.
    pub fn bearer_from_env(self, variable: impl Into<String>) -> Self {
        let variable = variable.into();
        self.with_header(
            "authorization",
            Secret::Env {
                variable,
                prefix: "Bearer ",
            },
        )
    }

    /// Sends the header `name: value` with every request (HTTP upstreams).
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.with_header(name, Secret::Value(value.into()))
    }

    fn with_header(mut self, name: impl Into<String>, value: Secret) -> Self {
        if let Reach::Http { headers, .. } = &mut self.reach {
            headers.push((name.into(), value));
        }
        self
    }

    /// How long opening a session (the handshake) may take, mounting or reconnecting, before
    /// it fails; calls waiting for it fail with it. Ten seconds unless set.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Who may see and use every item of this upstream.
    pub fn permission(mut self, permission: impl Permission) -> Self {
        self.permission = Some(Arc::new(permission));
        self
    }

    /// Connects, lists the upstream's items, and makes them this server's under `prefix`.
    /// Give the result to [`ServerBuilder::mount`](crate::ServerBuilder::mount).
    pub async fn mount(self, prefix: impl Into<String>) -> Result<Mount, ClientError> {
        let link = Arc::new(Link {
            prefix: prefix.into(),
            reach: self.reach,
            connect_timeout: self.connect_timeout,
            state: tokio::sync::Mutex::new(State::Idle { retry: None }),
            permission: self.permission,
            changes: Mutex::default(),
            registrar: Slot::default(),
        });
        let client = link.connect().await?;
        let items = link.list(&client, &LISTS).await?;
        link.follow(&client, false).await;
        *link.state.lock().await = State::Open(client);
        Ok(Mount { link, items })
    }
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reach {
            Reach::Http { url, .. } => f.debug_struct("Upstream").field("url", url).finish(),
            Reach::Stdio { program, .. } => f
                .debug_struct("Upstream")
                .field("program", program)
                .finish(),
        }
    }
}

/// An upstream's items, named for this server. Add them with
/// [`ServerBuilder::mount`](crate::ServerBuilder::mount).
pub struct Mount {
    link: Arc<Link>,
    items: Items,
}

impl fmt::Debug for Mount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mount")
            .field("prefix", &self.link.prefix)
            .field("tools", &self.items.tools)
            .field("resources", &self.items.resources)
            .field("prompts", &self.items.prompts)
            .finish_non_exhaustive()
    }
}

impl Mount {
    /// The prefix the items are served under.
    pub fn prefix(&self) -> &str {
        &self.link.prefix
    }

    /// The tools, as this server serves them.
    pub fn tools(&self) -> &[Tool] {
        &self.items.tools
    }

    /// The resources and resource templates.
    pub fn resources(&self) -> &[Resource] {
        &self.items.resources
    }

    /// The prompts.
    pub fn prompts(&self) -> &[Prompt] {
        &self.items.prompts
    }

    /// Passes each tool through `change`: to give one a permission or rate limit of its own.
    /// The tools the upstream lists later, when its list changes, go through it too.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), mcp_kit::client::ClientError> {
    /// # use mcp_kit::mount::Upstream;
    /// use mcp_kit::permission::HasScope;
    ///
    /// let github = Upstream::http("https://mcp.example.com/mcp")
    ///     .mount("github")
    ///     .await?
    ///     .map_tools(|tool| match tool.name() {
    ///         "github_delete_repository" => tool.permission(HasScope("admin")),
    ///         _ => tool,
    ///     });
    /// # Ok(()) }
    /// ```
    pub fn map_tools(mut self, change: impl Fn(Tool) -> Tool + Send + Sync + 'static) -> Self {
        self.items.tools = self.items.tools.into_iter().map(&change).collect();
        lock(&self.link.changes).tools.push(Arc::new(change));
        self
    }

    /// Passes each resource and template through `change`, as [`map_tools`](Self::map_tools).
    pub fn map_resources(
        mut self,
        change: impl Fn(Resource) -> Resource + Send + Sync + 'static,
    ) -> Self {
        self.items.resources = self.items.resources.into_iter().map(&change).collect();
        lock(&self.link.changes).resources.push(Arc::new(change));
        self
    }

    /// Passes each prompt through `change`, as [`map_tools`](Self::map_tools).
    pub fn map_prompts(
        mut self,
        change: impl Fn(Prompt) -> Prompt + Send + Sync + 'static,
    ) -> Self {
        self.items.prompts = self.items.prompts.into_iter().map(&change).collect();
        lock(&self.link.changes).prompts.push(Arc::new(change));
        self
    }
}

/// The upstream's items, as listed, made this server's: each calls the upstream through the
/// link.
impl Link {
    fn tool(self: &Arc<Self>, listed: &Value) -> Option<Tool> {
        let upstream_name = listed["name"].as_str()?.to_owned();
        let name = format!("{}_{upstream_name}", self.prefix);
        if !is_valid_name(&name) {
            tracing::warn!(upstream = %self.prefix, tool = %upstream_name, "skipped: `{name}` breaks the tool naming rule");
            return None;
        }
        let input_schema = object_of(&listed["inputSchema"]);
        let link = self.clone();
        let mut tool =
            Tool::from_schema_with_context(name, input_schema, move |arguments, context| {
                let (link, upstream_name) = (link.clone(), upstream_name.clone());
                async move {
                    let arguments = Value::Object(arguments);
                    link.call(async |client| {
                        client
                            .call_tool_in(&upstream_name, arguments, &context)
                            .await
                    })
                    .await
                }
            });
        if let Some(title) = listed["title"].as_str() {
            tool = tool.title(title.to_owned());
        }
        if let Some(description) = listed["description"].as_str() {
            tool = tool.description(description.to_owned());
        }
        let hint = |key: &str| listed["annotations"][key].as_bool();
        tool = tool.annotations(ToolAnnotations {
            read_only: hint("readOnlyHint"),
            destructive: hint("destructiveHint"),
            idempotent: hint("idempotentHint"),
            open_world: hint("openWorldHint"),
        });
        tool.output_schema = listed["outputSchema"]
            .as_object()
            .map(|schema| Arc::new(schema.clone()));
        tool.location.module = "<mounted>";
        Some(tool)
    }

    fn resource(self: &Arc<Self>, listed: &Value) -> Option<Resource> {
        let upstream_uri = listed["uri"]
            .as_str()
            .or_else(|| listed["uriTemplate"].as_str())?
            .to_owned();
        let uri = format!("{}+{upstream_uri}", self.prefix);
        if UriTemplate::parse(&uri).is_err() {
            tracing::warn!(upstream = %self.prefix, resource = %upstream_uri, "skipped: not a URI template mcp-kit serves");
            return None;
        }
        let name = listed["name"].as_str().unwrap_or(&upstream_uri).to_owned();
        let link = self.clone();
        let read = {
            let upstream_uri = upstream_uri.clone();
            move |variables: Map<String, Value>, context: Context| {
                let (link, uri) = (link.clone(), expand(&upstream_uri, &variables));
                async move {
                    link.call(async |client| client.read_resource_in(&uri, &context).await)
                        .await
                }
            }
        };
        let mut resource = Resource::new_with_context(uri, name, read);
        if let Some(mime_type) = listed["mimeType"].as_str() {
            resource = resource.mime_type(mime_type.to_owned());
        }
        if let Some(description) = listed["description"].as_str() {
            resource = resource.description(description.to_owned());
        }
        if let Some(title) = listed["title"].as_str() {
            resource = resource.title(title.to_owned());
        }
        resource.location.module = "<mounted>";
        Some(resource)
    }

    fn prompt(self: &Arc<Self>, listed: &Value) -> Option<Prompt> {
        let upstream_name = listed["name"].as_str()?.to_owned();
        let name = format!("{}_{upstream_name}", self.prefix);
        let arguments = listed["arguments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|argument| {
                Some(PromptArgument {
                    name: argument["name"].as_str()?.to_owned(),
                    description: argument["description"].as_str().map(str::to_owned),
                    required: argument["required"].as_bool().unwrap_or(false),
                })
            })
            .collect();
        let link = self.clone();
        let mut prompt = Prompt::new_with_context(name, arguments, move |arguments, context| {
            let (link, upstream_name) = (link.clone(), upstream_name.clone());
            async move {
                let got = link
                    .call(async |client| {
                        let arguments = Value::Object(arguments);
                        client
                            .get_prompt_in(&upstream_name, arguments, &context)
                            .await
                    })
                    .await?;
                prompt_output(&got)
            }
        });
        if let Some(description) = listed["description"].as_str() {
            prompt = prompt.description(description.to_owned());
        }
        if let Some(title) = listed["title"].as_str() {
            prompt = prompt.title(title.to_owned());
        }
        prompt.location.module = "<mounted>";
        Some(prompt)
    }
}

impl ServerBuilder {
    /// Serves another MCP server's items under its prefix: see [`mount`](crate::mount).
    pub fn mount(mut self, mount: Mount) -> Self {
        self.mounted.push(Mounted {
            prefix: mount.link.prefix.clone(),
            items: mount.items,
            slot: mount.link.registrar.clone(),
        });
        self.probes.add(mount.link);
        self
    }

    /// Mounts the upstreams the settings declare (`[[upstream]]`), before
    /// [`build`](Self::build): the settings given, or else those read from the files and the
    /// environment. [`run`](Self::run) does this itself.
    pub async fn mount_declared(self) -> Result<Self, crate::Error> {
        let settings = self.load_settings(None, serde_json::json!({}))?;
        self.mount_declared_in(&settings).await
    }

    pub(crate) async fn mount_declared_in(
        mut self,
        settings: &crate::Settings,
    ) -> Result<Self, crate::Error> {
        for declared in &settings.upstream {
            if self.probes.has(&declared.prefix) {
                continue;
            }
            let failed = |why: &dyn fmt::Display| {
                crate::Error::Config(crate::ConfigError(format!(
                    "[[upstream]] `{}`: {why}",
                    declared.prefix
                )))
            };
            let mount = upstream_of(declared)
                .map_err(|why| failed(&why))?
                .mount(declared.prefix.clone())
                .await
                .map_err(|error| failed(&error))?;
            self = self.mount(mount);
        }
        Ok(self)
    }
}

/// The upstream an `[[upstream]]` table declares.
fn upstream_of(declared: &UpstreamSettings) -> Result<Upstream, &'static str> {
    let upstream = match (&declared.url, &declared.command) {
        (Some(url), None) => {
            let upstream = Upstream::http(url);
            match &declared.bearer_env {
                Some(variable) => upstream.bearer_from_env(variable),
                None => upstream,
            }
        }
        (None, Some(command)) => Upstream::stdio(command, declared.args.iter().cloned()),
        _ => return Err("give `url` or `command`, one of them"),
    };
    let upstream = upstream.connect_timeout(Duration::from_secs(declared.connect_timeout));
    if declared.scopes.is_empty() {
        return Ok(upstream);
    }
    // Settings are read once, at start-up: the scopes live as long as the server.
    let scopes = declared.scopes.iter().map(|scope| {
        let scope: &'static str = Box::leak(scope.clone().into_boxed_str());
        Box::new(HasScope(scope)) as Box<dyn Permission>
    });
    Ok(upstream.permission(All(scopes.collect())))
}

impl Probe for Link {
    fn name(&self) -> &str {
        &self.prefix
    }

    fn state(&self) -> &'static str {
        match self.state.try_lock().as_deref() {
            Ok(State::Open(_)) => "up",
            Ok(State::Idle { .. }) => "down",
            // A call holds it while it opens a session.
            Err(_) => "connecting",
        }
    }
}

/// The session with one upstream, shared by every call to it.
struct Link {
    prefix: String,
    reach: Reach,
    connect_timeout: Duration,
    state: tokio::sync::Mutex<State>,
    /// Given to every item, as listed now and later.
    permission: Option<Arc<dyn Permission>>,
    changes: Mutex<Changes>,
    /// The server serving the items, once built: told when the upstream's lists change.
    registrar: Slot,
}

/// What [`Mount::map_tools`] and its kin ask, kept for the items listed later.
#[derive(Default)]
struct Changes {
    tools: Vec<Change<Tool>>,
    resources: Vec<Change<Resource>>,
    prompts: Vec<Change<Prompt>>,
}

type Change<T> = Arc<dyn Fn(T) -> T + Send + Sync>;

/// Every list an upstream serves.
const LISTS: [List; 3] = [List::Tools, List::Resources, List::Prompts];

enum State {
    Open(Arc<Client>),
    /// No session; `retry` says when another attempt may be made, and the pause after it.
    Idle {
        retry: Option<(Instant, Duration)>,
    },
}

impl Link {
    /// A new session, unless the upstream takes longer than the connect timeout.
    async fn connect(&self) -> Result<Arc<Client>, ClientError> {
        let connected = tokio::time::timeout(self.connect_timeout, self.open()).await;
        connected.unwrap_or_else(|_| {
            let waited = self.connect_timeout;
            Err(ClientError::Connect(format!("no answer in {waited:?}")))
        })
    }

    async fn open(&self) -> Result<Arc<Client>, ClientError> {
        let client = match &self.reach {
            Reach::Http { url, headers } => {
                let mut client = Client::http(url);
                for (name, value) in headers {
                    let value = match value {
                        Secret::Value(value) => value.clone(),
                        Secret::Env { variable, prefix } => {
                            let value = std::env::var(variable).map_err(|_| {
                                ClientError::Connect(format!(
                                    "the environment variable {variable} is not set"
                                ))
                            })?;
                            format!("{prefix}{value}")
                        }
                    };
                    client = client.header(name.clone(), value);
                }
                client.connect().await?
            }
            Reach::Stdio { program, args } => {
                let mut command = tokio::process::Command::new(program);
                command.args(args);
                Client::spawn(command).await?
            }
        };
        Ok(Arc::new(client))
    }

    /// The open session, or a new one unless the last attempt failed too recently.
    async fn client(self: &Arc<Self>) -> Result<Arc<Client>, ToolError> {
        let mut state = self.state.lock().await;
        let pause = match &*state {
            State::Open(client) => return Ok(client.clone()),
            State::Idle {
                retry: Some((at, pause)),
            } if Instant::now() < *at => {
                return Err(self.unavailable(&"it could not be reached; trying again shortly"));
            }
            State::Idle { retry } => {
                retry.map_or(FIRST_PAUSE, |(_, pause)| (pause * 2).min(MAX_PAUSE))
            }
        };
        match self.connect().await {
            Ok(client) => {
                // The lists may have changed while there was no session.
                self.follow(&client, true).await;
                *state = State::Open(client.clone());
                Ok(client)
            }
            Err(error) => {
                tracing::warn!(upstream = %self.prefix, %error, "cannot reach the mounted server");
                *state = State::Idle {
                    retry: Some((Instant::now() + pause, pause)),
                };
                Err(self.unavailable(&error))
            }
        }
    }

    /// Runs `request` on the session. A failed session is dropped, for the next call to open
    /// another; the upstream's own answer to a bad request is the caller's error.
    async fn call<T>(
        self: &Arc<Self>,
        request: impl AsyncFnOnce(&Client) -> Result<T, ClientError>,
    ) -> Result<T, ToolError> {
        let client = self.client().await?;
        match request(&client).await {
            Ok(answer) => Ok(answer),
            Err(ClientError::Rpc { code, message }) => Err(rpc_error(code, message)),
            Err(ClientError::Unanswered(kind, message)) => Err(ToolError::new(kind, message)),
            Err(ClientError::Cancelled) => Err(ToolError::unavailable(format!(
                "the call to the mounted server `{}` was cancelled",
                self.prefix
            ))),
            Err(error) => {
                self.forget(&client).await;
                Err(self.unavailable(&error))
            }
        }
    }

    /// Drops `session`, unless another replaced it already, for the next call to open one.
    async fn forget(&self, session: &Client) {
        let mut state = self.state.lock().await;
        if matches!(&*state, State::Open(open) if std::ptr::eq(&**open, session)) {
            *state = State::Idle { retry: None };
        }
    }

    /// The items of `lists` the upstream serves now, made this server's.
    async fn list(self: &Arc<Self>, client: &Client, lists: &[List]) -> Result<Items, ClientError> {
        let mut items = Items::default();
        for list in lists {
            match list {
                List::Tools => {
                    let tools = listed(client.list_tools().await)?;
                    items.tools = tools.iter().filter_map(|t| self.tool(t)).collect();
                }
                List::Resources => {
                    let resources = listed(client.list_resources().await)?;
                    let templates = listed(client.list_resource_templates().await)?;
                    let all = resources.iter().chain(&templates);
                    items.resources = all.filter_map(|r| self.resource(r)).collect();
                }
                List::Prompts => {
                    let prompts = listed(client.list_prompts().await)?;
                    items.prompts = prompts.iter().filter_map(|p| self.prompt(p)).collect();
                }
            }
        }
        if let Some(permission) = &self.permission {
            let accesses = (items.tools.iter_mut().map(|t| &mut t.access))
                .chain(items.resources.iter_mut().map(|r| &mut r.access))
                .chain(items.prompts.iter_mut().map(|p| &mut p.access));
            for access in accesses {
                access.permission = Some(permission.clone());
            }
        }
        let changes = lock(&self.changes);
        items.tools = changed(items.tools, &changes.tools);
        items.resources = changed(items.resources, &changes.resources);
        items.prompts = changed(items.prompts, &changes.prompts);
        Ok(items)
    }

    /// Follows the list changes the upstream announces on `session` (listing all first when
    /// `catch_up`), from when this returns until the session ends or another replaces it.
    ///
    /// Boxed: following calls [`client`](Self::client), which follows a new session.
    fn follow<'a>(
        self: &'a Arc<Self>,
        session: &'a Arc<Client>,
        catch_up: bool,
    ) -> BoxFuture<'a, ()> {
        self.follow_inner(session, catch_up).boxed()
    }

    async fn follow_inner(self: &Arc<Self>, session: &Arc<Client>, catch_up: bool) {
        let asked = tokio::time::timeout(self.connect_timeout, session.list_changes()).await;
        let mut changes = match asked {
            Ok(Ok(changes)) => changes,
            Ok(Err(error)) => {
                tracing::warn!(upstream = %self.prefix, %error, "the mounted server's list changes cannot be followed");
                return;
            }
            Err(_) => {
                tracing::warn!(upstream = %self.prefix, "the mounted server did not agree to announce its list changes in time");
                return;
            }
        };
        let (link, session) = (Arc::downgrade(self), Arc::downgrade(session));
        tokio::spawn(async move {
            if catch_up && let Some(link) = link.upgrade() {
                link.refresh(&LISTS).await;
            }
            // The changes end when the session does: its listen stream ended, its
            // transport closed, or another session replaced it and it was dropped.
            while let Some(list) = changes.next().await {
                let Some(link) = link.upgrade() else { return };
                link.refresh(&[list]).await;
            }
            // A session that was replaced is dropped already; one that ended is forgotten
            // here, and another opened, which lists everything again and follows.
            let (Some(strong), Some(client)) = (link.upgrade(), session.upgrade()) else {
                return;
            };
            strong.forget(&client).await;
            drop((strong, client));
            reconnect(link).await;
        });
    }

    /// Lists `lists` again and serves what the upstream serves now.
    async fn refresh(self: &Arc<Self>, lists: &[List]) {
        let Some(registrar) = self.registrar.get().and_then(Weak::upgrade) else {
            return;
        };
        let listed = match self.client().await {
            Ok(client) => self.list(&client, lists).await.map_err(|e| e.to_string()),
            Err(error) => Err(error.message().to_owned()),
        };
        match listed {
            Ok(items) => registrar.replace(&self.prefix, lists, items).await,
            Err(error) => {
                tracing::warn!(upstream = %self.prefix, %error, "the mounted server's lists changed but cannot be listed");
            }
        }
    }

    fn unavailable(&self, why: &dyn fmt::Display) -> ToolError {
        ToolError::unavailable(format!(
            "the mounted server `{}` is unavailable: {why}",
            self.prefix
        ))
    }
}

/// Opens a session with the upstream again, with pauses, until one opens (and follows the
/// lists in its turn) or the mount is gone.
async fn reconnect(link: Weak<Link>) {
    // Longer than a call's first pause: a call that meets the dead session is told so first.
    let mut pause = Duration::from_secs(1);
    loop {
        tokio::time::sleep(pause).await;
        let Some(link) = link.upgrade() else { return };
        if link.client().await.is_ok() {
            return;
        }
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

fn changed<T>(items: Vec<T>, changes: &[Change<T>]) -> Vec<T> {
    changes.iter().fold(items, |items, change| {
        items.into_iter().map(|i| change(i)).collect()
    })
}

/// A list the upstream serves, or none when it serves no such items (method not found).
fn listed(list: Result<Vec<Value>, ClientError>) -> Result<Vec<Value>, ClientError> {
    match list {
        Err(ClientError::Rpc { code: -32601, .. }) => Ok(Vec::new()),
        list => list,
    }
}

/// The upstream's JSON-RPC error as the caller's: invalid params, and a question the caller
/// did not declare it could answer (-32021), stay the caller's mistake.
fn rpc_error(code: i32, message: String) -> ToolError {
    match code {
        -32602 | -32021 => ToolError::bad_request(message),
        -32002 => ToolError::not_found(message),
        _ => ToolError::internal(format!("the upstream answered {code}: {message}")),
    }
}

/// `template` with each `{variable}` replaced by its value: the URI the upstream serves.
fn expand(template: &str, variables: &Map<String, Value>) -> String {
    let mut uri = template.to_owned();
    for (name, value) in variables {
        let value = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        uri = uri.replace(&format!("{{{name}}}"), &value);
    }
    uri
}

fn object_of(schema: &Value) -> Map<String, Value> {
    schema
        .as_object()
        .cloned()
        .unwrap_or_else(|| Map::from_iter([("type".to_owned(), Value::from("object"))]))
}

/// `prompts/get`'s answer, read back into messages.
fn prompt_output(got: &Value) -> Result<PromptOutput, ToolError> {
    let malformed = || ToolError::internal("the upstream's prompt has malformed messages");
    let messages = got["messages"].as_array().ok_or_else(malformed)?;
    let messages = messages
        .iter()
        .map(|message| {
            let role = match message["role"].as_str() {
                Some("assistant") => Role::Assistant,
                Some("user") => Role::User,
                _ => return None,
            };
            let content = Content::from_json(&message["content"])?;
            Some(PromptMessage { role, content })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(malformed)?;
    Ok(PromptOutput {
        description: got["description"].as_str().map(str::to_owned),
        messages,
    })
}
