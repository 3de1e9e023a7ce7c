//! What a handler can ask for: its arguments, [`Args<T>`], [`State<T>`] and [`Context`].
//!
//! Injected parameters are recognised by type, through the [`Param`] trait, never by name:
//! every type that is `Deserialize + JsonSchema` is an argument; `Context`, `State<T>` and
//! `Args<T>` say what they are themselves.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::auth::Principal;
use crate::context::Context;
use crate::error::{FieldError, ToolError};
use crate::locate::locate;
use crate::ratelimit::{Rate, RateLimiter, Refusal};

/// Everything one call brings to its handler. Built by the dispatcher; read by [`Param`].
#[doc(hidden)]
pub struct Call {
    pub(crate) arguments: Map<String, Value>,
    pub(crate) context: Context,
    pub(crate) state: Arc<StateMap>,
    input_schema: Arc<Map<String, Value>>,
    reject_unknown: bool,
    gate: Option<Gate>,
}

/// The rate limit a call must pass once its arguments are valid.
pub(crate) struct Gate {
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) rate: Rate,
    pub(crate) key: String,
}

impl Call {
    pub(crate) fn new(
        arguments: Map<String, Value>,
        context: Context,
        state: Arc<StateMap>,
        input_schema: Arc<Map<String, Value>>,
        gate: Option<Gate>,
    ) -> Self {
        // Arguments the schema does not name are refused when it says so.
        let reject_unknown = input_schema.get("additionalProperties") == Some(&Value::Bool(false));
        Self {
            arguments,
            context,
            state,
            input_schema,
            reject_unknown,
            gate,
        }
    }

    /// Takes the call's rate-limit quota. Called once the arguments are valid, so a call
    /// with bad arguments uses none. Not generic: one copy serves every tool.
    pub async fn admit(&self) -> Result<(), ToolError> {
        match &self.gate {
            Some(gate) => gate
                .limiter
                .acquire(&gate.key, gate.rate)
                .await
                .map_err(|refusal| match refusal {
                    Refusal::Wait(wait) => ToolError::rate_limited(wait),
                    Refusal::Unavailable(detail) => {
                        tracing::error!(%detail, "rate limits cannot be counted; refusing the call");
                        ToolError::unavailable("rate limits cannot be counted right now; try again later")
                    }
                }),
            None => Ok(()),
        }
    }

    /// Gathers the extracted parameters. Arguments no parameter took are unknown: an error
    /// when the schema says `additionalProperties: false`, reported with any other bad field.
    pub fn finish<P: AllParams>(&mut self, params: P) -> Result<P::Output, ToolError> {
        // The generic part stays this small: every tool instantiates it.
        let result = params.all();
        match self.unknown_arguments() {
            None => result,
            Some(unknown) => Err(with_unknown(result.err(), unknown)),
        }
    }

    fn unknown_arguments(&mut self) -> Option<ToolError> {
        if !self.reject_unknown || self.arguments.is_empty() {
            return None;
        }
        let unknown = std::mem::take(&mut self.arguments)
            .into_iter()
            .map(|(field, _)| FieldError {
                field,
                message: "unknown argument".into(),
            })
            .collect();
        Some(ToolError::invalid(unknown))
    }
}

fn with_unknown(error: Option<ToolError>, unknown: ToolError) -> ToolError {
    let mut errors = error;
    merge(&mut errors, unknown);
    errors.expect("merge keeps an error")
}

/// How a parameter is filled.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// One named argument.
    Argument,
    /// All arguments at once ([`Args<T>`]).
    Arguments,
    /// Supplied by the runtime, not by the client.
    Injected,
}

/// Whether a parameter of this kind is supplied by the runtime. For checks in generated
/// `const` items.
#[doc(hidden)]
pub const fn is_injected(kind: ParamKind) -> bool {
    matches!(kind, ParamKind::Injected)
}

