//! `#[resource("scheme://{var}", …)]`: a function read through a fixed URI or a URI template
//! whose variables bind to the parameters of the same name. Parse into a typed model,
//! validate with spans, then emit.

mod emit;
mod model;

use proc_macro2::TokenStream;

use crate::handler::{failed, parse_function};

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = match parse_function(item, "#[resource]") {
        Ok(function) => function,
        Err(tokens) => return tokens,
    };
    match model::ResourceModel::parse(attr, function) {
        Ok(model) => emit::emit(&model),
        Err(failure) => {
            let (function, errors) = *failure;
            failed(function, errors)
        }
    }
}
