//! An MCP client (feature `client`): call another server's tools, read its resources and get
//! its prompts, over Streamable HTTP or a child process's stdio. For tests of a server, and for
//! tools that use other servers. It speaks the 2026-07-28 revision to a server that offers it
//! (`server/discover`), and the `initialize` handshake to one that does not.
//!
//! ```no_run
//! # async fn run() -> Result<(), mcp_kit::client::ClientError> {
//! use mcp_kit::client::Client;
//!
//! let client = Client::http("http://127.0.0.1:8810/mcp").bearer("token").connect().await?;
//! let sum = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
//! assert_eq!(sum.text(), "5");
//! client.close().await;
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;

use serde_json::{Map, Value};
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

pub use crate::error::ClientError;
pub use crate::notifier::List;

use crate::content::{Content, ResourceContents};
use crate::context::Context;
use crate::jsonrpc::Method;
use crate::result::ToolOutput;
use crate::wire::client::{Behalf, Connection, Heard, QUESTIONS};

/// How to reach a server over Streamable HTTP; [`connect`](Self::connect) opens the session.
#[derive(Debug, Clone)]
#[must_use = "nothing is connected until connect() is awaited"]
pub struct HttpClient {
    url: String,
    headers: Vec<(String, String)>,
}

impl HttpClient {
    /// Sends `Authorization: Bearer <token>`.
    pub fn bearer(self, token: impl fmt::Display) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    /// Sends the header `name: value` with every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Opens the session: the `initialize` handshake.
    pub async fn connect(self) -> Result<Client, ClientError> {
        Ok(Client {
            connection: Connection::http(&self.url, self.headers).await?,
        })
    }
}

/// The lists a server announces as changed: see [`Client::list_changes`].
#[derive(Debug)]
pub struct ListChanges {
    heard: broadcast::Receiver<Option<List>>,
    /// Lists to report after announcements were missed.
    missed: Vec<List>,
}

impl ListChanges {
    /// The next list that changed; `None` once no more can come (the connection, or the
    /// `subscriptions/listen` stream, ended). Announcements missed by reading too slowly are
    /// reported as every list having changed.
    pub async fn next(&mut self) -> Option<List> {
        if let Some(list) = self.missed.pop() {
            return Some(list);
        }
        match self.heard.recv().await {
            Ok(list) => list,
            Err(broadcast::error::RecvError::Closed) => None,
            Err(broadcast::error::RecvError::Lagged(_)) => {
                self.missed = vec![List::Prompts, List::Resources];
                Some(List::Tools)
            }
        }
    }
}

/// A session with another MCP server.
pub struct Client {
    connection: Connection,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.server_info())
            .finish()
    }
}

impl Client {
    /// A server at `url` (its `/mcp` endpoint), reached over Streamable HTTP.
    pub fn http(url: impl Into<String>) -> HttpClient {
        HttpClient {
            url: url.into(),
            headers: Vec::new(),
        }
    }

    /// Starts `command` and speaks MCP over its stdin and stdout. It is stopped when the
    /// client is closed or dropped.
    pub async fn spawn(mut command: tokio::process::Command) -> Result<Self, ClientError> {
        command.kill_on_drop(true);
        Ok(Self {
            connection: Connection::spawn(command).await?,
        })
    }

    /// The server's `serverInfo` (`name`, `version`, …) from the handshake.
    pub fn server_info(&self) -> Value {
        self.connection.server_info()
    }

    /// Every tool the server lists to this client (all pages), as MCP JSON.
    pub async fn list_tools(&self) -> Result<Vec<Value>, ClientError> {
        self.connection.list(Method::ListTools).await
    }

    /// Every fixed resource, as MCP JSON.
    pub async fn list_resources(&self) -> Result<Vec<Value>, ClientError> {
        self.connection.list(Method::ListResources).await
    }

    /// Every resource template, as MCP JSON.
    pub async fn list_resource_templates(&self) -> Result<Vec<Value>, ClientError> {
        self.connection.list(Method::ListResourceTemplates).await
    }

    /// The server's announcements that its tools, resources or prompts changed, from now
    /// on: those lists it says it announces. A 2026-07-28 server is asked for them with a
    /// `subscriptions/listen` request that lasts until the connection ends.
    pub async fn list_changes(&self) -> Result<ListChanges, ClientError> {
        Ok(ListChanges {
            heard: self.connection.list_changes().await?,
            missed: Vec::new(),
        })
    }

    /// Every prompt, as MCP JSON.
    pub async fn list_prompts(&self) -> Result<Vec<Value>, ClientError> {
        self.connection.list(Method::ListPrompts).await
    }

