//! What a handler can ask for: its arguments, [`Args<T>`], [`State<T>`] and [`Context`].
//!
//! Injected parameters are recognised by type, through the [`Param`] trait, never by name:
//! every type that is `Deserialize + JsonSchema` is an argument; `Context`, `State<T>` and
//! `Args<T>` say what they are themselves.
//!
//! [`Context`]: crate::Context

mod call;
mod input_schema;
mod param;
mod state;

pub use call::{AllParams, Call, Prepared, prepared, prepared_async};
pub use input_schema::InputSchema;
pub use param::{
    Args, MaybePrincipal, Param, ParamKind, check_params, extract_or_default, is_injected,
};
pub use state::{State, StateMap};
