//! Tools and a prompt for the suite's 2026-07-28 scenarios, most of which ask the client.
//! Each is an ordinary handler: in a 2025-11-25 session it asks on the call's stream, in a
//! 2026-07-28 request the call ends with an input-required result and runs again once
//! answered.

use std::future::IntoFuture as _;

use mcp_kit::prelude::*;
use mcp_kit::{Elicitation, Notifier, SamplingRequest};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Name {
    name: String,
}

#[derive(Deserialize, JsonSchema)]
struct Colour {
    color: String,
}

#[derive(Deserialize, JsonSchema)]
struct Confirmation {
    ok: bool,
}

#[derive(Deserialize, JsonSchema)]
struct PromptContext {
    context: String,
}

/// The user's name, asked under the key `user_name`.
async fn user_name(context: &Context) -> Result<String, ToolError> {
    let answer = context
        .elicit::<Name>("What is your name?")
        .key("user_name")
        .await?;
    Ok(answer
        .accepted()
        .map_or_else(|| "stranger".into(), |n| n.name))
}

/// Greets the user by the name they give.
#[tool]
async fn test_input_required_result_elicitation(context: Context) -> Result<String, ToolError> {
    Ok(format!("Hello, {}!", user_name(&context).await?))
}

/// Asks the client's model a question.
#[tool]
async fn test_input_required_result_sampling(context: Context) -> Result<String, ToolError> {
    let request = SamplingRequest::new("What is the capital of France?", 100);
    let answer = context.sample(request).key("capital_question").await?;
    Ok(answer.text.unwrap_or_default())
}

/// Lists the client's roots.
#[tool]
async fn test_input_required_result_list_roots(context: Context) -> Result<String, ToolError> {
    let roots = context.list_roots().key("client_roots").await?;
    let uris: Vec<String> = roots.into_iter().map(|root| root.uri).collect();
    Ok(format!("Roots: {}", uris.join(", ")))
}

/// Asks for a confirmation, carried over in the request state.
#[tool]
async fn test_input_required_result_request_state(context: Context) -> Result<String, ToolError> {
    confirm(&context).await
}

/// Asks for a confirmation; the suite sends it back with a tampered state.
#[tool]
async fn test_input_required_result_tampered_state(context: Context) -> Result<String, ToolError> {
    confirm(&context).await
}

async fn confirm(context: &Context) -> Result<String, ToolError> {
    let answer = context
        .elicit::<Confirmation>("Please confirm")
        .key("confirm")
        .await?;
    Ok(match answer {
        Elicitation::Accepted(Confirmation { ok: true }) => "state-ok: confirmed".into(),
        _ => "state-ok: not confirmed".into(),
    })
}

/// Asks three things in one round: a name, a greeting, the roots.
#[tool]
async fn test_input_required_result_multiple_inputs(context: Context) -> Result<String, ToolError> {
    // `join!` polls its futures together, so all three questions go out in one round.
    let (name, greeting, roots) = futures_util::join!(
        user_name(&context),
        context
            .sample(SamplingRequest::new("Generate a greeting", 50))
            .key("greeting")
            .into_future(),
        context.list_roots().key("client_roots").into_future(),
    );
    let greeting = greeting?.text.unwrap_or_default();
    Ok(format!("{greeting} {}, with {} roots", name?, roots?.len()))
}

/// Asks in two rounds: a name, then a colour.
#[tool]
async fn test_input_required_result_multi_round(context: Context) -> Result<String, ToolError> {
    let name = context
        .elicit::<Name>("Step 1: What is your name?")
        .key("step1")
        .await?
        .accepted()
        .map_or_else(String::new, |n| n.name);
    let colour = context
        .elicit::<Colour>("Step 2: What is your favorite color?")
        .key("step2")
        .await?
        .accepted()
        .map_or_else(String::new, |c| c.color);
    Ok(format!("{name} likes {colour}"))
}

/// Asks only what the client declared it can answer.
#[tool]
async fn test_input_required_result_capabilities(context: Context) -> Result<String, ToolError> {
    let mut answers = Vec::new();
    if context.can_elicit() {
        answers.push(user_name(&context).await?);
    }
    if context.can_sample() {
        let request = SamplingRequest::new("Say hello", 20);
        let sampled = context.sample(request).key("sample_input").await?;
        answers.push(sampled.text.unwrap_or_default());
    }
    Ok(format!("Answers: {}", answers.join(", ")))
}

/// Needs sampling: a client that did not declare it gets -32021.
#[tool]
async fn test_missing_capability(context: Context) -> Result<String, ToolError> {
    let sampled = context
        .sample(SamplingRequest::new("Say hello", 20))
        .await?;
    Ok(sampled.text.unwrap_or_default())
}

/// Asks the user for their name, on whichever channel the request allows.
#[tool]
async fn test_streaming_elicitation(context: Context) -> Result<String, ToolError> {
    Ok(format!("Hello, {}!", user_name(&context).await?))
}

/// A prompt built from the context the user gives.
#[prompt]
async fn test_input_required_result_prompt(context: Context) -> Result<String, ToolError> {
    let answer = context
        .elicit::<PromptContext>("What context should the prompt use?")
        .key("user_context")
        .await?;
    let given = answer.accepted().map_or_else(String::new, |c| c.context);
    Ok(format!("Use this context: {given}"))
}

/// Logs a line, which a 2026-07-28 request gets only when its `logLevel` asks for it.
#[tool]
async fn test_logging_tool(context: Context) -> Result<String, ToolError> {
    context.log(mcp_kit::LogLevel::Info, "a log line").await?;
    Ok("logged".into())
}

/// Asks the user for a topic, then the client's model for a line about it: two rounds in
/// 2026-07-28, two requests on the stream in a session.
#[tool]
async fn test_elicit_then_sample(context: Context) -> Result<String, ToolError> {
    #[derive(Deserialize, JsonSchema)]
    struct Topic {
        topic: String,
    }
    let Some(Topic { topic }) = context
        .elicit::<Topic>("What should the line be about?")
        .await?
        .accepted()
    else {
        return Ok("no topic".into());
    };
    let request = SamplingRequest::new(format!("Write one line about {topic}."), 50);
    let line = context.sample(request).await?.text.unwrap_or_default();
    Ok(format!("{topic}: {line}"))
}

/// Announces that the tool list changed, to the listen streams that asked.
#[tool]
async fn test_trigger_tool_change(notifier: State<Notifier>) -> &'static str {
    notifier.notify_tool_list_changed().await;
    "announced: tools/list_changed"
}

/// Announces that the prompt list changed, to the listen streams that asked.
#[tool]
async fn test_trigger_prompt_change(notifier: State<Notifier>) -> &'static str {
    notifier.notify_prompt_list_changed().await;
    "announced: prompts/list_changed"
}

/// Announces that `test://watched-resource` changed, to those subscribed to it.
#[tool]
async fn test_trigger_resource_update(notifier: State<Notifier>) -> &'static str {
    notifier
        .notify_resource_updated("test://watched-resource")
        .await;
    "announced: test://watched-resource updated"
}