    /// Calls the tool `name` with `arguments` (a JSON object, or `null` for none). A tool's own
    /// failure is an `Ok` output with `is_error` set, as the protocol sends it.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<ToolOutput, ClientError> {
        let answer = self
            .connection
            .call_tool(name, object(arguments)?, None, None);
        output(&answer.await?)
    }

    /// Calls the tool `name` from within a call this server is serving, whose `context` it
    /// is. What the other server says about the call reaches this call's client: its progress
    /// (when asked for) and log messages (at the levels asked for), and its questions (a form
    /// to fill, a message for the model, the roots), which are asked the way this call's
    /// request allows (see [`Ask`](crate::Ask)) and answered back. Cancelling this call
    /// cancels that one.
    pub async fn call_tool_in(
        &self,
        name: &str,
        arguments: Value,
        context: &Context,
    ) -> Result<ToolOutput, ClientError> {
        let arguments = object(arguments)?;
        let call = on_behalf(context, |cancel, behalf| {
            (self.connection).call_tool(name, arguments, cancel, behalf)
        });
        output(&call.await?)
    }

    /// Reads the resource at `uri`.
    pub async fn read_resource(&self, uri: &str) -> Result<Vec<ResourceContents>, ClientError> {
        contents(&self.connection.read_resource(uri, None, None).await?)
    }

    /// Reads the resource at `uri` from within a call this server is serving, whose `context`
    /// it is, as [`call_tool_in`](Self::call_tool_in) calls a tool.
    pub async fn read_resource_in(
        &self,
        uri: &str,
        context: &Context,
    ) -> Result<Vec<ResourceContents>, ClientError> {
        let read = on_behalf(context, |cancel, behalf| {
            (self.connection).read_resource(uri, cancel, behalf)
        });
        contents(&read.await?)
    }

    /// Gets the prompt `name` with `arguments` (a JSON object of strings, or `null`), as MCP
    /// JSON (`description`, `messages`).
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<Value, ClientError> {
        let arguments = object(arguments)?;
        self.connection
            .get_prompt(name, arguments, None, None)
            .await
    }

    /// Gets the prompt `name` from within a call this server is serving, whose `context` it
    /// is, as [`call_tool_in`](Self::call_tool_in) calls a tool.
    pub async fn get_prompt_in(
        &self,
        name: &str,
        arguments: Value,
        context: &Context,
    ) -> Result<Value, ClientError> {
        let arguments = object(arguments)?;
        let get = on_behalf(context, |cancel, behalf| {
            (self.connection).get_prompt(name, arguments, cancel, behalf)
        });
        get.await
    }

    /// Ends the session; a spawned server's stdin is closed.
    pub async fn close(self) {
        self.connection.close().await;
    }
}

/// Makes the request `send` on behalf of the call whose `context` it is, passing on to that
/// call's client what the server says about the request meanwhile.
async fn on_behalf<'c, F: Future<Output = Result<Value, ClientError>>>(
    context: &'c Context,
    send: impl FnOnce(Option<&'c CancellationToken>, Option<Behalf>) -> F,
) -> Result<Value, ClientError> {
    let (heard, mut hearing) = mpsc::unbounded_channel();
    let behalf = Behalf {
        heard,
        progress: context.wants_progress(),
        log_level: context.log_level(),
        declares: QUESTIONS
            .into_iter()
            .filter(|&capability| context.declares(capability))
            .collect(),
    };
    let listens = behalf.listens();
    let mut request = std::pin::pin!(send(Some(context.cancellation()), Some(behalf)));
    loop {
        tokio::select! {
            biased;
            Some(heard) = hearing.recv() => pass_on(heard, context).await?,
            answer = &mut request => {
                // What came before the answer goes before it. rmcp hands each notification to
                // a task of its own, so one sent just before the answer may still be on its
                // way: let those tasks run once.
                if listens {
                    tokio::task::yield_now().await;
                    while let Ok(heard) = hearing.try_recv() {
                        pass_on(heard, context).await?;
                    }
                }
                return answer;
            }
        }
    }
}

/// Passes what another server said about a call on to the client of the call it was made
/// for. A client that has gone away is the call's to notice, not this.
async fn pass_on(heard: Heard, context: &Context) -> Result<(), ClientError> {
    match heard {
        Heard::Progress(report) => {
            let message = report.message.as_deref();
            let _ = context
                .progress(report.progress, report.total, message)
                .await;
        }
        Heard::Log {
            level,
            logger,
            data,
        } => {
            let _ = context.log_as(level, logger, data).await;
        }
        Heard::Question {
            key,
            method,
            params,
            answer,
        } => match context.ask_relayed(key, &method, &params).await {
            Ok(answered) => {
                let _ = answer.send(answered);
            }
            Err(error) => {
                return Err(ClientError::Unanswered(
                    error.kind(),
                    error.client_message().into_owned(),
                ));
            }
        },
    }
    Ok(())
}

fn object(arguments: Value) -> Result<Map<String, Value>, ClientError> {
    match arguments {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(ClientError::Transport(format!(
            "arguments must be a JSON object, not {other}"
        ))),
    }
}

/// A `resources/read` result's contents.
fn contents(result: &Value) -> Result<Vec<ResourceContents>, ClientError> {
    result["contents"]
        .as_array()
        .map(|contents| {
            contents
                .iter()
                .filter_map(ResourceContents::from_json)
                .collect()
        })
        .ok_or_else(|| ClientError::Transport("a read without `contents`".into()))
}

fn output(result: &Value) -> Result<ToolOutput, ClientError> {
    let content = blocks(&result["content"])?;
    let is_error = result["isError"].as_bool().unwrap_or(false);
    let structured = result
        .get("structuredContent")
        .filter(|v| !v.is_null())
        .map(Value::to_string);
    Ok(ToolOutput::from_parts(content, is_error, structured))
}

fn blocks(content: &Value) -> Result<Vec<Content>, ClientError> {
    let Some(blocks) = content.as_array() else {
        return Err(ClientError::Transport(
            "a tool result without `content`".into(),
        ));
    };
    blocks
        .iter()
        .map(|block| {
            Content::from_json(block).ok_or_else(|| {
                ClientError::Transport(format!("a content block mcp-kit does not know: {block}"))
            })
        })
        .collect()
}