/// A type that can be a tool handler's parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool parameter",
    label = "needs `serde::Deserialize` and `schemars::JsonSchema`",
    note = "an argument's type must implement `serde::Deserialize` and `schemars::JsonSchema`; \
            the runtime also supplies `Context`, `State<T>` and `Args<T>`"
)]
pub trait Param: Sized + Send + 'static {
    /// How this parameter is filled.
    const KIND: ParamKind;

    /// The schema of this parameter's argument, if it is one.
    fn schema(generator: &mut SchemaGenerator) -> Option<Schema>;

    /// Takes this parameter out of the call.
    fn extract(call: &mut Call, name: &'static str, required: bool) -> Result<Self, ToolError>;
}

impl<T: DeserializeOwned + JsonSchema + Send + 'static> Param for T {
    const KIND: ParamKind = ParamKind::Argument;

    fn schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.subschema_for::<T>())
    }

    fn extract(call: &mut Call, name: &'static str, required: bool) -> Result<Self, ToolError> {
        match call.arguments.remove(name) {
            Some(value) => deserialize(call, name, value),
            None if required => Err(ToolError::invalid_field(name, "missing required argument")),
            None => deserialize(call, name, Value::Null),
        }
    }
}

/// Extracts an `#[arg(default)]` parameter: a missing argument takes `T::default()`.
#[doc(hidden)]
pub fn extract_or_default<T>(call: &mut Call, name: &'static str) -> Result<T, ToolError>
where
    T: DeserializeOwned + JsonSchema + Default + Send + 'static,
{
    match call.arguments.remove(name) {
        Some(value) => deserialize(call, name, value),
        None => Ok(T::default()),
    }
}

/// All of a tool's arguments as one struct, for tools with many parameters.
///
/// The struct's schema is the tool's input schema. It must be the handler's only argument
/// parameter (it may sit beside `Context` and `State<T>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Args<T>(pub T);

impl<T> Deref for Args<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + JsonSchema + Send + 'static> Param for Args<T> {
    const KIND: ParamKind = ParamKind::Arguments;

    fn schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.root_schema_for::<T>())
    }

    fn extract(call: &mut Call, _name: &'static str, _required: bool) -> Result<Self, ToolError> {
        let arguments = std::mem::take(&mut call.arguments);
        deserialize(call, "", Value::Object(arguments)).map(Args)
    }
}

/// Shared application state given to `Server::builder().state(…)`. Derefs to `T`.
pub struct State<T>(Arc<T>);

impl<T> State<T> {
    /// The shared pointer, e.g. to move into a spawned task.
    pub fn into_arc(self) -> Arc<T> {
        self.0
    }
}

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Send + Sync + 'static> Param for State<T> {
    const KIND: ParamKind = ParamKind::Injected;

    fn schema(_generator: &mut SchemaGenerator) -> Option<Schema> {
        None
    }

    fn extract(call: &mut Call, _name: &'static str, _required: bool) -> Result<Self, ToolError> {
        call.state.get::<T>().map(State).ok_or_else(|| {
            ToolError::internal(format!(
                "no state of type `{}`: give it to Server::builder().state(…)",
                type_name::<T>()
            ))
        })
    }
}

impl Param for Principal {
    const KIND: ParamKind = ParamKind::Injected;

    fn schema(_generator: &mut SchemaGenerator) -> Option<Schema> {
        None
    }

    fn extract(call: &mut Call, _name: &'static str, _required: bool) -> Result<Self, ToolError> {
        call.context
            .principal()
            .cloned()
            .ok_or_else(|| ToolError::not_authenticated("authentication is required"))
    }
}

/// `Option<Principal>` as a parameter. A blanket impl covers `Option<T>` for arguments, so
/// `#[tool]` routes `Option<Principal>` parameters through this type.
#[doc(hidden)]
pub struct MaybePrincipal(pub Option<Principal>);

impl Param for MaybePrincipal {
    const KIND: ParamKind = ParamKind::Injected;

    fn schema(_generator: &mut SchemaGenerator) -> Option<Schema> {
        None
    }

