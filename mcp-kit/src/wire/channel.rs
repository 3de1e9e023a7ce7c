//! Notifications back to the client that made a call, over rmcp's peer.

// Logging notifications are deprecated by SEP-2577 but clients still read them.
#![allow(deprecated)]

use std::sync::Arc;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use rmcp::RoleServer;
use rmcp::model::{
    CreateMessageRequestParams, ElicitRequestParams, ElicitationAction, LoggingLevel,
    LoggingMessageNotificationParam, NumberOrString, ProgressNotificationParam, ProgressToken,
};
use rmcp::service::Peer;
use serde_json::{Map, Value, json};

use super::sessions::Session;
use crate::context::{ClientChannel, LogLevel};
use crate::error::ToolError;
use crate::interaction::{Elicitation, Root, Sampled, SamplingRequest};

pub(super) struct PeerChannel {
    pub(super) peer: Peer<RoleServer>,
    pub(super) session: Arc<Session>,
}

impl ClientChannel for PeerChannel {
    fn progress(
        &self,
        token: Value,
        progress: f64,
        total: Option<f64>,
        message: Option<String>,
    ) -> BoxFuture<'_, Result<(), ToolError>> {
        async move {
            let token: NumberOrString =
                serde_json::from_value(token).map_err(ToolError::internal)?;
            let mut param = ProgressNotificationParam::new(ProgressToken(token), progress);
            param.total = total;
            param.message = message;
            self.peer
                .notify_progress(param)
                .await
                .map_err(|e| ToolError::internal(format!("progress not sent: {e}")))
        }
        .boxed()
    }

    fn log(
        &self,
        level: LogLevel,
        logger: Option<String>,
        data: Value,
    ) -> BoxFuture<'_, Result<(), ToolError>> {
        async move {
            if !self.session.wants_log(level) {
                return Ok(());
            }
            let param = log_message(level, logger, data);
            #[allow(deprecated)] // SEP-2577 deprecates it; clients still read it.
            let sent = self.peer.notify_logging_message(param).await;
            sent.map_err(|e| ToolError::internal(format!("log message not sent: {e}")))
        }
        .boxed()
    }

    fn elicit(
        &self,
        message: String,
        schema: Map<String, Value>,
    ) -> BoxFuture<'_, Result<Elicitation<Map<String, Value>>, ToolError>> {
        async move {
            self.require("elicitation", |c| c.elicitation.is_some())?;
            let request = json!({"mode": "form", "message": message, "requestedSchema": schema});
            let params: ElicitRequestParams = serde_json::from_value(request).map_err(|e| {
                ToolError::internal(format!("the form cannot be sent as an elicitation: {e}"))
            })?;
            let answer = self
                .peer
                .create_elicitation(params)
                .await
                .map_err(|e| ToolError::internal(format!("elicitation failed: {e}")))?;
            Ok(match answer.action {
                ElicitationAction::Accept => Elicitation::Accepted(match answer.content {
                    Some(Value::Object(values)) => values,
                    _ => Map::new(),
                }),
                ElicitationAction::Decline => Elicitation::Declined,
                _ => Elicitation::Cancelled,
            })
        }
        .boxed()
    }

    fn sample(&self, request: SamplingRequest) -> BoxFuture<'_, Result<Sampled, ToolError>> {
        async move {
            self.require("sampling", |c| c.sampling.is_some())?;
            let params = request.to_params();
            let params: CreateMessageRequestParams =
                serde_json::from_value(params).map_err(ToolError::internal)?;
            #[allow(deprecated)] // SEP-2577 deprecates sampling; clients still offer it.
            let answer = self
                .peer
                .create_message(params)
                .await
                .map_err(|e| ToolError::internal(format!("sampling failed: {e}")))?;
            let message = serde_json::to_value(&answer.message).map_err(ToolError::internal)?;
            Ok(Sampled {
                text: message["content"]["text"].as_str().map(str::to_owned),
                model: answer.model,
                stop_reason: answer.stop_reason,
            })
        }
        .boxed()
    }

    fn list_roots(&self) -> BoxFuture<'_, Result<Vec<Root>, ToolError>> {
        self.roots()
    }

    fn declares(&self, capability: &str) -> bool {
        self.peer.peer_info().is_some_and(|info| {
            let declared = &info.capabilities;
            match capability {
                "elicitation" => declared.elicitation.is_some(),
                "sampling" => declared.sampling.is_some(),
                "roots" => declared.roots.is_some(),
                _ => false,
            }
        })
    }
}

impl PeerChannel {
    fn roots(&self) -> BoxFuture<'_, Result<Vec<Root>, ToolError>> {
        async move {
            self.require("roots", |c| c.roots.is_some())?;
            let answer = self
                .peer
                .list_roots()
                .await
                .map_err(|e| ToolError::internal(format!("listing roots failed: {e}")))?;
            let answer = serde_json::to_value(answer).map_err(ToolError::internal)?;
            serde_json::from_value(answer["roots"].clone()).map_err(ToolError::internal)
        }
        .boxed()
    }

    /// An error that says why the client cannot be asked, if it cannot.
    fn require(
        &self,
        what: &str,
        declared: impl Fn(&rmcp::model::ClientCapabilities) -> bool,
    ) -> Result<(), ToolError> {
        match self.peer.peer_info() {
            None => Err(ToolError::bad_request(format!(
                "{what} needs a session, so that the client's answer finds this call; this server \
                 is stateless (set `stateless = false`)"
            ))),
            Some(info) if !declared(&info.capabilities) => Err(undeclared(what)),
            Some(_) => Ok(()),
        }
    }
}

/// The error for asking a client for something it did not say it can do. A stateless
/// request declares nothing, so it always gets this.
pub(super) fn undeclared(what: &str) -> ToolError {
    ToolError::bad_request(format!(
        "the client did not declare the `{what}` capability, so it cannot be asked"
    ))
}

/// A log line as the `notifications/message` it is sent as.
pub(super) fn log_message(
    level: LogLevel,
    logger: Option<String>,
    data: Value,
) -> LoggingMessageNotificationParam {
    let level = match level {
        LogLevel::Debug => LoggingLevel::Debug,
        LogLevel::Info => LoggingLevel::Info,
        LogLevel::Notice => LoggingLevel::Notice,
        LogLevel::Warning => LoggingLevel::Warning,
        LogLevel::Error => LoggingLevel::Error,
        LogLevel::Critical => LoggingLevel::Critical,
        LogLevel::Alert => LoggingLevel::Alert,
        LogLevel::Emergency => LoggingLevel::Emergency,
    };
    let mut param = LoggingMessageNotificationParam::new(level, data);
    param.logger = logger;
    param
}
