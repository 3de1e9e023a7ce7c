//! A question another server asked a call this server makes on a caller's behalf (an
//! `elicitation/create`, `sampling/createMessage` or `roots/list`, as MCP JSON), put to that
//! caller the way its own request allows ([`Ask`](crate::Ask)), and the answer as MCP JSON.

use serde_json::{Value, json};

use crate::context::Context;
use crate::error::ToolError;
use crate::interaction::{Elicitation, SamplingRequest};
use crate::role::Role;

impl Context {
    /// Puts the question `method` with `params` to this call's client, filed under `key` when
    /// the other server named one, and gives back the client's answer as MCP JSON.
    pub(crate) async fn ask_relayed(
        &self,
        key: Option<String>,
        method: &str,
        params: &Value,
    ) -> Result<Value, ToolError> {
        match method {
            "elicitation/create" => {
                if params["mode"].as_str().is_some_and(|mode| mode != "form") {
                    return Err(ToolError::bad_request(
                        "the mounted server asked for a URL elicitation, which mcp-kit does not \
                         pass on",
                    ));
                }
                let message = params["message"].as_str().unwrap_or_default();
                let schema = params["requestedSchema"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                let answer = self.elicit_with_schema(message, schema).key_if(key);
                Ok(match answer.await? {
                    Elicitation::Accepted(content) => {
                        json!({"action": "accept", "content": content})
                    }
                    Elicitation::Declined => json!({"action": "decline"}),
                    Elicitation::Cancelled => json!({"action": "cancel"}),
                })
            }
            "sampling/createMessage" => {
                let sampled = self.sample(sampling_request(params)?).key_if(key).await?;
                let text = sampled.text.ok_or_else(|| {
                    ToolError::bad_request("the client's model answered with something other than text, which mcp-kit does not pass on")
                })?;
                Ok(json!({
                    "role": "assistant",
                    "content": {"type": "text", "text": text},
                    "model": sampled.model,
                    "stopReason": sampled.stop_reason,
                }))
            }
            "roots/list" => {
                let roots = self.list_roots().key_if(key).await?;
                let roots: Vec<Value> = roots
                    .into_iter()
                    .map(|root| json!({"uri": root.uri, "name": root.name}))
                    .collect();
                Ok(json!({"roots": roots}))
            }
            other => Err(ToolError::bad_request(format!(
                "the mounted server asked `{other}`, which is not a question for a client"
            ))),
        }
    }
}

/// A `sampling/createMessage` request's params as a [`SamplingRequest`]: text messages only.
fn sampling_request(params: &Value) -> Result<SamplingRequest, ToolError> {
    let refused =
        |why: &str| ToolError::bad_request(format!("the mounted server's sampling request {why}"));
    let max_tokens = params["maxTokens"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| refused("has no `maxTokens`"))?;
    let mut messages = Vec::new();
    for message in params["messages"].as_array().into_iter().flatten() {
        let role = match message["role"].as_str() {
            Some("assistant") => Role::Assistant,
            Some("user") => Role::User,
            _ => return Err(refused("has a message with no role")),
        };
        let blocks = match &message["content"] {
            Value::Array(blocks) => blocks.iter().collect(),
            block => vec![block],
        };
        for block in blocks {
            let text = block["text"]
                .as_str()
                .filter(|_| block["type"] == "text")
                .ok_or_else(|| {
                    refused("has content other than text, which mcp-kit does not pass on")
                })?;
            messages.push((role, text.to_owned()));
        }
    }
    Ok(SamplingRequest {
        messages,
        max_tokens,
        system_prompt: params["systemPrompt"].as_str().map(str::to_owned),
        #[allow(clippy::cast_possible_truncation)]
        temperature: params["temperature"].as_f64().map(|t| t as f32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sampling_request_keeps_its_text_and_refuses_the_rest() {
        let request = sampling_request(&json!({
            "messages": [
                {"role": "user", "content": {"type": "text", "text": "Capital of France?"}},
                {"role": "assistant", "content": [{"type": "text", "text": "Paris."}]},
            ],
            "maxTokens": 20, "systemPrompt": "Be brief.", "temperature": 0.5,
        }))
        .expect("a text request");
        assert_eq!(
            request.messages,
            [
                (Role::User, "Capital of France?".to_owned()),
                (Role::Assistant, "Paris.".to_owned())
            ]
        );
        assert_eq!(request.max_tokens, 20);
        assert_eq!(request.system_prompt.as_deref(), Some("Be brief."));
        assert_eq!(request.temperature, Some(0.5));

        let image = json!({"maxTokens": 5, "messages": [
            {"role": "user", "content": {"type": "image", "data": "AA==", "mimeType": "image/png"}}]});
        let refused = sampling_request(&image).unwrap_err();
        assert!(refused.message().contains("other than text"), "{refused:?}");
        let refused = sampling_request(&json!({"messages": []})).unwrap_err();
        assert!(refused.message().contains("maxTokens"), "{refused:?}");
    }
}
