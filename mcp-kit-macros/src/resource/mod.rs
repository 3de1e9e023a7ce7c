//! `#[resource("scheme://{var}", …)]`: a function read through a fixed URI or a URI template
//! whose variables bind to the parameters of the same name. Parse into a typed model,
//! validate with spans, then emit.

mod emit;
mod model;

use proc_macro2::TokenStream;

use crate::handler::expand_function;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(
        attr,
        item,
        "#[resource]",
        model::ResourceModel::parse,
        emit::emit,
    )
}
