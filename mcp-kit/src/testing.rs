//! An in-memory client for testing a server: no sockets, no JSON-RPC framing, the same
//! registry, state and dispatcher as the real thing.
//!
//! ```
//! use mcp_kit::{Server, Tool};
//! # #[derive(serde::Deserialize, schemars::JsonSchema)] struct Add { a: i64, b: i64 }
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let server = Server::builder()
//!     .without_linked_tools()
//!     .tool(Tool::new("add", |x: Add| async move { x.a + x.b }))
//!     .settings(Default::default())
//!     .build()
//!     .unwrap();
//! let client = server.test_client();
//! let output = client.call("add", serde_json::json!({"a": 2, "b": 3})).await.unwrap();
//! assert_eq!(output.text(), "5");
//! # });
//! ```

use serde_json::{Map, Value};

use crate::auth::Principal;
use crate::completion::Completion;
use crate::content::ResourceContents;
use crate::context::Context;
use crate::dispatch::{CallError, CompletionTarget, ItemError};
use crate::prompt::PromptOutput;
use crate::result::ToolOutput;
use crate::server::Server;

/// A client bound to one server, in the same process.
pub struct TestClient {
    server: Server,
    principal: Option<Principal>,
}

impl Server {
    /// An in-memory client for this server, calling anonymously.
    pub fn test_client(&self) -> TestClient {
        TestClient {
            server: self.clone(),
            principal: None,
        }
    }
}

impl TestClient {
    /// The same client, calling as `principal`.
    pub fn as_principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// `tools/list`: the tools this client's principal may see, as MCP JSON, in list order.
    pub fn list_tools(&self) -> Vec<Value> {
        self.server
            .dispatcher()
            .visible_tools(self.principal.as_ref())
            .map(|(_, tool)| tool.to_json())
            .collect()
    }

    /// `tools/call`. `arguments` must be a JSON object (or `null` for none).
    ///
    /// # Panics
    /// If `arguments` is neither an object nor `null`: that is a mistake in the test.
    pub async fn call(&self, name: &str, arguments: Value) -> Result<ToolOutput, CallError> {
        let arguments = match arguments {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => panic!("tool arguments must be a JSON object, not {other}"),
        };
        self.server
            .dispatcher()
            .call_tool(name, arguments, self.context())
            .await
    }

    /// `resources/list`: the fixed resources this client's principal may see, as MCP JSON.
    pub fn list_resources(&self) -> Vec<Value> {
        self.resources(false)
    }

    /// `resources/templates/list`: the resource templates this client may see, as MCP JSON.
    pub fn list_resource_templates(&self) -> Vec<Value> {
        self.resources(true)
    }

    fn resources(&self, templates: bool) -> Vec<Value> {
        self.server
            .dispatcher()
            .visible_resources(self.principal.as_ref())
            .filter(|resource| resource.is_template() == templates)
            .map(|resource| resource.to_json())
            .collect()
    }

    /// `resources/read`.
    pub async fn read(&self, uri: &str) -> Result<Vec<ResourceContents>, ItemError> {
        self.server
            .dispatcher()
            .read_resource(uri, self.context())
            .await
    }

    /// `prompts/list`: the prompts this client may see, as MCP JSON.
    pub fn list_prompts(&self) -> Vec<Value> {
        self.server
            .dispatcher()
            .visible_prompts(self.principal.as_ref())
            .map(|prompt| prompt.to_json())
            .collect()
    }

    /// `prompts/get`. `arguments` must be a JSON object of strings (or `null` for none).
    ///
    /// # Panics
    /// If `arguments` is neither an object nor `null`: that is a mistake in the test.
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<PromptOutput, ItemError> {
        let arguments = match arguments {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => panic!("prompt arguments must be a JSON object, not {other}"),
        };
        self.server
            .dispatcher()
            .get_prompt(name, arguments, self.context())
            .await
    }

    /// `completion/complete` for `argument` of `target`, given `value` typed so far.
    pub async fn complete(
        &self,
        target: CompletionTarget<'_>,
        argument: &str,
        value: &str,
    ) -> Result<Completion, ItemError> {
        self.server
            .dispatcher()
            .complete(target, argument, value, self.principal.as_ref())
            .await
    }

    fn context(&self) -> Context {
        Context::detached(self.principal.clone())
    }
}
