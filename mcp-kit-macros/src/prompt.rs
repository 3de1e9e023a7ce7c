//! `#[prompt]`: a function whose parameters are the prompt's arguments and whose result is
//! its messages.

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::LitStr;
use syn::ext::IdentExt;

use crate::access::AccessArgs;
use crate::completions::Completions;
use crate::docs::doc_text;
use crate::handler::{
    Convert, call, check_signature, failed, input_schema, option_str, output_type, parse_function,
    parse_params,
};

#[derive(Debug, Default, FromMeta)]
struct PromptArgs {
    name: Option<LitStr>,
    title: Option<String>,
    description: Option<String>,
    complete: Option<Completions>,
    #[darling(flatten)]
    access: AccessArgs,
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut function = match parse_function(item, "#[prompt]") {
        Ok(function) => function,
        Err(tokens) => return tokens,
    };
    let mut errors = darling::Error::accumulator();
    let args = errors
        .handle(
            NestedMeta::parse_meta_list(attr)
                .map_err(darling::Error::from)
                .and_then(|metas| PromptArgs::from_list(&metas)),
        )
        .unwrap_or_default();
    check_signature(&function, "prompt", &mut errors);
    args.access.validate(&mut errors);
    args.access.refuse_rate_limits("prompt", &mut errors);
    let params = parse_params(&mut function, "prompt", &mut errors);
    let (name, name_span) = match &args.name {
        Some(lit) => (lit.value(), lit.span()),
        None => (
            function.sig.ident.unraw().to_string(),
            function.sig.ident.span(),
        ),
    };
    if name.is_empty() {
        errors
            .push(darling::Error::custom("a prompt's name cannot be empty").with_span(&name_span));
    }
    if let Some(completions) = &args.complete {
        let arguments: Vec<String> = params.iter().map(|p| p.wire_name.clone()).collect();
        completions.check(&arguments, "an argument of this prompt", &mut errors);
    }
    let output = output_type(&function, "prompt", &mut errors);
    if let Err(errors) = errors.finish() {
        return failed(function, errors);
    }

    let fn_ident = &function.sig.ident;
    let static_ident = format_ident!(
        "__MCP_KIT_PROMPT_{}",
        fn_ident.to_string().trim_start_matches("r#")
    );
    let title = option_str(args.title.as_deref());
    let description = option_str(
        args.description
            .clone()
            .or_else(|| doc_text(&function.attrs))
            .as_deref(),
    );
    let schema = input_schema(&params);
    let get = call(
        &function,
        &params,
        Convert::Item {
            output: &output,
            trait_path: quote!(::mcp_kit::__private::IntoPromptResult),
            method: format_ident!("into_prompt_result"),
        },
    );
    let completions = args
        .complete
        .as_ref()
        .map_or_else(|| quote!(&[]), Completions::emit);
    let access = args.access.emit();
    quote! {
        #function

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #[::mcp_kit::__private::linkme::distributed_slice(::mcp_kit::__private::PROMPTS)]
        #[linkme(crate = ::mcp_kit::__private::linkme)]
        static #static_ident: ::mcp_kit::__private::PromptDef = ::mcp_kit::__private::PromptDef {
            name: #name,
            title: #title,
            description: #description,
            input_schema: #schema,
            get: #get,
            completions: #completions,
            access: #access,
            location: ::mcp_kit::__private::location!(),
        };
    }
}
