//! `#[tool]`: parse into a typed model, validate with spans, then emit.

mod emit;
mod model;
#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;
use quote::ToTokens;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let message =
                syn::Error::new(error.span(), "`#[tool]` goes on a function").to_compile_error();
            return quote::quote!(#item #message);
        }
    };
    match model::ToolModel::parse(attr, function) {
        Ok(model) => emit::emit(&model),
        // Keep the function so the rest of the crate still compiles and the IDE still helps.
        Err(failed) => {
            let (function, errors) = *failed;
            let mut tokens = function.into_token_stream();
            tokens.extend(errors.write_errors());
            tokens
        }
    }
}
