//! Notifications back to the client that made a call, over rmcp's peer.

// Logging notifications are deprecated by SEP-2577 but clients still read them.
#![allow(deprecated)]

use std::sync::Arc;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use rmcp::RoleServer;
use rmcp::model::{
    LoggingLevel, LoggingMessageNotificationParam, NumberOrString, ProgressNotificationParam,
    ProgressToken,
};
use rmcp::service::Peer;
use serde_json::Value;

use super::sessions::Session;
use crate::context::{ClientChannel, LogLevel};
use crate::error::ToolError;

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
            #[allow(deprecated)] // SEP-2577 deprecates it; clients still read it.
            let sent = self.peer.notify_logging_message(param).await;
            sent.map_err(|e| ToolError::internal(format!("log message not sent: {e}")))
        }
        .boxed()
    }
}
