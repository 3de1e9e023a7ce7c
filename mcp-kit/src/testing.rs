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
        let dispatcher = self.server.dispatcher();
        dispatcher
            .visible_tools(&dispatcher.registry(), self.principal.as_ref())
            .map(|tool| tool.to_json())
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
        let dispatcher = self.server.dispatcher();
        dispatcher
            .visible_resources(&dispatcher.registry(), self.principal.as_ref())
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
        let dispatcher = self.server.dispatcher();
        dispatcher
            .visible_prompts(&dispatcher.registry(), self.principal.as_ref())
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

#[cfg(feature = "tasks")]
impl TestClient {
    /// `tools/call` of a tool that runs as a task, by a client that supports tasks (and
    /// every question), waiting until the task ends or asks something: the task then, as
    /// `tasks/get` reads it (`taskId`, `status`, and `result`, `error` or `inputRequests`).
    /// A tool that finished at once answers with `status` `completed` and no `taskId`.
    ///
    /// # Errors
    /// When the tool does not run as a task, asks before its task starts, or the store fails.
    pub async fn call_task(&self, name: &str, arguments: Value) -> Result<Value, String> {
        let started = self.start_task(name, arguments).await?;
        match started["taskId"].as_str() {
            Some(id) if started["status"] == "working" => self.wait_task(id).await,
            _ => Ok(started),
        }
    }

    /// [`call_task`](Self::call_task) without the wait: the task as it was created.
    ///
    /// # Errors
    /// As for [`call_task`](Self::call_task).
    pub async fn start_task(&self, name: &str, arguments: Value) -> Result<Value, String> {
        use crate::round::{Binding, Declared, Round};
        use crate::task::{Started, TaskCall};

        let tasks = self.tasks()?;
        let support = self
            .server
            .registry()
            .tool(name)
            .map(crate::Tool::get_task)
            .filter(|support| *support != crate::TaskSupport::Forbidden)
            .ok_or_else(|| format!("no tool named `{name}` runs as a task"))?;
        let arguments = match arguments {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => panic!("tool arguments must be a JSON object, not {other}"),
        };
        let declared = Declared {
            elicitation: true,
            sampling: true,
            roots: true,
            log_level: None,
            tasks: true,
        };
        let subject = self.principal.as_ref().map(|p| p.subject.as_str());
        let binding = Binding::new(subject, "tools/call", name, arguments.as_ref());
        let keys = &self.server.state_keys;
        let round = Round::open(keys, binding, declared, None, None)?;
        let call = TaskCall {
            name: name.to_owned(),
            arguments,
            principal: self.principal.clone(),
            client: None,
            support,
            declared,
            resumed: false,
        };
        match tasks.start(call, round, keys, shape).await {
            Ok(Started::Task(task)) => Ok(task.to_json()),
            Ok(Started::Answered(Ok(output))) => {
                Ok(serde_json::json!({"status": "completed", "result": output.to_json()}))
            }
            Ok(Started::Answered(Err(error))) => Err(error.to_string()),
            Ok(Started::Stopped(_)) => Err(format!(
                "`{name}` asks before its task starts; call it over HTTP to answer"
            )),
            Err(error) => Err(error.to_string()),
        }
    }

    /// `tasks/update`: answers the questions of the task `id` (`responses` by key, as
    /// `inputResponses`), then waits as [`call_task`](Self::call_task) does.
    ///
    /// # Errors
    /// When there is no such task for this client, or the store fails.
    pub async fn answer_task(&self, id: &str, responses: Value) -> Result<Value, String> {
        let Value::Object(responses) = responses else {
            panic!("task answers must be a JSON object, not {responses}");
        };
        let tasks = self.tasks()?;
        tasks
            .update(id, self.principal.clone(), None, responses, shape)
            .await
            .map_err(|e| e.to_string())?;
        self.wait_task(id).await
    }

    /// `tasks/cancel`.
    ///
    /// # Errors
    /// When there is no such task for this client, or the store fails.
    pub async fn cancel_task(&self, id: &str) -> Result<(), String> {
        let subject = crate::task::subject_of(self.principal.as_ref());
        self.tasks()?
            .cancel(id, &subject)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }

    /// `tasks/get`: the task `id` as it stands.
    ///
    /// # Errors
    /// When there is no such task for this client, or the store fails.
    pub async fn get_task(&self, id: &str) -> Result<Value, String> {
        let subject = crate::task::subject_of(self.principal.as_ref());
        let task = self.tasks()?.get(id, &subject).await;
        task.map(|task| task.to_json()).map_err(|e| e.to_string())
    }

    /// Reads the task each time this process changes one, until it is no longer working.
    async fn wait_task(&self, id: &str) -> Result<Value, String> {
        let tasks = self.tasks()?;
        loop {
            // Listening before reading: a change between the two is not missed.
            let changed = tasks.changed();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let task = self.get_task(id).await?;
            if task["status"] != "working" {
                return Ok(task);
            }
            changed.await;
        }
    }

    fn tasks(&self) -> Result<&std::sync::Arc<crate::task::Tasks>, String> {
        self.server
            .tasks
            .as_ref()
            .ok_or_else(|| "no tool of this server runs as a task".to_owned())
    }
}

/// A result as the test client reads it.
#[cfg(feature = "tasks")]
fn shape(output: ToolOutput) -> Map<String, Value> {
    match output.to_json() {
        Value::Object(result) => result,
        _ => unreachable!("a tool result is an object"),
    }
}
