//! `#[prompt]`: a function whose parameters are the prompt's arguments and whose result is
//! its messages. Parse into a typed model, validate with spans, then emit.

mod emit;
mod model;

use proc_macro2::TokenStream;

use crate::handler::{failed, parse_function};

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = match parse_function(item, "#[prompt]") {
        Ok(function) => function,
        Err(tokens) => return tokens,
    };
    match model::PromptModel::parse(attr, function) {
        Ok(model) => emit::emit(&model),
        Err(failure) => {
            let (function, errors) = *failure;
            failed(function, errors)
        }
    }
}
