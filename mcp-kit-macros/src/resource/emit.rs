//! The expansion of a valid `#[resource]`: the function, a `static ResourceDef` in the
//! link-time registry, and a check that every parameter without a variable is injected.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::model::ResourceModel;
use crate::RT;
use crate::completions::Completions;
use crate::handler::{Convert, call, input, option_str, static_ident};
use crate::registered::registered;

pub fn emit(model: &ResourceModel) -> TokenStream {
    let ResourceModel {
        function,
        uri,
        description,
        args,
        params,
        variables,
        output,
    } = model;

    let fn_ident = &function.sig.ident;
    let static_ident = static_ident("RESOURCE", function);
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| fn_ident.unraw().to_string());
    let title = option_str(args.title.as_deref());
    let description = option_str(description.as_deref());
    let mime = option_str(args.mime.as_ref().map(|mime| mime.as_str()));
    let input = input(params);
    let read = call(
        function,
        params,
        Convert::Item {
            output,
            trait_path: quote!(#RT::IntoResourceResult),
            method: format_ident!("into_resource_result"),
        },
    );
    let completions = Completions::emit_field(args.complete.as_ref());
    let access = args.access.emit();
    let app = crate::app::emit(args.app.as_ref());
    // A parameter that is not a variable must be supplied by the runtime.
    let unbound = params
        .iter()
        .filter(|p| !variables.contains(&p.wire_name))
        .map(|param| {
            let ty = &param.ty;
            // A `panic!` literal is a format string: its braces are doubled.
            let message = format!(
                "parameter `{0}` has no `{{{{{0}}}}}` in the URI template, and only Context, State<T> and Principal are supplied without one",
                param.wire_name
            );
            quote_spanned! {ty.span()=>
                const _: () = if !#RT::is_injected(<#ty as #RT::Param>::KIND) {
                    ::core::panic!(#message)
                };
            }
        });
    let definition = quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #static_ident: #RT::ResourceDef = #RT::ResourceDef {
            uri: #uri,
            name: #name,
            title: #title,
            description: #description,
            mime_type: #mime,
            input: #input,
            read: #read,
            completions: #completions,
            access: #access,
            app: #app,
            location: #RT::location!(),
        };
    };
    let definition = registered("RESOURCES", definition);
    quote! {
        #function

        #(#unbound)*

        #definition
    }
}
