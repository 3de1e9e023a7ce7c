//! One call's pipeline, the same for every transport: find (unknown or disabled → unknown) →
//! permission → `before_call` hook → arguments validated as they are extracted → rate limit →
//! run (cancellable, panics contained) → format. Refused calls and bad arguments use no quota.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use arc_swap::ArcSwap;
use futures_util::FutureExt as _;
use serde_json::{Map, Value};

use crate::access::Access;
use crate::auth::Principal;
use crate::cache::CacheHint;
use crate::coerce::coerce;
use crate::completion::Completion;
use crate::content::ResourceContents;
use crate::context::{ClientAddr, Context};
use crate::error::{ErrorKind, ToolError};
use crate::extract::{Call, ParamDef, Prepared, StateMap};
use crate::permission::{Denied, Permission};
use crate::prompt::{Prompt, PromptOutput};
use crate::ratelimit::{InMemory, Rate, RateLimiter, Refusal};
use crate::registry::Registry;
use crate::resource::Resource;
use crate::result::ToolOutput;
use crate::tool::Tool;

/// Runs tool calls against a [`Registry`].
pub struct Dispatcher {
    /// Swapped whole when a mounted server's lists change; each request reads one snapshot.
    registry: ArcSwap<Registry>,
    state: Arc<StateMap>,
    policy: Policy,
    #[cfg(feature = "metrics")]
    pub(crate) metrics: crate::metrics::Metrics,
    /// Every finished call, for the developer console's live log, when it is on.
    call_log: Option<tokio::sync::broadcast::Sender<CallRecord>>,
    /// What replaces the registry as mounted servers change theirs, kept while this serves.
    keeper: std::sync::OnceLock<Arc<dyn std::any::Any + Send + Sync>>,
}

/// One finished tool call, as the developer console's log shows it. Never the arguments: they
/// may hold secrets.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct CallRecord {
    pub(crate) tool: String,
    pub(crate) caller: Option<String>,
    pub(crate) outcome: &'static str,
    pub(crate) millis: f64,
}

/// A hook run before every call: refuse by returning an error.
pub type BeforeCall = dyn Fn(&CallInfo<'_>) -> Result<(), ToolError> + Send + Sync;

/// What a [`BeforeCall`] hook sees of a call.
#[derive(Debug)]
pub struct CallInfo<'a> {
    /// The tool's name.
    pub tool: &'a str,
    /// The caller, if authenticated.
    pub principal: Option<&'a Principal>,
    /// The arguments as sent, not yet validated.
    pub arguments: &'a Map<String, Value>,
}

/// Server-wide access rules.
#[derive(Clone)]
pub(crate) struct Policy {
    pub(crate) default_permission: Option<Arc<dyn Permission>>,
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) write_rate: Option<Rate>,
    pub(crate) before_call: Option<Arc<BeforeCall>>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            default_permission: None,
            limiter: Arc::new(InMemory::default()),
            write_rate: None,
            before_call: None,
        }
    }
}

/// Why a call could not even start: a protocol error, not a tool result.
#[derive(Debug)]
pub enum CallError {
    /// No tool has this name.
    UnknownTool(String),
    /// The client cancelled the call.
    Cancelled,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownTool(name) => write!(f, "unknown tool: {name}"),
            Self::Cancelled => f.write_str("request cancelled"),
        }
    }
}

impl std::error::Error for CallError {}

/// Why a resource read, a prompt or a completion failed: a JSON-RPC error, not a result.
#[derive(Debug)]
pub enum ItemError {
    /// No resource matches this URI.
    UnknownResource(String),
    /// No prompt has this name.
    UnknownPrompt(String),
    /// The item refused the request or failed.
    Failed(ToolError),
    /// The client cancelled the request.
    Cancelled,
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownResource(uri) => write!(f, "resource not found: {uri}"),
            Self::UnknownPrompt(name) => write!(f, "unknown prompt: {name}"),
            Self::Failed(error) => f.write_str(&error.client_message()),
            Self::Cancelled => f.write_str("request cancelled"),
        }
    }
}

impl std::error::Error for ItemError {}

