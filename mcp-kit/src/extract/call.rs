//! [`Call`]: one call's arguments, context and state, and how its parameters are gathered.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::state::StateMap;
use crate::context::Context;
use crate::error::{FieldError, ToolError};

/// A handler's first half, done: its parameters taken, the run ready to start.
#[doc(hidden)]
pub type Prepared<T> = Result<BoxFuture<'static, Result<T, ToolError>>, ToolError>;

/// The run of a handler whose parameters are taken. Not generic over the handler beyond
/// the boxing: one small copy per item.
#[doc(hidden)]
pub fn prepared<T, F>(run: F) -> Prepared<T>
where
    F: Future<Output = Result<T, ToolError>> + Send + 'static,
{
    Ok(Box::pin(run))
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
    reject_unknown: bool,
}

impl Call {
    pub(crate) fn new(
        arguments: Map<String, Value>,
        context: Context,
        state: Arc<StateMap>,
        input_schema: Arc<Map<String, Value>>,
    ) -> Self {
        // Arguments the schema does not name are refused when it says so.
        let reject_unknown = input_schema.get("additionalProperties") == Some(&Value::Bool(false));
        Self {
            arguments,
            context,
            state,
            input_schema,
            reject_unknown,
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
