//! What a handler can ask for: its arguments, [`Args<T>`], [`State<T>`] and [`Context`].
//!
//! Injected parameters are recognised by type, through the [`Param`] trait, never by name:
//! every type that is `Deserialize + JsonSchema` is an argument; `Context`, `State<T>` and
//! `Args<T>` say what they are themselves.
//!
//! [`Context`]: crate::Context

mod call;
mod handler;
mod input_schema;
mod param;
mod state;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use call::prepared;
pub(crate) use call::prepared_async;
pub use call::{Call, Prepared};
pub use handler::{Extract, call_async, call_blocking};
pub(crate) use input_schema::input_schema;
pub use input_schema::{InputDef, ParamDef};
pub use param::{
    Args, MaybePrincipal, Param, ParamKind, check_params, extract, extract_or_default, is_injected,
    kind, optional_principal,
};
pub use state::{State, StateMap};