/// What a completion is asked for.
#[derive(Debug, Clone, Copy)]
pub enum CompletionTarget<'a> {
    /// An argument of the prompt with this name.
    Prompt(&'a str),
    /// A variable of the resource template with this URI template.
    Resource(&'a str),
}

/// The client cancelled the request.
struct Cancelled;
impl Dispatcher {
    pub(crate) fn new(registry: Registry, state: StateMap, policy: Policy) -> Self {
        Self {
            #[cfg(feature = "metrics")]
            metrics: crate::metrics::Metrics::new(registry.tools().iter().map(Tool::name)),
            registry: ArcSwap::from_pointee(registry),
            state: Arc::new(state),
            policy,
            call_log: None,
            keeper: std::sync::OnceLock::new(),
        }
    }

    /// Keeps a log of finished calls that [`call_log`](Self::call_log) subscribes to.
    pub(crate) fn with_call_log(mut self) -> Self {
        self.call_log = Some(tokio::sync::broadcast::channel(256).0);
        self
    }

    /// The finished calls from now on, when the log is kept.
    pub(crate) fn call_log(&self) -> Option<tokio::sync::broadcast::Receiver<CallRecord>> {
        self.call_log
            .as_ref()
            .map(tokio::sync::broadcast::Sender::subscribe)
    }

    /// The tools of `registry` that `principal` may see, in list order.
    pub fn visible_tools<'a>(
        &'a self,
        registry: &'a Registry,
        principal: Option<&'a Principal>,
    ) -> impl Iterator<Item = &'a Tool> {
        (registry.tools().iter()).filter(move |tool| self.allows(&tool.access, principal))
    }

    /// Whether everyone sees `tool`, always: no `enabled` gate, no permission.
    #[cfg(feature = "fast-path")]
    pub(crate) fn tool_is_open(&self, tool: &Tool) -> bool {
        let access = &tool.access;
        access.enabled.is_none()
            && access.permission.is_none()
            && self.policy.default_permission.is_none()
    }

    /// The cache hint of an item with `access`: its own, private unless everyone may see it.
    pub(crate) fn cache_hint(&self, access: &Access) -> Option<CacheHint> {
        access.cache.map(|hint| {
            if self.is_open(access) {
                hint
            } else {
                hint.private()
            }
        })
    }

    /// Whether no permission decides who sees an item with `access`.
    fn is_open(&self, access: &Access) -> bool {
        access.permission.is_none() && self.policy.default_permission.is_none()
    }

    /// The cache hint of a list showing the items `shown` of all those of its kind: private
    /// when any of them is filtered by permission, since the list then differs by caller.
    pub(crate) fn list_hint<'a>(
        &self,
        shown: impl Iterator<Item = &'a Access>,
        all: impl Iterator<Item = &'a Access>,
    ) -> CacheHint {
        let hint = CacheHint::of_list(shown.map(|access| self.cache_hint(access)));
        let mut all = all;
        if all.all(|access| self.is_open(access)) {
            hint
        } else {
            hint.private()
        }
    }

    /// The cache hint of reading `uri`.
    pub(crate) fn read_hint(&self, uri: &str) -> Option<CacheHint> {
        let registry = self.registry.load();
        let (resource, _) = self.resource_at(&registry, uri)?;
        self.cache_hint(&resource.access)
    }

    /// Whether `principal` sees `tool`.
    pub(crate) fn tool_is_visible(&self, tool: &Tool, principal: Option<&Principal>) -> bool {
        self.allows(&tool.access, principal)
    }

    fn allows(&self, access: &Access, principal: Option<&Principal>) -> bool {
        access.is_enabled(&self.state) && self.check(access, principal).is_ok()
    }

    fn check(&self, access: &Access, principal: Option<&Principal>) -> Result<(), Denied> {
        access.check(self.policy.default_permission.as_deref(), principal)
    }

    /// Who may use an item with `access`, in words.
    pub(crate) fn describe_access(&self, access: &Access) -> String {
        access.describe(self.policy.default_permission.as_deref())
    }

    /// The resources and templates of `registry` that `principal` may see: fixed URIs first.
    pub fn visible_resources<'a>(
        &'a self,
        registry: &'a Registry,
        principal: Option<&'a Principal>,
    ) -> impl Iterator<Item = &'a Resource> {
        registry
            .resources()
            .iter()
            .filter(move |resource| self.allows(&resource.access, principal))
    }

    /// The prompts of `registry` that `principal` may see, in list order.
    pub fn visible_prompts<'a>(
        &'a self,
        registry: &'a Registry,
        principal: Option<&'a Principal>,
    ) -> impl Iterator<Item = &'a Prompt> {
        registry
            .prompts()
            .iter()
            .filter(move |prompt| self.allows(&prompt.access, principal))
    }

    /// Whether `principal` may read the resource at `uri`.
    pub(crate) fn may_read(&self, uri: &str, principal: Option<&Principal>) -> bool {
        self.resource_at(&self.registry.load(), uri)
            .is_some_and(|(resource, _)| self.allows(&resource.access, principal))
    }

    /// The resource `uri` names, with its template's variables: the fixed resource with that
    /// URI, else the first enabled template that matches it.
    fn resource_at<'a>(
        &self,
        registry: &'a Registry,
        uri: &str,
    ) -> Option<(&'a Resource, Vec<(String, String)>)> {
        registry
            .resources()
            .iter()
            .filter(|resource| resource.access.is_enabled(&self.state))
            .find_map(|resource| Some((resource, resource.template.matches(uri)?)))
    }

    /// Reads the resource at `uri`: the fixed resource with that URI, else the first template
    /// that matches it.
    pub async fn read_resource(
        &self,
        uri: &str,
        context: Context,
    ) -> Result<Vec<ResourceContents>, ItemError> {
        let registry = self.registry.load_full();
        let Some((resource, variables)) = self.resource_at(&registry, uri) else {
            return Err(ItemError::UnknownResource(uri.to_owned()));
        };
        let mut call = self.item_call(
            &resource.access,
            variables,
            &resource.input_schema,
            resource.params,
            &context,
        )?;
        let output = self
            .run(prepare(&mut call, |call| resource.read(call)), &context)
            .await?;
        Ok(resource.contents(uri, output))
    }

    /// Renders the prompt `name` with `arguments`.
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        context: Context,
    ) -> Result<PromptOutput, ItemError> {
        let registry = self.registry.load_full();
        let Some(prompt) = registry
            .prompt(name)
            .filter(|prompt| prompt.access.is_enabled(&self.state))
        else {
            return Err(ItemError::UnknownPrompt(name.to_owned()));
        };
        // Prompt arguments are strings on the wire; a client that sends other JSON is
        // forgiven, its value read as text.
        let arguments = arguments.into_iter().map(|(name, value)| match value {
            Value::String(text) => (name, text),
            other => (name, other.to_string()),
        });
        let mut call = self.item_call(
            &prompt.access,
            arguments,
            &prompt.input_schema,
            prompt.params,
            &context,
        )?;
        self.run(prepare(&mut call, |call| prompt.get(call)), &context)
            .await
    }

    /// Suggestions for `argument` of `target`, given the `value` typed so far.
    pub async fn complete(
        &self,
        target: CompletionTarget<'_>,
        argument: &str,
        value: &str,
        principal: Option<&Principal>,
    ) -> Result<Completion, ItemError> {
        let registry = self.registry.load_full();
        let completers = match target {
            CompletionTarget::Prompt(name) => self
                .visible_prompts(&registry, principal)
                .find(|prompt| prompt.name == name)
                .map(|prompt| &prompt.completions)
                .ok_or_else(|| ItemError::UnknownPrompt(name.to_owned()))?,
            CompletionTarget::Resource(uri) => self
                .visible_resources(&registry, principal)
                .find(|resource| resource.uri == uri)
                .map(|resource| &resource.completions)
                .ok_or_else(|| ItemError::UnknownResource(uri.to_owned()))?,
        };
        let values = match completers.iter().find(|c| c.argument == argument) {
            Some(completer) => completer.complete(value.to_owned()).await,
            None => Vec::new(),
        };
        Ok(Completion::from_values(values))
    }

    /// The call a resource or prompt function receives, once its caller is allowed and its
    /// string values are parsed.
    fn item_call(
        &self,
        access: &Access,
        values: impl IntoIterator<Item = (String, String)>,
        schema: &Arc<Map<String, Value>>,
        params: &'static [ParamDef],
        context: &Context,
    ) -> Result<Call, ItemError> {
        if let Err(Denied(message)) = self.check(access, context.principal()) {
            return Err(ItemError::Failed(ToolError::permission_denied(message)));
        }
        let arguments = coerce(values, schema).map_err(ItemError::Failed)?;
        Ok(Call::new(
            arguments,
            context.clone(),
            self.state.clone(),
            schema.clone(),
            params,
        ))
    }

    /// Runs a resource or prompt function whose parameters are taken: cancellable, panics
    /// contained, internal errors logged.
    async fn run<T>(&self, prepared: Prepared<T>, context: &Context) -> Result<T, ItemError> {
        let outcome = match prepared {
            Ok(run) => contained(run, context).await,
            Err(error) => Ok(Err(error)),
        };
        match outcome {
            Err(Cancelled) => Err(ItemError::Cancelled),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                if error.kind() == ErrorKind::Internal {
                    tracing::error!(error = error.message(), "resource or prompt failed");
                }
                Err(ItemError::Failed(error))
            }
        }
    }

    /// The scopes a token may usefully carry here: `required` and every scope some item's
    /// permission asks for, sorted, each once (the protected resource metadata's
    /// `scopes_supported`).
    pub(crate) fn supported_scopes(&self, required: &[String]) -> Vec<String> {
        let scopes: std::collections::BTreeSet<String> = required
            .iter()
            .cloned()
            .chain(self.declared_scopes())
            .collect();
        scopes.into_iter().collect()
    }

    /// Every scope some item's permission asks for.
    pub fn declared_scopes(&self) -> Vec<String> {
        let mut scopes: Vec<String> = (self.registry.load().tools())
            .iter()
            .flat_map(|tool| tool.access.scopes())
            .collect();
        if let Some(default) = &self.policy.default_permission {
            scopes.extend(default.scopes());
        }
        scopes
    }

    /// The items this dispatcher serves now. A mounted server's list changes replace it; the
    /// snapshot returned stays as it was.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.load_full()
    }

    /// [`registry`](Self::registry) for a request: no count taken, held only while it runs.
    pub(crate) fn snapshot(&self) -> arc_swap::Guard<Arc<Registry>> {
        self.registry.load()
    }

    /// Keeps `keeper` (what replaces the registry) as long as this dispatcher.
    pub(crate) fn keep(&self, keeper: Arc<dyn std::any::Any + Send + Sync>) {
        let _ = self.keeper.set(keeper);
    }

    /// The items to serve from now on. Calls already running keep their snapshot.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn replace_registry(&self, registry: Registry) {
        #[cfg(feature = "metrics")]
        self.metrics.add(registry.tools().iter().map(Tool::name));
        self.registry.store(Arc::new(registry));
    }

    /// Calls tool `name`. A tool's failure, bad arguments included, is an `Ok` result with
    /// `is_error` set, so the model can correct itself; only an unknown tool or a
    /// cancelled call is an `Err`.
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: Option<Map<String, Value>>,
        context: Context,
    ) -> Result<ToolOutput, CallError> {
        let outcome = self
            .call_tool_outcome(name, arguments, context, Quota::Take)
            .await?;
        Ok(outcome.unwrap_or_else(|error| ToolOutput::from_error(&error)))
    }

    /// [`call_tool`](Self::call_tool), with the tool's error as the handler gave it: a task
    /// fails on a server fault where a call reports it to the model.
    pub(crate) async fn call_tool_outcome(
        &self,
        name: &str,
        arguments: Option<Map<String, Value>>,
        context: Context,
        quota: Quota,
    ) -> Result<Result<ToolOutput, ToolError>, CallError> {
        // The call runs in its request's span (`crate::telemetry`), which names the tool.
        // Nothing that would read the clock: it is not read.
        let logged = tracing::enabled!(tracing::Level::DEBUG);
        let started = (logged || cfg!(feature = "metrics") || self.call_log.is_some())
            .then(std::time::Instant::now);
        let caller = self
            .call_log
            .as_ref()
            .and(context.principal())
            .map(|p| p.subject.clone());
        let result = self.run_tool(name, arguments, context, quota).await;
        let Some(started) = started else {
            return result;
        };
        let took = started.elapsed();
        let outcome = match &result {
            Ok(Ok(output)) if output.is_error => "error",
            Ok(Err(_)) => "error",
            Ok(Ok(_)) => "ok",
            Err(CallError::UnknownTool(_)) => "unknown",
            Err(CallError::Cancelled) => "cancelled",
        };
        tracing::debug!(
            tool = name,
            outcome,
            micros = took.as_micros() as u64,
            "tool call finished"
        );
        if let Some(log) = &self.call_log {
            // No one listening is not an error.
            let _ = log.send(CallRecord {
                tool: name.to_owned(),
                caller,
                outcome,
                millis: took.as_secs_f64() * 1000.0,
            });
        }
        #[cfg(feature = "metrics")]
        {
            use crate::metrics::Outcome;
            let outcome = match outcome {
                "ok" => Some(Outcome::Ok),
                "error" => Some(Outcome::Error),
                "cancelled" => Some(Outcome::Cancelled),
                _ => None,
            };
            if let Some(outcome) = outcome {
                self.metrics.record(name, outcome, took);
            }
        }
        result
    }

    async fn run_tool(
        &self,
        name: &str,
        arguments: Option<Map<String, Value>>,
        context: Context,
        quota: Quota,
    ) -> Result<Result<ToolOutput, ToolError>, CallError> {
        let registry = self.registry.load_full();
        let Some(tool) = registry
            .tool(name)
            .filter(|tool| tool.access.is_enabled(&self.state))
        else {
            return Err(CallError::UnknownTool(name.to_owned()));
        };
        let principal = context.principal();
        if let Err(Denied(message)) = self.check(&tool.access, principal) {
            return Ok(Err(ToolError::permission_denied(message)));
        }
        let arguments = arguments.unwrap_or_default();
        if let Some(hook) = &self.policy.before_call {
            let info = CallInfo {
                tool: name,
                principal,
                arguments: &arguments,
            };
            if let Err(error) = hook(&info) {
                return Ok(Err(error));
            }
        }
        let mut call = Call::new(
            arguments,
            context.clone(),
            self.state.clone(),
            tool.input_schema.clone(),
            tool.params,
        );
        let prepared = prepare(&mut call, |call| tool.prepare(call));
        // What the handler did not take is not carried across the awaits below.
        drop(call);
        let result = match prepared {
            Err(error) => Err(error),
            Ok(run) => match self.take_quota(tool, &context, quota).await {
                Err(Cancelled) => return Err(CallError::Cancelled),
                Ok(Err(refused)) => Err(refused),
                Ok(Ok(())) => match contained(run, &context).await {
                    Ok(result) => result,
                    Err(Cancelled) => return Err(CallError::Cancelled),
                },
            },
        };
        if let Err(error) = &result
            && error.kind() == ErrorKind::Internal
        {
            tracing::error!(tool = name, error = error.message(), "tool failed");
        }
        Ok(result)
    }

    /// Takes one call of `tool`'s rate limit, if it has one. Run once the arguments are
    /// valid, so a call with bad arguments uses no quota; `Err` when the client cancelled
    /// while waiting for the count.
    async fn take_quota(
        &self,
        tool: &Tool,
        context: &Context,
        quota: Quota,
    ) -> Result<Result<(), ToolError>, Cancelled> {
        if quota == Quota::Taken {
            return Ok(Ok(()));
        }
        let read_only = tool.annotations.read_only == Some(true);
        // Most calls stop here, without waiting on the cancellation token.
        let Some(rate) = tool.access.rate(self.policy.write_rate, read_only) else {
            return Ok(Ok(()));
        };
        let key = rate_key(context.principal(), context.client(), &tool.name);
        let acquired = tokio::select! {
            biased;
            () = context.cancellation().cancelled() => return Err(Cancelled),
            acquired = self.policy.limiter.acquire(&key, rate) => acquired,
        };
        Ok(acquired.map_err(|refusal| match refusal {
            Refusal::Wait(wait) => ToolError::rate_limited(wait),
            Refusal::Unavailable(detail) => {
                tracing::error!(%detail, "rate limits cannot be counted; refusing the call");
                ToolError::unavailable("rate limits cannot be counted right now; try again later")
            }
        }))
    }
}

