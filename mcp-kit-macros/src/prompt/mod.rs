//! `#[prompt]`: a function whose parameters are the prompt's arguments and whose result is
//! its messages. Parse into a typed model, validate with spans, then emit.

mod emit;
mod model;

use proc_macro2::TokenStream;

use crate::handler::expand_function;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(
        attr,
        item,
        "#[prompt]",
        model::PromptModel::parse,
        emit::emit,
    )
}
