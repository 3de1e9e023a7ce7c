//! [`Context`]: what a running call can do besides computing its answer.

use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

use crate::auth::Principal;
use crate::error::ToolError;
use crate::interaction::{Elicitation, Root, Sampled, SamplingRequest};
pub use crate::log_level::LogLevel;
use crate::round::Round;

/// The way back to the client that made a call. Implemented by each transport.
pub(crate) trait ClientChannel: Send + Sync {
    fn progress(
        &self,
        token: Value,
        progress: f64,
        total: Option<f64>,
        message: Option<String>,
    ) -> BoxFuture<'_, Result<(), ToolError>>;

    /// Sends a log line; a channel with nowhere to send it drops it.
    fn log(
        &self,
        _level: LogLevel,
        _logger: Option<String>,
        _data: Value,
    ) -> BoxFuture<'_, Result<(), ToolError>> {
        Box::pin(async { Ok(()) })
    }

    fn elicit(
        &self,
        message: String,
        schema: Map<String, Value>,
    ) -> BoxFuture<'_, Result<Elicitation<Map<String, Value>>, ToolError>>;

    fn sample(&self, request: SamplingRequest) -> BoxFuture<'_, Result<Sampled, ToolError>>;

    fn list_roots(&self) -> BoxFuture<'_, Result<Vec<Root>, ToolError>>;

    /// Whether the client declared `capability` (`elicitation`, `sampling`, `roots`).
    fn declares(&self, capability: &str) -> bool;
}

/// Ask for a `Context` parameter to report progress, send log messages, ask the client
/// (see [`Ask`](crate::Ask)), or notice that the client cancelled the call.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

/// The network address a request came from, as the HTTP layer saw it: what tells
/// anonymous callers apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub(crate) std::net::IpAddr);

struct Inner {
    principal: Option<Principal>,
    client: Option<ClientAddr>,
    progress_token: Option<Value>,
    channel: Option<Arc<dyn ClientChannel>>,
    cancellation: CancellationToken,
    round: Option<Arc<Round>>,
}

impl Context {
    pub(crate) fn new(
        principal: Option<Principal>,
        client: Option<ClientAddr>,
        progress_token: Option<Value>,
        channel: Option<Arc<dyn ClientChannel>>,
        cancellation: CancellationToken,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                principal,
                client,
                progress_token,
                channel,
                cancellation,
                round: None,
            }),
        }
    }

    /// A context with no client attached: progress and logs go nowhere.
    pub fn detached(principal: Option<Principal>) -> Self {
        Self::new(principal, None, None, None, CancellationToken::new())
    }

    /// Where the request came from, when the HTTP layer knows.
    pub(crate) fn client(&self) -> Option<ClientAddr> {
        self.inner.client
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
    ///
    /// A 2026-07-28 request gets only the levels its `logLevel` asked for, none without it.
    pub async fn log(&self, level: LogLevel, data: impl Into<Value>) -> Result<(), ToolError> {
        self.log_as(level, None, data.into()).await
    }

    /// [`log`](Self::log), naming the `logger`.
    pub(crate) async fn log_as(
        &self,
        level: LogLevel,
        logger: Option<String>,
        data: Value,
    ) -> Result<(), ToolError> {
        if self.round().is_some_and(|round| !round.wants_log(level)) {
            return Ok(());
        }
        match &self.inner.channel {
            Some(channel) => channel.log(level, logger, data).await,
            None => Ok(()),
        }
    }

    /// The least severe level the client may be sent, if any: a 2026-07-28 request's
    /// `logLevel`; a session's channel sorts the levels itself, so every level there.
    #[cfg(feature = "client")]
    pub(crate) fn log_level(&self) -> Option<LogLevel> {
        match (self.round(), &self.inner.channel) {
            (Some(round), _) => round.log_level(),
            (None, Some(_)) => Some(LogLevel::Debug),
            (None, None) => None,
        }
    }

    /// The client channel, or an error naming `what` needed one.
    pub(crate) fn channel(&self, what: &str) -> Result<&dyn ClientChannel, ToolError> {
        self.inner.channel.as_deref().ok_or_else(|| {
            ToolError::bad_request(format!(
                "{what} needs a connected client, and this call has none"
            ))
        })
    }

    /// Whether the client can be asked to fill a form ([`elicit`](Self::elicit)).
    pub fn can_elicit(&self) -> bool {
        self.declares("elicitation")
    }

    /// Whether the client's model can be asked for a message ([`sample`](Self::sample)).
    pub fn can_sample(&self) -> bool {
        self.declares("sampling")
    }

    /// Whether the client can be asked for its roots ([`list_roots`](Self::list_roots)).
    pub fn can_list_roots(&self) -> bool {
        self.declares("roots")
    }

    pub(crate) fn declares(&self, capability: &str) -> bool {
        match (self.round(), &self.inner.channel) {
            (Some(round), _) => round.declares(capability),
            (None, Some(channel)) => channel.declares(capability),
            (None, None) => false,
        }
    }

    /// The round this call runs in, when the request asks the client in rounds.
    pub(crate) fn round(&self) -> Option<&Round> {
        self.inner.round.as_deref()
    }

    /// This context, running in `round`.
    pub(crate) fn in_round(self, round: Arc<Round>) -> Self {
        let inner = &self.inner;
        Self {
            inner: Arc::new(Inner {
                principal: inner.principal.clone(),
                client: inner.client,
                progress_token: inner.progress_token.clone(),
                channel: inner.channel.clone(),
                cancellation: inner.cancellation.clone(),
                round: Some(round),
            }),
        }
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
