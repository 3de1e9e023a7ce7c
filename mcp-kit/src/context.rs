//! [`Context`]: what a running call can do besides computing its answer.

use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

use crate::auth::Principal;
use crate::error::ToolError;
use crate::interaction::{Elicitation, Sampled, SamplingRequest, form_schema};

/// Severity of a log message sent to the client (RFC 5424 levels, as MCP uses them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
    Alert,
    Emergency,
}

/// The way back to the client that made a call. Implemented by each transport.
pub(crate) trait ClientChannel: Send + Sync {
    fn progress(
        &self,
        token: Value,
        progress: f64,
        total: Option<f64>,
        message: Option<String>,
    ) -> BoxFuture<'_, Result<(), ToolError>>;

    fn log(
        &self,
        level: LogLevel,
        logger: Option<String>,
        data: Value,
    ) -> BoxFuture<'_, Result<(), ToolError>>;

    fn elicit(
        &self,
        message: String,
        schema: Map<String, Value>,
    ) -> BoxFuture<'_, Result<Elicitation<Map<String, Value>>, ToolError>>;

    fn sample(&self, request: SamplingRequest) -> BoxFuture<'_, Result<Sampled, ToolError>>;
}

/// Ask for a `Context` parameter to report progress, send log messages, or notice
/// that the client cancelled the call.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    principal: Option<Principal>,
    progress_token: Option<Value>,
    channel: Option<Arc<dyn ClientChannel>>,
    cancellation: CancellationToken,
}

impl Context {
    pub(crate) fn new(
        principal: Option<Principal>,
        progress_token: Option<Value>,
        channel: Option<Arc<dyn ClientChannel>>,
        cancellation: CancellationToken,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                principal,
                progress_token,
                channel,
                cancellation,
            }),
        }
    }

    /// A context with no client attached: progress and logs go nowhere.
    pub fn detached(principal: Option<Principal>) -> Self {
        Self::new(principal, None, None, CancellationToken::new())
    }

    /// The authenticated caller, if any.
    pub fn principal(&self) -> Option<&Principal> {
        self.inner.principal.as_ref()
    }

    /// Reports progress to the client, if it asked for progress with a token.
    ///
    /// `total` is the value `progress` reaches when the work is done, when known.
    pub async fn progress(
        &self,
        progress: f64,
        total: Option<f64>,
        message: Option<&str>,
    ) -> Result<(), ToolError> {
        match (&self.inner.progress_token, &self.inner.channel) {
            (Some(token), Some(channel)) => {
                channel
                    .progress(token.clone(), progress, total, message.map(str::to_owned))
                    .await
            }
            _ => Ok(()),
        }
    }

    /// Whether the client asked for progress notifications on this call.
    pub fn wants_progress(&self) -> bool {
        self.inner.progress_token.is_some() && self.inner.channel.is_some()
    }

    /// Sends a log message to the client.
    pub async fn log(&self, level: LogLevel, data: impl Into<Value>) -> Result<(), ToolError> {
        match &self.inner.channel {
            Some(channel) => channel.log(level, None, data.into()).await,
            None => Ok(()),
        }
    }

    /// Asks the user to fill a form with `T`'s fields (primitive types: strings, numbers,
    /// booleans, enums), showing `message`.
    ///
    /// Fails with a clear error when the client cannot answer: it did not declare the
    /// `elicitation` capability, or the server is stateless and has no way to hear back.
    pub async fn elicit<T: DeserializeOwned + JsonSchema>(
        &self,
        message: &str,
    ) -> Result<Elicitation<T>, ToolError> {
        self.elicit_with_schema(message, form_schema::<T>())
            .await?
            .parse()
    }

    /// Like [`elicit`](Self::elicit), with a hand-written form schema (defaults, titled
    /// enums, …); the values come back as they were sent.
    pub async fn elicit_with_schema(
        &self,
        message: &str,
        schema: Map<String, Value>,
    ) -> Result<Elicitation<Map<String, Value>>, ToolError> {
        self.channel("elicitation")?
            .elicit(message.to_owned(), schema)
            .await
    }

    /// Asks the client's model to write a message (sampling).
    pub async fn sample(&self, request: SamplingRequest) -> Result<Sampled, ToolError> {
        self.channel("sampling")?.sample(request).await
    }

    fn channel(&self, what: &str) -> Result<&dyn ClientChannel, ToolError> {
        self.inner.channel.as_deref().ok_or_else(|| {
            ToolError::bad_request(format!(
                "{what} needs a connected client, and this call has none"
            ))
        })
    }

    /// Whether the client has cancelled this call.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancellation.is_cancelled()
    }

    /// Completes when the client cancels this call. The runtime also drops the handler's
    /// future then, so most handlers need not wait on this.
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        self.inner.cancellation.cancelled()
    }

    pub(crate) fn cancellation(&self) -> &CancellationToken {
        &self.inner.cancellation
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("progress_token", &self.inner.progress_token)
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}
