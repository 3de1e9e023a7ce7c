//! The expansion of a valid `#[prompt]`: the function and a `static PromptDef` in the
//! link-time registry.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::model::PromptModel;
use crate::RT;
use crate::completions::Completions;
use crate::handler::{Convert, call, input, option_str, static_ident};
use crate::registered::registered;

pub fn emit(model: &PromptModel) -> TokenStream {
    let PromptModel {
        function,
        name,
        description,
        args,
        params,
        output,
    } = model;
    let static_ident = static_ident("PROMPT", function);
    let title = option_str(args.title.as_deref());
    let description = option_str(description.as_deref());
    let input = input(params);
    let get = call(
        function,
        params,
        Convert::Item {
            output,
            trait_path: quote!(#RT::IntoPromptResult),
            method: format_ident!("into_prompt_result"),
        },
    );
    let completions = Completions::emit_field(args.complete.as_ref());
    let access = args.access.emit();
    let definition = quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #static_ident: #RT::PromptDef = #RT::PromptDef {
            name: #name,
            title: #title,
            description: #description,
            input: #input,
            get: #get,
            completions: #completions,
            access: #access,
            location: #RT::location!(),
        };
    };
    let definition = registered("PROMPTS", definition);
    quote! {
        #function

        #definition
    }
}
