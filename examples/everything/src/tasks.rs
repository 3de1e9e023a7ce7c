//! The tools the suite's task scenarios (the `io.modelcontextprotocol/tasks` extension) call.
//! A task tool is an ordinary handler with `task = "…"`: the client gets a task id at once
//! and polls it; its questions are asked of the task, or of the call with `before_task`.

use std::time::Duration;

use mcp_kit::Elicitation;
use mcp_kit::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

/// Greets `name`. Never a task.
#[tool]
fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// Works for `seconds`, then answers; a task when the client supports tasks.
#[tool(task = "optional")]
async fn slow_compute(seconds: u64, label: String) -> String {
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    format!("Computation \"{label}\" completed after {seconds} seconds. Result: 42.")
}

/// Fails as a tool fails, always as a task.
#[tool(task = "required")]
async fn failing_job() -> Result<String, ToolError> {
    // A wait, so that the failure is the task's rather than the call's.
    tokio::task::yield_now().await;
    Err(ToolError::bad_request(
        "failing_job always reports a tool execution error",
    ))
}

/// Fails as the server fails (the task ends `failed`), always as a task.
#[tool(task = "required")]
async fn protocol_error_job() -> Result<String, ToolError> {
    Err(ToolError::internal("protocol_error_job exploded"))
}

#[derive(Deserialize, JsonSchema)]
struct Confirm {
    confirm: bool,
}

/// Asks before deleting `filename`; a task when the client supports tasks.
#[tool(task = "optional")]
async fn confirm_delete(context: Context, filename: String) -> Result<String, ToolError> {
    let question = format!("Are you sure you want to delete '{filename}'?");
    let answer = context.elicit::<Confirm>(&question).await?;
    Ok(match answer {
        Elicitation::Accepted(Confirm { confirm: true }) => format!("Deleted '{filename}'"),
        _ => "Deletion cancelled".into(),
    })
}

#[derive(Deserialize, JsonSchema)]
struct Value {
    name: String,
}

/// Asks two questions at once; a task when the client supports tasks.
#[tool(task = "optional")]
async fn multi_input(context: Context) -> Result<String, ToolError> {
    let (first, second) = futures_util::join!(
        std::future::IntoFuture::into_future(context.elicit::<Value>("First value?")),
        std::future::IntoFuture::into_future(context.elicit::<Value>("Second value?")),
    );
    let name = |answer: Elicitation<Value>| answer.accepted().map_or_else(String::new, |v| v.name);
    Ok(format!("Got {} and {}", name(first?), name(second?)))
}

#[derive(Deserialize, JsonSchema)]
struct Name {
    name: String,
}

/// Asks the user's name of the call, then greets them from a task.
#[tool(task = "required")]
async fn test_tool_with_task(context: Context) -> Result<String, ToolError> {
    let answer = context
        .elicit::<Name>("What is your name?")
        .key("user_name")
        .before_task()
        .await?;
    let name = answer
        .accepted()
        .map_or_else(|| "stranger".into(), |n| n.name);
    // The task starts at the handler's first wait after the question.
    tokio::task::yield_now().await;
    Ok(format!("Hello, {name}!"))
}
