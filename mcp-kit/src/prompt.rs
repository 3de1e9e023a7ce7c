//! Prompts: the static form `#[prompt]` emits, the runtime form the registry serves, and the
//! messages a prompt function returns.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::access::{Access, AccessDef};
use crate::completion::{CompleteFn, Completer};
use crate::content::Content;
use crate::context::Context;
use crate::error::ToolError;
use crate::extract::{Call, InputDef, ParamDef, Prepared, prepared_async};
use crate::permission::Permission;
pub use crate::role::Role;
use crate::schema::{generator, schema_object};
use crate::tool::Location;

/// The signature of a generated get function.
#[doc(hidden)]
pub type GetFn = fn(&mut Call) -> Prepared<PromptOutput>;

type DynGet = dyn Fn(&mut Call) -> Prepared<PromptOutput> + Send + Sync;

/// A prompt as `#[prompt]` defines it: a `static` in the link-time registry.
#[doc(hidden)]
#[derive(Debug)]
pub struct PromptDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    pub input: InputDef,
    pub get: GetFn,
    pub completions: &'static [(&'static str, CompleteFn)],
    pub access: AccessDef,
    pub location: Location,
}

/// One argument a prompt takes. Prompt arguments travel as strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptArgument {
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// Whether it must be given.
    pub required: bool,
}

/// A prompt, ready to serve.
#[derive(Clone)]
pub struct Prompt {
    pub(crate) name: Cow<'static, str>,
    pub(crate) title: Option<Cow<'static, str>>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) arguments: Vec<PromptArgument>,
    pub(crate) input_schema: Arc<Map<String, Value>>,
    /// The parameters of a generated function, taken out of its calls by these names.
    pub(crate) params: &'static [ParamDef],
    pub(crate) completions: Vec<Completer>,
    pub(crate) access: Access,
    pub(crate) location: Location,
    get: Arc<DynGet>,
}

impl Prompt {
    pub(crate) fn from_def(def: &'static PromptDef) -> Self {
        let input_schema = schema_object(def.input.schema(&mut generator()));
        Self {
            name: Cow::Borrowed(def.name),
            title: def.title.map(Cow::Borrowed),
            description: def.description.map(Cow::Borrowed),
            arguments: arguments(&input_schema),
            input_schema: Arc::new(input_schema),
            params: def.input.params(),
            completions: def
                .completions
                .iter()
                .map(|(argument, complete)| Completer::from_def(argument, *complete))
                .collect(),
            access: Access::from_def(&def.access),
            location: def.location,
            get: Arc::new(def.get),
        }
    }

    /// A prompt named `name` taking `arguments`; `get` receives the values given, by name.
    #[track_caller]
    pub fn new<R, Fut, F>(
        name: impl Into<Cow<'static, str>>,
        arguments: Vec<PromptArgument>,
        get: F,
    ) -> Self
    where
        R: IntoPromptResult + 'static,
        Fut: Future<Output = R> + Send + 'static,
        F: Fn(Map<String, Value>) -> Fut + Send + Sync + 'static,
    {
        Self::new_with_context(name, arguments, move |arguments, _| get(arguments))
    }

