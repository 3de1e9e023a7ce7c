//! `openapi_tools!("openapi.json", prefix = "…", …)`: an OpenAPI document read and checked at
//! compile time, with the same code the runtime uses, so a bad document or a name clash is a
//! compile error at the path. Parse into a typed model, validate with spans, then emit.

mod emit;
mod model;

use proc_macro2::TokenStream;

pub fn expand(input: TokenStream) -> TokenStream {
    match model::Document::parse(input) {
        Ok(document) => emit::emit(&document),
        Err(errors) => {
            let errors = errors.write_errors();
            let rt = crate::RT;
            // An `OpenApi` either way, so the caller's code still type-checks, and nothing
            // after it is reported unreachable. It is never run: the build fails.
            quote::quote!({ #errors; #rt::openapi_checked("", "") })
        }
    }
}
