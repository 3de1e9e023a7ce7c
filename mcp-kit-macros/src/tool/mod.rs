//! `#[tool]`: parse into a typed model, validate with spans, then emit.

mod emit;
mod model;
#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;

use crate::handler::expand_function;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(attr, item, "#[tool]", model::ToolModel::parse, emit::emit)
}
