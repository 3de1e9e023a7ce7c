//! [`Param`]: what a handler parameter is (an argument, all of them, or injected) and how it
//! is taken out of a [`Call`].

use std::ops::Deref;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::call::Call;
use crate::auth::Principal;
use crate::context::Context;
use crate::error::ToolError;
use crate::locate::locate;

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

/// `P::extract`, named `extract::<P>` by generated code: a type that is no `Param` is then
/// reported at `P`, as `ParamDef::of::<P>` reports it, so once.
#[doc(hidden)]
pub fn extract<P: Param>(
    call: &mut Call,
    name: &'static str,
    required: bool,
) -> Result<P, ToolError> {
    P::extract(call, name, required)
}

// `do_not_recommend`: a type lacking both traits is one error, `Param`'s, not one per trait.
#[diagnostic::do_not_recommend]
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
pub fn extract_or_default<T>(call: &mut Call, name: &'static str, _: bool) -> Result<T, ToolError>
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

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned + JsonSchema + Send + 'static> Param for Args<T> {
    const KIND: ParamKind = ParamKind::Arguments;

    fn schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.root_schema_for::<T>())
    }

    fn extract(call: &mut Call, _name: &'static str, _required: bool) -> Result<Self, ToolError> {
        let arguments = std::mem::take(&mut call.arguments);
        match deserialize(call, "", Value::Object(arguments)) {
            Ok(arguments) => Ok(Args(arguments)),
            Err(error) => Err(error),
        }
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
/// `#[tool]` describes `Option<Principal>` parameters by this type, and takes them with
/// [`optional_principal`].
#[doc(hidden)]
pub struct MaybePrincipal(Option<Principal>);

/// Takes an `Option<Principal>` parameter.
#[doc(hidden)]
pub fn optional_principal(
    call: &mut Call,
    name: &'static str,
    required: bool,
) -> Result<Option<Principal>, ToolError> {
    MaybePrincipal::extract(call, name, required).map(|maybe| maybe.0)
}

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

/// Deserializes one argument (or, with `name` empty, all of them), naming the path to what is
/// wrong. Every argument type instantiates it, so it holds no closure.
fn deserialize<T: DeserializeOwned>(call: &Call, name: &str, value: Value) -> Result<T, ToolError> {
    match T::deserialize(&value) {
        Ok(value) => Ok(value),
        Err(error) => Err(invalid(call, name, &value, error.to_string())),
    }
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

/// `P::KIND`, named `kind::<P>()` for the reason `extract::<P>` is.
#[doc(hidden)]
pub const fn kind<P: Param>() -> ParamKind {
    P::KIND
}

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