    fn extract(call: &mut Call, _name: &'static str, _required: bool) -> Result<Self, ToolError> {
        Ok(Self(call.context.principal().cloned()))
    }
}

impl Param for Context {
    const KIND: ParamKind = ParamKind::Injected;

    fn schema(_generator: &mut SchemaGenerator) -> Option<Schema> {
        None
    }

    fn extract(call: &mut Call, _name: &'static str, _required: bool) -> Result<Self, ToolError> {
        Ok(call.context.clone())
    }
}

/// Values of any type, one per type, shared by all calls.
#[doc(hidden)]
#[derive(Default)]
pub struct StateMap(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: Arc<T>) {
        self.0.insert(TypeId::of::<T>(), value);
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn get_ref<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref()
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.0.get(&TypeId::of::<T>())?.clone().downcast().ok()
    }
}

/// Deserializes one argument (or, with `name` empty, all of them), naming the path to what is
/// wrong.
fn deserialize<T: DeserializeOwned>(call: &Call, name: &str, value: Value) -> Result<T, ToolError> {
    T::deserialize(&value).map_err(|error| invalid(call, name, &value, error.to_string()))
}

/// The error for a value that did not deserialize. Not generic, so it is compiled once.
fn invalid(call: &Call, name: &str, value: &Value, message: String) -> ToolError {
    let schema = &call.input_schema;
    let located = if name.is_empty() {
        locate(schema, &Value::Object(schema.as_ref().clone()), value, "")
    } else {
        let property = schema.get("properties").and_then(|p| p.get(name));
        property.and_then(|property| locate(schema, property, value, name))
    };
    let field = match located {
        Some(path) if !path.is_empty() => path,
        _ if name.is_empty() => "arguments".to_owned(),
        _ => name.to_owned(),
    };
    ToolError::invalid_field(field, message)
}

/// Merges the outcomes of extracting every parameter, so that one answer names every bad field.
#[doc(hidden)]
pub trait AllParams {
    type Output;
    fn all(self) -> Result<Self::Output, ToolError>;
}

fn merge(errors: &mut Option<ToolError>, next: ToolError) {
    *errors = Some(match errors.take() {
        None => next,
        Some(first) if first.kind() == crate::ErrorKind::Invalid && next.kind() == first.kind() => {
            let fields: Vec<FieldError> = first
                .fields()
                .iter()
                .chain(next.fields())
                .cloned()
                .collect();
            ToolError::invalid(fields)
        }
        // A non-validation failure (e.g. missing state) wins: it is the server's fault.
        Some(first) if first.kind() == crate::ErrorKind::Invalid => next,
        Some(first) => first,
    });
}

/// The value, or `None` with its error merged into `errors`.
fn keep<T>(result: Result<T, ToolError>, errors: &mut Option<ToolError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            merge(errors, error);
            None
        }
    }
}

macro_rules! all_params {
    ($($name:ident),*) => {
        impl<$($name),*> AllParams for ($(Result<$name, ToolError>,)*) {
            type Output = ($($name,)*);

            #[allow(non_snake_case)]
            fn all(self) -> Result<Self::Output, ToolError> {
                let ($($name,)*) = self;
                let mut errors = None;
                $(let $name = keep($name, &mut errors);)*
                match ($($name,)*) {
                    ($(Some($name),)*) => Ok(($($name,)*)),
                    _ => Err(errors.expect("a parameter failed")),
                }
            }
        }
    };
}

impl AllParams for () {
    type Output = ();
    fn all(self) -> Result<(), ToolError> {
        Ok(())
    }
}

