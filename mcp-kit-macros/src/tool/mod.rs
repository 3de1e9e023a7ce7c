//! `#[tool]`: parse into a typed model, validate with spans, then emit.

mod emit;
mod model;
#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;

use crate::handler::{failed, parse_function};

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = match parse_function(item, "#[tool]") {
        Ok(function) => function,
        Err(tokens) => return tokens,
    };
    match model::ToolModel::parse(attr, function) {
        Ok(model) => emit::emit(&model),
        Err(failure) => {
            let (function, errors) = *failure;
            failed(function, errors)
        }
    }
}
