//! `#[derive(ModelToolset)]`: a struct describing a table becomes list/retrieve tools (and the
//! write tools it names), once per `#[toolset(…)]`. Parse into a typed model, validate with
//! spans, then emit.

mod emit;
mod model;

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

pub fn expand(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    match model::Model::parse(&input) {
        Ok(models) => models
            .iter()
            .enumerate()
            .map(|(n, model)| emit::emit(model, n == 0))
            .collect(),
        // A derive adds items; the struct itself stays, so the IDE keeps working.
        Err(errors) => {
            let errors = errors.write_errors();
            quote!(#errors)
        }
    }
}