all_params!(A);
all_params!(A, B);
all_params!(A, B, C);
all_params!(A, B, C, D);
all_params!(A, B, C, D, E);
all_params!(A, B, C, D, E, F);
all_params!(A, B, C, D, E, F, G);
all_params!(A, B, C, D, E, F, G, H);
all_params!(A, B, C, D, E, F, G, H, I);
all_params!(A, B, C, D, E, F, G, H, I, J);
all_params!(A, B, C, D, E, F, G, H, I, J, K);
all_params!(A, B, C, D, E, F, G, H, I, J, K, L);
all_params!(A, B, C, D, E, F, G, H, I, J, K, L, M);
all_params!(A, B, C, D, E, F, G, H, I, J, K, L, M, N);
all_params!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O);
all_params!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P);

/// Whether `kinds` is a valid parameter list: `Args<T>` must be alone. The macro asserts it
/// in the tool's `static`, so the message is not buried under a frame in this function.
#[doc(hidden)]
pub const fn check_params(kinds: &[ParamKind]) -> bool {
    let mut whole = 0;
    let mut single = 0;
    let mut i = 0;
    while i < kinds.len() {
        match kinds[i] {
            ParamKind::Arguments => whole += 1,
            ParamKind::Argument => single += 1,
            ParamKind::Injected => {}
        }
        i += 1;
    }
    whole == 0 || (whole == 1 && single == 0)
}

/// Builds a tool's input schema from its parameters.
#[doc(hidden)]
pub struct InputSchema {
    properties: Map<String, Value>,
    required: Vec<Value>,
    whole: Option<Schema>,
}

/// Whether a property's schema is a string, an integer or a boolean (`Option`s too).
fn carries_header(property: &Map<String, Value>) -> bool {
    let primitive = |kind: &Value| matches!(kind.as_str(), Some("string" | "integer" | "boolean"));
    match property.get("type") {
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter(|kind| kind.as_str() != Some("null"))
            .all(primitive),
        Some(kind) => primitive(kind),
        None => false,
    }
}

impl InputSchema {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            properties: Map::new(),
            required: Vec::new(),
            whole: None,
        }
    }

    /// Adds parameter `P` under `name`.
    pub fn param<P: Param>(
        &mut self,
        generator: &mut SchemaGenerator,
        name: &str,
        description: Option<&str>,
        required: bool,
    ) {
        if let Some(schema) = P::schema(generator) {
            self.add(P::KIND, schema, name, description, required);
        }
    }

    /// Marks the argument `name` as one the client mirrors into the `Mcp-Param-{header}`
    /// HTTP header (SEP-2243, `x-mcp-header`).
    ///
    /// # Panics
    ///
    /// When `name` is not a string, integer or boolean argument, the only kinds a header
    /// can carry: a mistake in the item's code, found when the server is built.
    pub fn header(&mut self, name: &str, header: &str) {
        let property = self.properties.get_mut(name).and_then(Value::as_object_mut);
        let Some(property) = property.filter(|p| carries_header(p)) else {
            panic!(
                "`#[arg(header = \"{header}\")]` is on `{name}`, which is not a string, integer or \
                 boolean argument; only those can travel in a header"
            );
        };
        property.insert("x-mcp-header".into(), header.into());
    }

    /// The part of [`InputSchema::param`] that does not depend on the type: compiled once.
    fn add(
        &mut self,
        kind: ParamKind,
        mut schema: Schema,
        name: &str,
        description: Option<&str>,
        required: bool,
    ) {
        if kind == ParamKind::Arguments {
            self.whole = Some(schema);
            return;
        }
        if let Some(description) = description {
            schema.insert("description".into(), description.into());
        }
        self.properties.insert(name.to_owned(), schema.into());
        if required {
            self.required.push(name.into());
        }
    }

    /// The finished schema: an object that allows no other arguments.
    pub fn finish(self, generator: &mut SchemaGenerator) -> Schema {
        if let Some(mut whole) = self.whole {
            whole.remove("$schema");
            return whole;
        }
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        schema.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            schema.insert("required".into(), Value::Array(self.required));
        }
        schema.insert("additionalProperties".into(), false.into());
        let definitions = generator.take_definitions(true);
        if !definitions.is_empty() {
            schema.insert("$defs".into(), Value::Object(definitions));
        }
        Schema::from(schema)
    }
}
