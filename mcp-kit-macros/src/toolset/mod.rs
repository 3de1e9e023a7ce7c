//! `#[toolset(prefix = "…")]` on an `impl` block: each public `&self` method becomes the tool
//! `{prefix}_{method}`, called on the value the server holds as state. Each method is turned
//! into a small free function taking `State<Self>` and expanded as `#[tool]` expands one, so
//! the checks, errors and generated code are those of `#[tool]`.

mod model;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ItemImpl;

use crate::tool;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let block = match syn::parse2::<ItemImpl>(item.clone()) {
        Ok(block) => block,
        Err(error) => {
            let message = syn::Error::new(error.span(), "`#[toolset]` goes on an `impl` block")
                .to_compile_error();
            return quote!(#item #message);
        }
    };
    let mut errors = darling::Error::accumulator();
    let model = model::ToolsetModel::parse(attr, block, &mut errors);
    let block = &model.block;
    let tools = model
        .tools
        .iter()
        .map(|t| tool::expand(t.attr.clone(), t.function.to_token_stream()));
    let errors = match errors.finish() {
        Ok(()) => TokenStream::new(),
        Err(errors) => errors.write_errors(),
    };
    quote! {
        #block
        #(#tools)*
        #errors
    }
}