/// Whether a run of a tool takes one call of its rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quota {
    Take,
    /// A task resumed with its answers: its creation took it.
    Taken,
}

/// A handler's first half (taking its parameters), with a panic turned into an internal
/// error as in the second, and the arguments it did not take checked.
fn prepare<T>(call: &mut Call, first_half: impl FnOnce(&mut Call) -> Prepared<T>) -> Prepared<T> {
    let prepared = std::panic::catch_unwind(AssertUnwindSafe(|| first_half(call)))
        .unwrap_or_else(|panic| Err(panicked(&*panic)));
    call.finish(prepared)
}

/// `future`'s outcome, with a panic turned into an internal error; `Err` when the client
/// cancelled first, dropping the future.
async fn contained<T>(
    future: futures_util::future::BoxFuture<'static, Result<T, ToolError>>,
    context: &Context,
) -> Result<Result<T, ToolError>, Cancelled> {
    let run = AssertUnwindSafe(future).catch_unwind();
    let outcome = tokio::select! {
        biased;
        () = context.cancellation().cancelled() => return Err(Cancelled),
        outcome = run => outcome,
    };
    Ok(outcome.unwrap_or_else(|panic| Err(panicked(&*panic))))
}

/// The internal error a handler's panic becomes, with the panic's message for the log.
fn panicked(panic: &(dyn std::any::Any + Send)) -> ToolError {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string payload");
    ToolError::internal(format!("panicked: {message}"))
}

/// Whose count a call uses: the caller's subject, or for an anonymous caller the address it
/// came from, so that one anonymous client cannot use up everyone's calls.
fn rate_key(principal: Option<&Principal>, client: Option<ClientAddr>, tool: &str) -> String {
    match (principal, client) {
        (Some(principal), _) => format!("{}\u{0}{tool}", principal.subject),
        (None, Some(ClientAddr(ip))) => format!("\u{0}anonymous@{ip}\u{0}{tool}"),
        (None, None) => format!("\u{0}{tool}"),
    }
}
