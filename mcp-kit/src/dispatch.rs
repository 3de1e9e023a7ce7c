//! One call's pipeline, the same for every transport:
//! find → run (arguments are validated as they are extracted, cancellable, panics contained) → format.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt as _;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::error::{ErrorKind, ToolError};
use crate::extract::{Call, StateMap};
use crate::registry::Registry;
use crate::result::ToolOutput;

/// Runs tool calls against a [`Registry`].
pub struct Dispatcher {
    registry: Registry,
    state: Arc<StateMap>,
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
    pub(crate) fn new(registry: Registry, state: StateMap) -> Self {
        Self {
            registry,
            state: Arc::new(state),
        }
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
        let Some(tool) = self.registry.tool(name) else {
            return Err(CallError::UnknownTool(name.to_owned()));
        };
        let cancellation = context.cancellation().clone();
        let call = Call::new(
            arguments.unwrap_or_default(),
            context,
            self.state.clone(),
            tool.rejects_unknown_arguments(),
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
