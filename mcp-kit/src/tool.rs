//! Tool definitions: the static form the `#[tool]` macro emits and the runtime form the
//! registry serves, which hand-registered tools use too.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::access::{Access, AccessDef, Enabled, RateLimitSpec};
use crate::app::{ToolUi, Visibility};
use crate::context::Context;
use crate::extract::{
    Args, Call, InputDef, Param, ParamDef, Prepared, StateMap, input_schema, prepared_async,
};
use crate::permission::Permission;
use crate::ratelimit::Rate;
use crate::result::{IntoToolResult, ToolOutput};
use crate::schema::{generator, schema_object};

/// Hints about a tool's behaviour, for clients. They are hints, not guarantees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ToolAnnotations {
    /// The tool does not modify its environment.
    pub read_only: Option<bool>,
    /// The tool may perform destructive updates.
    pub destructive: Option<bool>,
    /// Calling it again with the same arguments has no further effect.
    pub idempotent: Option<bool>,
    /// The tool interacts with an open world of external entities.
    pub open_world: Option<bool>,
}

impl ToolAnnotations {
    /// No hints.
    pub const NONE: Self = Self {
        read_only: None,
        destructive: None,
        idempotent: None,
        open_world: None,
    };

    /// Whether any hint is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Whether a tool runs as a task (the `io.modelcontextprotocol/tasks` extension): the client
/// gets a task id at once and polls it, rather than waiting on the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TaskSupport {
    /// Never: the call is answered when it finishes.
    #[default]
    Forbidden,
    /// When the client supports tasks; otherwise the call is answered when it finishes.
    Optional,
    /// Always: a client that does not support tasks gets the error the extension names
    /// (-32021, a capability it lacks).
    Required,
}

/// Where an item was defined, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Source file.
    pub file: &'static str,
    /// Line in that file.
    pub line: u32,
    /// Module path.
    pub module: &'static str,
}

/// The `Location` of the code that invokes it: the item a macro expanded.
#[doc(hidden)]
#[macro_export]
macro_rules! __location {
    () => {
        $crate::__private::Location {
            file: ::core::file!(),
            line: ::core::line!(),
            module: ::core::module_path!(),
        }
    };
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} (in `{}`)", self.file, self.line, self.module)
    }
}

/// The signature of a generated call function: it takes the parameters, and the
/// dispatcher runs what it returns.
#[doc(hidden)]
pub type CallFn = fn(&mut Call) -> Prepared<ToolOutput>;

/// A tool as `#[tool]` defines it: a `static` in the link-time registry.
#[doc(hidden)]
#[derive(Debug)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    pub annotations: ToolAnnotations,
    pub input: InputDef,
    pub output_schema: fn(&mut SchemaGenerator) -> Option<Schema>,
    pub call: CallFn,
    pub access: AccessDef,
    pub task: TaskSupport,
    /// Its view and who may call it (MCP Apps).
    pub ui: ToolUi,
    pub location: Location,
}

type DynCall = dyn Fn(&mut Call) -> Prepared<ToolOutput> + Send + Sync;

#[derive(Clone)]
enum Handler {
    Static(CallFn),
    Dynamic(Arc<DynCall>),
}

/// A tool ready to serve: its metadata, cached schemas and handler.
///
/// As with [`std::process::Command`], a setting's builder method takes its name
/// ([`Tool::title`]) and its getter adds `get_` ([`Tool::get_title`]).
#[derive(Clone)]
pub struct Tool {
    pub(crate) name: Cow<'static, str>,
    pub(crate) title: Option<Cow<'static, str>>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) annotations: ToolAnnotations,
    pub(crate) input_schema: Arc<Map<String, Value>>,
    /// The parameters of a generated handler, taken out of its calls by these names.
    pub(crate) params: &'static [ParamDef],
    pub(crate) output_schema: Option<Arc<Map<String, Value>>>,
    pub(crate) location: Location,
    pub(crate) access: Access,
    pub(crate) task: TaskSupport,
    pub(crate) ui: Option<Cow<'static, str>>,
    pub(crate) visibility: Visibility,
    handler: Handler,
}

impl Tool {
    pub(crate) fn from_def(def: &'static ToolDef) -> Self {
        Self {
            name: Cow::Borrowed(def.name),
            title: def.title.map(Cow::Borrowed),
            description: def.description.map(Cow::Borrowed),
            annotations: def.annotations,
            input_schema: Arc::new(schema_object(def.input.schema(&mut generator()))),
            params: def.input.params(),
            output_schema: (def.output_schema)(&mut generator())
                .map(schema_object)
                .map(Arc::new),
            location: def.location,
            access: Access::from_def(&def.access),
            task: def.task,
            ui: def.ui.view.map(Cow::Borrowed),
            visibility: def.ui.visibility,
            handler: Handler::Static(def.call),
        }
    }

