//! What a call asks the client and what comes back: a form for the user to fill
//! (elicitation), a message for its model to write (sampling), its roots. How it is asked
//! depends on the request; see [`crate::ask`].

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ToolError;
use crate::role::Role;

/// The user's answer to a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elicitation<T> {
    /// The user filled the form and sent it.
    Accepted(T),
    /// The user said no.
    Declined,
    /// The user dismissed the form.
    Cancelled,
}

impl<T> Elicitation<T> {
    /// The values, when accepted.
    pub fn accepted(self) -> Option<T> {
        match self {
            Self::Accepted(values) => Some(values),
            Self::Declined | Self::Cancelled => None,
        }
    }
}

impl Elicitation<Map<String, Value>> {
    /// The form's values as `T`: an `Invalid` error names what the client sent wrong.
    pub(crate) fn parse<T: DeserializeOwned>(self) -> Result<Elicitation<T>, ToolError> {
        Ok(match self {
            Self::Accepted(values) => Elicitation::Accepted(
                serde_json::from_value(Value::Object(values)).map_err(|e| {
                    ToolError::invalid_field(
                        "elicitation",
                        format!("the client's answer does not fit the form: {e}"),
                    )
                })?,
            ),
            Self::Declined => Elicitation::Declined,
            Self::Cancelled => Elicitation::Cancelled,
        })
    }
}

/// A form's schema for `T`: an object of primitive properties, as elicitation requires.
pub(crate) fn form_schema<T: JsonSchema>() -> Map<String, Value> {
    let mut generator = crate::schema::generator();
    let mut schema = crate::schema::schema_object(generator.root_schema_for::<T>());
    schema.remove("title");
    schema
}

/// What to ask the client's model.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingRequest {
    /// The conversation so far.
    pub messages: Vec<(Role, String)>,
    /// The most tokens to write.
    pub max_tokens: u32,
    /// A system prompt the client may use.
    pub system_prompt: Option<String>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
}

impl SamplingRequest {
    /// Its `sampling/createMessage` params.
    pub(crate) fn to_params(&self) -> Value {
        let messages: Vec<Value> = self
            .messages
            .iter()
            .map(|(role, text)| {
                let role = match role {
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                serde_json::json!({"role": role, "content": {"type": "text", "text": text}})
            })
            .collect();
        let mut params = serde_json::json!({"messages": messages, "maxTokens": self.max_tokens});
        if let Some(prompt) = &self.system_prompt {
            params["systemPrompt"] = prompt.as_str().into();
        }
        if let Some(temperature) = self.temperature {
            params["temperature"] = temperature.into();
        }
        params
    }

    /// One user message, answered in at most `max_tokens` tokens.
    pub fn new(prompt: impl Into<String>, max_tokens: u32) -> Self {
        Self {
            messages: vec![(Role::User, prompt.into())],
            max_tokens,
            system_prompt: None,
            temperature: None,
        }
    }

    /// Sets the system prompt.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// Adds a message to the conversation.
    pub fn message(mut self, role: Role, text: impl Into<String>) -> Self {
        self.messages.push((role, text.into()));
        self
    }
}

/// What the client's model wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    /// The text, when the answer is text.
    pub text: Option<String>,
    /// The model that wrote it.
    pub model: String,
    /// Why it stopped, e.g. `endTurn`.
    pub stop_reason: Option<String>,
}

/// A directory or file the client lets servers work in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Root {
    /// Its URI, `file://…`.
    pub uri: String,
    /// A name for people.
    #[serde(default)]
    pub name: Option<String>,
}

/// What a handler asks the client.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Question {
    /// A form for the user (`elicitation/create`).
    Elicit {
        message: String,
        schema: Map<String, Value>,
    },
    /// A message from the client's model (`sampling/createMessage`).
    Sample(SamplingRequest),
    /// The client's roots (`roots/list`).
    ListRoots,
}

impl Question {
    /// The request the client is asked to run (an `InputRequest`): its method and params.
    pub(crate) fn to_request(&self) -> Value {
        match self {
            Self::Elicit { message, schema } => serde_json::json!({
                "method": "elicitation/create",
                "params": {"mode": "form", "message": message, "requestedSchema": schema},
            }),
            Self::Sample(request) => serde_json::json!({
                "method": "sampling/createMessage",
                "params": request.to_params(),
            }),
            Self::ListRoots => serde_json::json!({"method": "roots/list", "params": {}}),
        }
    }

    /// The client capability that answering needs, as the protocol names it.
    pub(crate) fn capability(&self) -> &'static str {
        match self {
            Self::Elicit { .. } => "elicitation",
            Self::Sample(_) => "sampling",
            Self::ListRoots => "roots",
        }
    }
}
