//! The expansion: the runtime's `OpenApi` over the same bytes, with the call's options.

use proc_macro2::TokenStream;
use quote::quote;

use super::model::Document;
use crate::RT;

pub fn emit(document: &Document) -> TokenStream {
    let file = document.file.to_string_lossy();
    let source = document.path.value();
    let options = &document.options;
    let single = [("prefix", &options.prefix), ("base_url", &options.base_url)]
        .into_iter()
        .filter_map(|(method, value)| {
            let method = quote::format_ident!("{method}");
            value.as_ref().map(|value| quote!(.#method(#value)))
        });
    let lists = [
        ("include_tags", &options.include_tags),
        ("exclude_tags", &options.exclude_tags),
        ("include_paths", &options.include_paths),
        ("exclude_paths", &options.exclude_paths),
        ("include_operations", &options.include_operations),
        ("exclude_operations", &options.exclude_operations),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(method, values)| {
        let method = quote::format_ident!("{method}");
        quote!(.#method([#(#values),*]))
    });
    quote! {
        #RT::openapi_checked(::core::include_str!(#file), #source) #(#single)* #(#lists)*
    }
}