    /// Like [`new`](Self::new), with `get` also given the call's [`Context`]: to ask the
    /// client something, or log.
    #[track_caller]
    pub fn new_with_context<R, Fut, F>(
        name: impl Into<Cow<'static, str>>,
        arguments: Vec<PromptArgument>,
        get: F,
    ) -> Self
    where
        R: IntoPromptResult + 'static,
        Fut: Future<Output = R> + Send + 'static,
        F: Fn(Map<String, Value>, Context) -> Fut + Send + Sync + 'static,
    {
        let caller = std::panic::Location::caller();
        let properties: Map<String, Value> = arguments
            .iter()
            .map(|a| (a.name.clone(), serde_json::json!({"type": "string"})))
            .collect();
        Self {
            name: name.into(),
            title: None,
            description: None,
            arguments,
            params: &[],
            input_schema: Arc::new(Map::from_iter([
                ("type".to_owned(), "object".into()),
                ("properties".to_owned(), Value::Object(properties)),
            ])),
            completions: Vec::new(),
            access: Access::default(),
            location: Location {
                file: caller.file(),
                line: caller.line(),
                module: "<hand-registered>",
            },
            get: Arc::new(move |call: &mut Call| {
                let run = get(std::mem::take(&mut call.arguments), call.context.clone());
                prepared_async(run, R::into_prompt_result)
            }),
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the human-readable title.
    pub fn title(mut self, title: impl Into<Cow<'static, str>>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Who may see and get this prompt.
    pub fn permission(mut self, permission: impl Permission) -> Self {
        self.access.permission = Some(Arc::new(permission));
        self
    }

    /// Suggests values for the argument `argument`.
    pub fn complete<F, Fut, I, S>(mut self, argument: &'static str, complete: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = I> + Send + 'static,
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.completions.push(Completer::new(argument, complete));
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The arguments.
    pub fn arguments(&self) -> &[PromptArgument] {
        &self.arguments
    }

    /// Where it was defined.
    pub fn location(&self) -> Location {
        self.location
    }

    /// The prompt as it appears in `prompts/list`.
    pub fn to_json(&self) -> Value {
        let mut value = Map::new();
        value.insert("name".into(), self.name().into());
        if let Some(title) = &self.title {
            value.insert("title".into(), title.as_ref().into());
        }
        if let Some(description) = &self.description {
            value.insert("description".into(), description.as_ref().into());
        }
        if !self.arguments.is_empty() {
            let arguments = self.arguments.iter().map(|argument| {
                let mut value =
                    serde_json::json!({"name": argument.name, "required": argument.required});
                if let Some(description) = &argument.description {
                    value["description"] = description.as_str().into();
                }
                value
            });
            value.insert("arguments".into(), arguments.collect());
        }
        Value::Object(value)
    }

    /// Takes the call's parameters: the handler's first half.
    pub(crate) fn get(&self, call: &mut Call) -> Prepared<PromptOutput> {
        (self.get)(call)
    }
}

impl fmt::Debug for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prompt")
            .field("name", &self.name)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// A prompt's arguments, read off its input schema: every property, required when listed so.
fn arguments(schema: &Map<String, Value>) -> Vec<PromptArgument> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| PromptArgument {
            name: name.clone(),
            description: property
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            required: required.contains(&name.as_str()),
        })
        .collect()
}

/// One message of a prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptMessage {
    /// Who says it.
    pub role: Role,
    /// What is said: text, an image, audio or an embedded resource.
    pub content: Content,
}

impl PromptMessage {
    /// A message from the user.
    pub fn user(content: impl Into<Content>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    /// A message from the assistant.
    pub fn assistant(content: impl Into<Content>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// What `prompts/get` answers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromptOutput {
    /// A description of this rendering of the prompt.
    pub description: Option<String>,
    /// The messages.
    pub messages: Vec<PromptMessage>,
}

impl PromptOutput {
    /// The result as MCP JSON: `description` when present, and `messages`.
    pub fn to_json(&self) -> Value {
        let messages: Vec<Value> = self
            .messages
            .iter()
            .map(|message| {
                let role = match message.role {
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                serde_json::json!({"role": role, "content": message.content.to_json()})
            })
            .collect();
        let mut value = serde_json::json!({ "messages": messages });
        if let Some(description) = &self.description {
            value["description"] = description.as_str().into();
        }
        value
    }
}

/// Converts a prompt function's return value into messages.
///
/// Implemented for `String` and `&'static str` (one user message), [`PromptMessage`],
/// `Vec<PromptMessage>`, [`PromptOutput`] and `Result<T, E>` where `E: Into<ToolError>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a prompt",
    label = "unsupported return type",
    note = "return a String, PromptMessage, Vec<PromptMessage>, PromptOutput or Result<_, ToolError>"
)]
pub trait IntoPromptResult {
    /// Performs the conversion.
    fn into_prompt_result(self) -> Result<PromptOutput, ToolError>;
}

impl IntoPromptResult for PromptOutput {
    fn into_prompt_result(self) -> Result<PromptOutput, ToolError> {
        Ok(self)
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> Result<PromptOutput, ToolError> {
        Ok(PromptOutput {
            description: None,
            messages: self,
        })
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> Result<PromptOutput, ToolError> {
        vec![self].into_prompt_result()
    }
}

impl IntoPromptResult for String {
    fn into_prompt_result(self) -> Result<PromptOutput, ToolError> {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl IntoPromptResult for &'static str {
    fn into_prompt_result(self) -> Result<PromptOutput, ToolError> {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl<T: IntoPromptResult, E: Into<ToolError>> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> Result<PromptOutput, ToolError> {
        self.map_err(Into::into)?.into_prompt_result()
    }
}
