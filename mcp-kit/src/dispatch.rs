//! One call's pipeline, the same for every transport: find (unknown or disabled → unknown) →
//! permission → `before_call` hook → arguments validated as they are extracted → rate limit →
//! run (cancellable, panics contained) → format. Refused calls and bad arguments use no quota.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt as _;
use serde_json::{Map, Value};

use crate::auth::Principal;
use crate::context::Context;
use crate::error::{ErrorKind, ToolError};
use crate::extract::{Call, Gate, StateMap};
use crate::permission::{Denied, Permission};
use crate::ratelimit::{InMemory, Rate, RateLimiter};
use crate::registry::Registry;
use crate::result::ToolOutput;
use crate::tool::Tool;

/// Runs tool calls against a [`Registry`].
pub struct Dispatcher {
    registry: Registry,
    state: Arc<StateMap>,
    policy: Policy,
}

/// A hook run before every call (the seed's `pre_run`): refuse by returning an error.
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

impl Dispatcher {
    pub(crate) fn new(registry: Registry, state: StateMap, policy: Policy) -> Self {
        Self {
            registry,
            state: Arc::new(state),
            policy,
        }
    }

    /// The tools `principal` may see, in list order.
    pub fn visible_tools<'a>(
        &'a self,
        principal: Option<&'a Principal>,
    ) -> impl Iterator<Item = (usize, &'a Tool)> {
        self.registry
            .tools()
            .iter()
            .enumerate()
            .filter(move |(_, tool)| self.may_use(tool, principal))
    }

    fn may_use(&self, tool: &Tool, principal: Option<&Principal>) -> bool {
        tool.access.is_enabled()
            && tool
                .access
                .check(self.policy.default_permission.as_deref(), principal)
                .is_ok()
    }

    /// Every scope some item's permission asks for.
    pub fn declared_scopes(&self) -> Vec<String> {
        let mut scopes: Vec<String> = self
            .registry
            .tools()
            .iter()
            .flat_map(|tool| tool.access.scopes())
            .collect();
        if let Some(default) = &self.policy.default_permission {
            scopes.extend(default.scopes());
        }
        scopes
    }

    /// The registry this dispatcher serves.
    pub fn registry(&self) -> &Registry {
        &self.registry
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
        let Some(tool) = self
            .registry
            .tool(name)
            .filter(|tool| tool.access.is_enabled())
        else {
            return Err(CallError::UnknownTool(name.to_owned()));
        };
        let principal = context.principal();
        if let Err(Denied(message)) = tool
            .access
            .check(self.policy.default_permission.as_deref(), principal)
        {
            return Ok(ToolOutput::from_error(&ToolError::permission_denied(
                message,
            )));
        }
        let arguments = arguments.unwrap_or_default();
        if let Some(hook) = &self.policy.before_call {
            let info = CallInfo {
                tool: name,
                principal,
                arguments: &arguments,
            };
            if let Err(error) = hook(&info) {
                return Ok(ToolOutput::from_error(&error));
            }
        }
        let read_only = tool.annotations.read_only == Some(true);
        let gate = tool
            .access
            .rate(self.policy.write_rate, read_only)
            .map(|rate| Gate {
                limiter: self.policy.limiter.clone(),
                rate,
                key: format!(
                    "{}\u{0}{name}",
                    principal.map_or("", |p| p.subject.as_str())
                ),
            });
        let cancellation = context.cancellation().clone();
        let call = Call::new(
            arguments,
            context,
            self.state.clone(),
            tool.input_schema.clone(),
            gate,
        );
        let run = AssertUnwindSafe(tool.run(call)).catch_unwind();
        let outcome = tokio::select! {
            biased;
            () = cancellation.cancelled() => return Err(CallError::Cancelled),
            outcome = run => outcome,
        };
        let result = match outcome {
            Ok(result) => result,
            Err(panic) => Err(ToolError::internal(format!(
                "panicked: {}",
                panic_message(&*panic)
            ))),
        };
        Ok(match result {
            Ok(output) => output,
            Err(error) => {
                if error.kind() == ErrorKind::Internal {
                    tracing::error!(tool = name, error = error.message(), "tool failed");
                }
                ToolOutput::from_error(&error)
            }
        })
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string payload")
}
