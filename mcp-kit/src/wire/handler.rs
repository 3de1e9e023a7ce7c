//! rmcp's `ServerHandler` over our dispatcher.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CustomRequest, CustomResult, ErrorCode, ErrorData,
    Implementation, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    Tool,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler};

use super::channel::PeerChannel;
use super::convert;
use crate::auth::Principal;
use crate::context::Context;
use crate::dispatch::{CallError, Dispatcher};
use crate::server::Server;

/// Cheap to clone: rmcp makes one per session, or per request when stateless.
#[derive(Clone)]
pub(crate) struct Adapter {
    shared: Arc<Shared>,
}

struct Shared {
    dispatcher: Arc<Dispatcher>,
    info: ServerConfig,
    tools: Vec<Tool>,
}

impl Adapter {
    pub(crate) fn new(server: &Server) -> Self {
        let info = ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                server.info.name.clone(),
                server.info.version.clone(),
            ));
        let tools = server
            .registry()
            .tools()
            .iter()
            .map(convert::tool)
            .collect();
        Self {
            shared: Arc::new(Shared {
                dispatcher: server.dispatcher.clone(),
                info,
                tools,
            }),
        }
    }
}

/// The principal the HTTP layer authenticated, carried in the request's extensions. None on
/// stdio, where the client is the local user who started the process.
fn principal(context: &RequestContext<RoleServer>) -> Option<Principal> {
    context
        .extensions
        .get::<axum::http::request::Parts>()?
        .extensions
        .get::<Principal>()
        .cloned()
}

impl ServerHandler for Adapter {
    fn get_info(&self) -> ServerConfig {
        self.shared.info.clone()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let principal = principal(&context);
        let tools = self
            .shared
            .dispatcher
            .visible_tools(principal.as_ref())
            .map(|(i, _)| self.shared.tools[i].clone());
        Ok(ListToolsResult::with_all_items(tools.collect()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.shared
            .tools
            .iter()
            .find(|tool| tool.name == name)
            .cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let progress_token = context
            .meta
            .get_progress_token()
            .and_then(|token| serde_json::to_value(token.0).ok());
        let call_context = Context::new(
            principal(&context),
            progress_token,
            Some(Arc::new(PeerChannel(context.peer.clone()))),
            context.ct.clone(),
        );
        match self
            .shared
            .dispatcher
            .call_tool(&request.name, request.arguments, call_context)
            .await
        {
            Ok(output) => Ok(convert::call_result(output).into()),
            Err(error @ CallError::UnknownTool(_)) => {
                Err(ErrorData::invalid_params(error.to_string(), None))
            }
            Err(CallError::Cancelled) => {
                Err(ErrorData::new(ErrorCode(-32800), "request cancelled", None))
            }
        }
    }

    /// A known method whose params did not parse lands here: say so, rather than "unknown method".
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        const KNOWN: &[&str] = &[
            "tools/call",
            "tools/list",
            "initialize",
            "ping",
            "server/discover",
        ];
        if KNOWN.contains(&request.method.as_str()) {
            return Err(ErrorData::invalid_params(
                format!(
                    "invalid params for `{}`: they do not match the method's schema",
                    request.method
                ),
                None,
            ));
        }
        Err(ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("unknown method: {}", request.method),
            None,
        ))
    }
}