    /// A tool named `name` that runs `handler`. Its input schema comes from the
    /// handler's argument type `T` (a struct, like [`Args<T>`](crate::Args)).
    ///
    /// ```
    /// # use mcp_kit::{Tool, Json};
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Add { a: i64, b: i64 }
    /// let tool = Tool::new("add", |args: Add| async move { args.a + args.b })
    ///     .description("Add two integers.");
    /// ```
    #[track_caller]
    pub fn new<T, R, Fut, F>(name: impl Into<Cow<'static, str>>, handler: F) -> Self
    where
        T: DeserializeOwned + JsonSchema + Send + 'static,
        R: IntoToolResult + 'static,
        Fut: Future<Output = R> + Send + 'static,
        F: Fn(T) -> Fut + Send + Sync + 'static,
    {
        Self::hand_registered(
            name.into(),
            schema_object(input_schema(
                &[ParamDef::of::<Args<T>>("")],
                &mut generator(),
            )),
            R::output_schema(&mut generator()),
            Arc::new(move |call: &mut Call| {
                let Args(args) = <Args<T> as Param>::extract(call, "", true)?;
                let run = handler(args);
                prepared_async(run, R::into_tool_result)
            }),
        )
    }

    /// A tool with a hand-written input schema whose handler takes the raw arguments: for
    /// tool sets known only at run time (a proxy, a plugin host).
    #[track_caller]
    pub fn from_schema<R, Fut, F>(
        name: impl Into<Cow<'static, str>>,
        input_schema: Map<String, Value>,
        handler: F,
    ) -> Self
    where
        R: IntoToolResult + 'static,
        Fut: Future<Output = R> + Send + 'static,
        F: Fn(Map<String, Value>) -> Fut + Send + Sync + 'static,
    {
        Self::from_schema_with_context(name, input_schema, move |arguments, _| handler(arguments))
    }

    /// [`from_schema`](Self::from_schema) for a handler that also takes the call's
    /// [`Context`]: to report progress, ask the client, or stop when the call is cancelled.
    #[track_caller]
    pub fn from_schema_with_context<R, Fut, F>(
        name: impl Into<Cow<'static, str>>,
        input_schema: Map<String, Value>,
        handler: F,
    ) -> Self
    where
        R: IntoToolResult + 'static,
        Fut: Future<Output = R> + Send + 'static,
        F: Fn(Map<String, Value>, Context) -> Fut + Send + Sync + 'static,
    {
        Self::hand_registered(
            name.into(),
            input_schema,
            R::output_schema(&mut generator()),
            Arc::new(move |call: &mut Call| {
                let arguments = std::mem::take(&mut call.arguments);
                let context = call.context.clone();
                let run = handler(arguments, context);
                prepared_async(run, R::into_tool_result)
            }),
        )
    }

    #[track_caller]
    fn hand_registered(
        name: Cow<'static, str>,
        input_schema: Map<String, Value>,
        output_schema: Option<Schema>,
        handler: Arc<DynCall>,
    ) -> Self {
        let caller = std::panic::Location::caller();
        Self {
            name,
            title: None,
            description: None,
            annotations: ToolAnnotations::default(),
            input_schema: Arc::new(input_schema),
            params: &[],
            output_schema: output_schema.map(schema_object).map(Arc::new),
            location: Location {
                file: caller.file(),
                line: caller.line(),
                module: "<hand-registered>",
            },
            access: Access::default(),
            task: TaskSupport::Forbidden,
            ui: None,
            visibility: Visibility::ModelAndApp,
            handler: Handler::Dynamic(handler),
        }
    }

    /// Who may see and call this tool.
    pub fn permission(mut self, permission: impl Permission) -> Self {
        self.access.permission = Some(Arc::new(permission));
        self
    }

    /// Limits calls per principal to `rate` (instead of the server's `write_rate_limit`).
    pub fn rate_limit(mut self, rate: Rate) -> Self {
        self.access.rate_limit = RateLimitSpec::Rate(rate);
        self
    }

    /// No rate limit, even if the tool is not read-only.
    pub fn no_rate_limit(mut self) -> Self {
        self.access.rate_limit = RateLimitSpec::Off;
        self
    }

    /// Shows the tool only while `enabled` says so (checked on every request): a
    /// `fn() -> bool`, or a `fn(&T) -> bool` reading state `T`. See [`Enabled`].
    pub fn enabled<Args>(mut self, enabled: impl Enabled<Args>) -> Self {
        self.access.enabled = Some(Arc::new(move |state: &StateMap| enabled.is_enabled(state)));
        self
    }

    /// Sets the human-readable title.
    pub fn title(mut self, title: impl Into<Cow<'static, str>>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the description the model reads.
    pub fn description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the behaviour hints.
    pub fn annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.annotations = annotations;
        self
    }

    /// Runs the tool as a task, when the client supports tasks or always (feature `tasks`).
    pub fn task(mut self, support: TaskSupport) -> Self {
        self.task = support;
        self
    }

    /// Links the tool to an app (MCP Apps): a host that supports them renders the tool's
    /// results with the view of the `ui://` resource `uri`, which must be registered with
    /// [`Resource::app`](crate::Resource::app) or `#[resource("ui://…", app)]`. Other clients
    /// read the same result as text and structured content.
    pub fn ui(mut self, uri: impl Into<Cow<'static, str>>) -> Self {
        self.ui = Some(uri.into());
        self
    }

    /// The `ui://` resource that renders its results, if any.
    pub fn get_ui(&self) -> Option<&str> {
        self.ui.as_deref()
    }

    /// Who may call the tool, as MCP Apps hosts read it: with [`Visibility::App`], only the
    /// server's views, the model never seeing it. Hosts enforce it; every client still lists
    /// and may call the tool, so it is no permission: give it one of those too.
    pub fn visibility(mut self, visibility: Visibility) -> Self {
        self.visibility = visibility;
        self
    }

    /// Who may call the tool, as MCP Apps hosts read it.
    pub fn get_visibility(&self) -> Visibility {
        self.visibility
    }

    /// The tool's `_meta`: its view and visibility, when it has either.
    pub(crate) fn meta(&self) -> Option<Map<String, Value>> {
        crate::app::tool_meta(self.ui.as_deref(), self.visibility)
    }

    /// Whether the tool runs as a task.
    pub fn get_task(&self) -> TaskSupport {
        self.task
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tool's title, if any.
    pub fn get_title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The tool's description, if any.
    pub fn get_description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The behaviour hints.
    pub fn get_annotations(&self) -> ToolAnnotations {
        self.annotations
    }

    /// The JSON Schema of the arguments.
    pub fn input_schema(&self) -> &Map<String, Value> {
        &self.input_schema
    }

    /// The JSON Schema of the structured output, if the tool has one.
    pub fn output_schema(&self) -> Option<&Map<String, Value>> {
        self.output_schema.as_deref()
    }

    /// Where the tool was defined.
    pub fn location(&self) -> Location {
        self.location
    }

    /// The tool as it appears in `tools/list`.
    pub fn to_json(&self) -> Value {
        let mut value = Map::new();
        value.insert("name".into(), self.name().into());
        if let Some(title) = &self.title {
            value.insert("title".into(), title.as_ref().into());
        }
        if let Some(description) = &self.description {
            value.insert("description".into(), description.as_ref().into());
        }
        value.insert(
            "inputSchema".into(),
            Value::Object((*self.input_schema).clone()),
        );
        if let Some(schema) = &self.output_schema {
            value.insert("outputSchema".into(), Value::Object((**schema).clone()));
        }
        if !self.annotations.is_empty() {
            let hints = [
                ("readOnlyHint", self.annotations.read_only),
                ("destructiveHint", self.annotations.destructive),
                ("idempotentHint", self.annotations.idempotent),
                ("openWorldHint", self.annotations.open_world),
            ];
            let annotations: Map<String, Value> = hints
                .into_iter()
                .filter_map(|(key, hint)| Some((key.to_owned(), hint?.into())))
                .collect();
            value.insert("annotations".into(), Value::Object(annotations));
        }
        if let Some(meta) = self.meta() {
            value.insert("_meta".into(), Value::Object(meta));
        }
        Value::Object(value)
    }

    /// Takes the call's parameters: the handler's first half.
    pub(crate) fn prepare(&self, call: &mut Call) -> Prepared<ToolOutput> {
        match &self.handler {
            Handler::Static(call_fn) => call_fn(call),
            Handler::Dynamic(handler) => handler(call),
        }
    }
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.name)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}
