//! `#[resource("scheme://{var}", …)]`: a function read through a fixed URI or a URI template
//! whose variables bind to the parameters of the same name.

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{ItemFn, Lit, LitStr, Type};

use crate::access::AccessArgs;
use crate::completions::Completions;
use crate::docs::doc_text;
use crate::handler::{
    Convert, ParamModel, call, check_signature, failed, input_schema, option_str, output_type,
    parse_function, parse_params,
};

#[derive(Debug, Default, FromMeta)]
struct ResourceArgs {
    name: Option<String>,
    title: Option<String>,
    description: Option<String>,
    mime: Option<String>,
    complete: Option<Completions>,
    #[darling(flatten)]
    access: AccessArgs,
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut function = match parse_function(item, "#[resource]") {
        Ok(function) => function,
        Err(tokens) => return tokens,
    };
    let mut errors = darling::Error::accumulator();
    let metas = errors
        .handle(NestedMeta::parse_meta_list(attr).map_err(darling::Error::from))
        .unwrap_or_default();
    let (uri, rest) = match metas.split_first() {
        Some((NestedMeta::Lit(Lit::Str(uri)), rest)) => (Some(uri.clone()), rest),
        _ => {
            errors.push(darling::Error::custom(
                "`#[resource]` needs its URI first, like `#[resource(\"notes://{id}\")]`",
            ));
            (None, &metas[..])
        }
    };
    let args = errors
        .handle(ResourceArgs::from_list(rest))
        .unwrap_or_default();
    check_signature(&function, "resource", &mut errors);
    args.access.validate(&mut errors);
    args.access.refuse_rate_limits("resource", &mut errors);
    let params = parse_params(&mut function, "resource", &mut errors);
    let variables = uri
        .as_ref()
        .map(|uri| template_variables(uri, &mut errors))
        .unwrap_or_default();
    if let Some(uri) = &uri {
        for variable in &variables {
            if !params.iter().any(|p| &p.wire_name == variable) {
                errors.push(
                    darling::Error::custom(format!(
                        "`{{{variable}}}` has no parameter: add `{variable}: String` (or another type that parses from text) to the function"
                    ))
                    .with_span(uri),
                );
            }
        }
    }
    if let Some(completions) = &args.complete {
        completions.check(&variables, "a variable of the URI template", &mut errors);
    }
    let output = output_type(&function, "resource", &mut errors);
    if let Err(errors) = errors.finish() {
        return failed(function, errors);
    }
    let uri = uri.expect("a missing URI is reported above");
    emit(&function, &uri, &args, &params, &variables, &output)
}

/// The variables of `uri` (`{id}`, `{+path}`), with errors for what a server cannot match.
fn template_variables(uri: &LitStr, errors: &mut darling::error::Accumulator) -> Vec<String> {
    let text = uri.value();
    let mut variables = Vec::new();
    let mut rest = text.as_str();
    let mut last_was_variable = false;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|i| i + open) else {
            errors.push(darling::Error::custom("a `{` in the URI is never closed").with_span(uri));
            return variables;
        };
        let expression = &rest[open + 1..close];
        let name = expression.strip_prefix('+').unwrap_or(expression);
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            errors.push(
                darling::Error::custom(format!(
                    "`{{{expression}}}` is not a variable this server can match: use `{{name}}` for one path segment or `{{+name}}` for the rest"
                ))
                .with_span(uri),
            );
        } else if last_was_variable && open == 0 {
            errors.push(
                darling::Error::custom(
                    "two variables in a row cannot be told apart; put a literal between them",
                )
                .with_span(uri),
            );
        } else {
            variables.push(name.to_owned());
        }
        last_was_variable = true;
        rest = &rest[close + 1..];
        if !rest.starts_with('{') {
            last_was_variable = false;
        }
    }
    variables
}

fn emit(
    function: &ItemFn,
    uri: &LitStr,
    args: &ResourceArgs,
    params: &[ParamModel],
    variables: &[String],
    output: &Type,
) -> TokenStream {
    let fn_ident = &function.sig.ident;
    let static_ident = format_ident!(
        "__MCP_KIT_RESOURCE_{}",
        fn_ident.to_string().trim_start_matches("r#")
    );
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| fn_ident.unraw().to_string());
    let title = option_str(args.title.as_deref());
    let description = option_str(
        args.description
            .clone()
            .or_else(|| doc_text(&function.attrs))
            .as_deref(),
    );
    let mime = option_str(args.mime.as_deref());
    let schema = input_schema(params);
    let read = call(
        function,
        params,
        Convert::Item {
            output,
            trait_path: quote!(::mcp_kit::__private::IntoResourceResult),
            method: format_ident!("into_resource_result"),
        },
    );
    let completions = args
        .complete
        .as_ref()
        .map_or_else(|| quote!(&[]), Completions::emit);
    let access = args.access.emit();
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
                const _: () = if !::mcp_kit::__private::is_injected(<#ty as ::mcp_kit::__private::Param>::KIND) {
                    ::core::panic!(#message)
                };
            }
        });
    quote! {
        #function

        #(#unbound)*

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #[::mcp_kit::__private::linkme::distributed_slice(::mcp_kit::__private::RESOURCES)]
        #[linkme(crate = ::mcp_kit::__private::linkme)]
        static #static_ident: ::mcp_kit::__private::ResourceDef = ::mcp_kit::__private::ResourceDef {
            uri: #uri,
            name: #name,
            title: #title,
            description: #description,
            mime_type: #mime,
            input_schema: #schema,
            read: #read,
            completions: #completions,
            access: #access,
            location: ::mcp_kit::__private::location!(),
        };
    }
}
