//! The first half of a generated handler: its parameters taken out of the call by their
//! [`ParamDef`]s, and the function's run prepared.
//!
//! Generated code is one call, `call_async(call, (extract::<P0> as Extract<_>, …), function,
//! convert)`: the work lives here, written once for each number of parameters, so the
//! compiler checks and builds little per item.
//!
//! [`ParamDef`]: super::ParamDef

use std::future::Future;

use super::call::{Call, Prepared, keep, prepared, prepared_async};
use crate::error::ToolError;

/// How one parameter is taken, as a pointer: a function item would be checked again where
/// the tuple is used, and a type that is no `Param` reported twice.
#[doc(hidden)]
pub type Extract<V> = fn(&mut Call, &'static str, bool) -> Result<V, ToolError>;

/// A tuple of [`Extract`]s, one for each parameter: taken together, by the names of the
/// call's `ParamDef`s, so that one answer names every bad argument.
///
/// Functions rather than the `Param` types: the macros name each type once, at its span,
/// where a type that is no `Param` is reported, and the values' types follow.
#[doc(hidden)]
pub trait Take<Values> {
    fn take(self, call: &mut Call) -> Result<Values, ToolError>;
}

/// A function the macros register that returns a future.
#[doc(hidden)]
pub trait AsyncFunction<Values> {
    type Future: Future + Send + 'static;

    fn call(self, values: Values) -> Self::Future;
}

/// A function the macros register that runs to completion, on the blocking pool.
#[doc(hidden)]
pub trait BlockingFunction<Values>: Send + 'static {
    type Output;

    fn call(self, values: Values) -> Self::Output;
}

/// An async function's first half: its parameters taken, its run ready.
#[doc(hidden)]
pub fn call_async<V, P, F, T>(
    call: &mut Call,
    params: P,
    function: F,
    convert: fn(<F::Future as Future>::Output) -> Result<T, ToolError>,
) -> Prepared<T>
where
    P: Take<V>,
    F: AsyncFunction<V>,
    T: 'static,
{
    match params.take(call) {
        Ok(values) => prepared_async(function.call(values), convert),
        Err(error) => Err(error),
    }
}

/// A synchronous function's first half: its parameters taken, its run ready for the
/// blocking pool.
#[doc(hidden)]
pub fn call_blocking<V, P, F, T>(
    call: &mut Call,
    params: P,
    function: F,
    convert: fn(F::Output) -> Result<T, ToolError>,
) -> Prepared<T>
where
    P: Take<V>,
    F: BlockingFunction<V>,
    V: Send + 'static,
    T: Send + 'static,
{
    match params.take(call) {
        Ok(values) => prepared_blocking(move || convert(function.call(values))),
        Err(error) => Err(error),
    }
}

/// The run of a synchronous handler, on the blocking pool; a panic carries on unwinding in
/// the caller, where the dispatcher contains it.
fn prepared_blocking<T, F>(handler: F) -> Prepared<T>
where
    F: FnOnce() -> Result<T, ToolError> + Send + 'static,
    T: Send + 'static,
{
    prepared(async move {
        match tokio::task::spawn_blocking(handler).await {
            Ok(result) => result,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => Err(ToolError::internal(error)),
        }
    })
}

macro_rules! functions {
    ($(($param:ident, $value:ident)),*) => {
        impl<$($value),*> Take<($($value,)*)> for ($(Extract<$value>,)*) {
            #[allow(unused_variables, unused_mut, non_snake_case)]
            fn take(self, call: &mut Call) -> Result<($($value,)*), ToolError> {
                let ($($param,)*) = self;
                let mut params = call.params.iter();
                let mut errors = None;
                $(
                    let def = params.next().expect("a definition for each parameter");
                    let $value = keep($param(call, def.name, def.required), &mut errors);
                )*
                match ($($value,)*) {
                    ($(Some($value),)*) => Ok(($($value,)*)),
                    #[allow(unreachable_patterns)]
                    _ => Err(errors.expect("a parameter failed")),
                }
            }
        }

        impl<Function, Fut, $($value),*> AsyncFunction<($($value,)*)> for Function
        where
            Function: FnOnce($($value),*) -> Fut,
            Fut: Future + Send + 'static,
        {
            type Future = Fut;

            #[allow(non_snake_case)]
            fn call(self, ($($value,)*): ($($value,)*)) -> Fut {
                self($($value),*)
            }
        }

        impl<Function, Output, $($value),*> BlockingFunction<($($value,)*)> for Function
        where
            Function: FnOnce($($value),*) -> Output + Send + 'static,
        {
            type Output = Output;

            #[allow(non_snake_case)]
            fn call(self, ($($value,)*): ($($value,)*)) -> Output {
                self($($value),*)
            }
        }
    };
}

/// `functions!` for every tail of the list: 16 parameters down to none.
macro_rules! all_functions {
    () => {
        functions!();
    };
    ($head:tt $(, $tail:tt)*) => {
        functions!($head $(, $tail)*);
        all_functions!($($tail),*);
    };
}

all_functions!(
    (P0, V0),
    (P1, V1),
    (P2, V2),
    (P3, V3),
    (P4, V4),
    (P5, V5),
    (P6, V6),
    (P7, V7),
    (P8, V8),
    (P9, V9),
    (P10, V10),
    (P11, V11),
    (P12, V12),
    (P13, V13),
    (P14, V14),
    (P15, V15)
);
