//! [`Call`]: one call's arguments, context and state, and how its parameters are gathered.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::input_schema::ParamDef;
use super::state::StateMap;
use crate::context::Context;
use crate::error::{FieldError, ToolError};

/// A handler's first half, done: its parameters taken, the run ready to start.
#[doc(hidden)]
pub type Prepared<T> = Result<BoxFuture<'static, Result<T, ToolError>>, ToolError>;

/// The run of a handler whose parameters are taken. Not generic over the handler beyond
/// the boxing: one small copy per item.
pub(crate) fn prepared<T, F>(run: F) -> Prepared<T>
where
    F: Future<Output = Result<T, ToolError>> + Send + 'static,
{
    Ok(Box::pin(run))
}

/// The run of an async handler: its future, with its output converted to the item's result.
///
/// A struct with one `poll` rather than an `async` block around the handler: every item
/// instantiates it, and the struct leaves the compiler less to build per item.
pub(crate) fn prepared_async<F, T>(
    future: F,
    convert: fn(F::Output) -> Result<T, ToolError>,
) -> Prepared<T>
where
    F: Future + Send + 'static,
    T: 'static,
{
    Ok(Box::pin(Converted { future, convert }))
}

struct Converted<F: Future, T> {
    future: F,
    convert: fn(F::Output) -> Result<T, ToolError>,
}

impl<F: Future, T> Future for Converted<F, T> {
    type Output = Result<T, ToolError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is pinned structurally: it is never moved out of `self`, and
        // `Converted` has no `Drop` and is `Unpin` only when `F` is.
        let this = unsafe { self.get_unchecked_mut() };
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        future.poll(cx).map(this.convert)
    }
}

/// Everything one call brings to its handler. Built by the dispatcher; read by [`Param`].
///
/// A handler has two halves: the first takes its parameters out of the call (a [`Prepared`]
/// run, or the bad arguments), the second runs. The dispatcher takes the rate-limit quota
/// between them, so a call with bad arguments uses none, and no handler can skip it.
#[doc(hidden)]
pub struct Call {
    pub(crate) arguments: Map<String, Value>,
    pub(crate) context: Context,
    pub(crate) state: Arc<StateMap>,
    pub(super) input_schema: Arc<Map<String, Value>>,
    /// The generated handler's parameters, which it takes out by these names.
    pub(super) params: &'static [ParamDef],
    reject_unknown: bool,
}

impl Call {
    pub(crate) fn new(
        arguments: Map<String, Value>,
        context: Context,
        state: Arc<StateMap>,
        input_schema: Arc<Map<String, Value>>,
        params: &'static [ParamDef],
    ) -> Self {
        // Arguments the schema does not name are refused when it says so.
        let reject_unknown = input_schema.get("additionalProperties") == Some(&Value::Bool(false));
        Self {
            arguments,
            context,
            state,
            input_schema,
            params,
            reject_unknown,
        }
    }

    /// The handler's first half, checked: arguments no parameter took are unknown, an error
    /// when the schema says `additionalProperties: false`, reported with any other bad field.
    /// The dispatcher's step, so generated code has nothing of it to instantiate.
    pub(crate) fn finish<T>(&mut self, prepared: Prepared<T>) -> Prepared<T> {
        match self.unknown_arguments() {
            None => prepared,
            Some(unknown) => Err(with_unknown(prepared.err(), unknown)),
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
pub(super) fn keep<T>(result: Result<T, ToolError>, errors: &mut Option<ToolError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            merge(errors, error);
            None
        }
    }
}
