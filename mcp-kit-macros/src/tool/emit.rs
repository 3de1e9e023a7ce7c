//! The expansion of a valid `#[tool]`: the function, a `static ToolDef` in the link-time
//! registry, and a crate-level marker that makes two tools with one name a compile error.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::model::{AnnotationArgs, ToolModel};
use crate::handler::{Convert, call, input_schema, option_str};

pub fn emit(model: &ToolModel) -> TokenStream {
    let function = &model.function;
    let fn_ident = &function.sig.ident;
    let static_ident = format_ident!(
        "__MCP_KIT_TOOL_{}",
        fn_ident.to_string().trim_start_matches("r#")
    );
    let name = &model.name;
    let title = option_str(model.title.as_deref());
    let description = option_str(model.description.as_deref());
    let annotations = annotations(&model.annotations);
    let input_schema = input_schema(&model.params);
    let output = &model.output;
    let call = call(&model.function, &model.params, Convert::Tool(output));
    let access = model.access.emit();
    let marker = name_marker(model);
    quote! {
        #function

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #[::mcp_kit::__private::linkme::distributed_slice(::mcp_kit::__private::TOOLS)]
        #[linkme(crate = ::mcp_kit::__private::linkme)]
        static #static_ident: ::mcp_kit::__private::ToolDef = ::mcp_kit::__private::ToolDef {
            name: #name,
            title: #title,
            description: #description,
            annotations: #annotations,
            input_schema: #input_schema,
            output_schema: <#output as ::mcp_kit::__private::IntoToolResult>::output_schema,
            call: #call,
            access: #access,
            location: ::mcp_kit::__private::location!(),
        };

        #marker
    }
}

/// Only the hints given are written out, so expansions stay short.
fn annotations(args: &AnnotationArgs) -> TokenStream {
    let hints = [
        ("read_only", args.read_only),
        ("destructive", args.destructive),
        ("idempotent", args.idempotent),
        ("open_world", args.open_world),
    ];
    let given: Vec<TokenStream> = hints
        .into_iter()
        .filter_map(|(name, hint)| {
            let name = format_ident!("{name}");
            hint.map(|hint| quote!(#name: ::mcp_kit::__private::Some(#hint),))
        })
        .collect();
    if given.is_empty() {
        return quote!(::mcp_kit::__private::ToolAnnotations::NONE);
    }
    quote! {
        ::mcp_kit::__private::ToolAnnotations {
            #(#given)*
            ..::mcp_kit::__private::ToolAnnotations::NONE
        }
    }
}

/// A `#[macro_export]` item named after the tool: two tools with one name in a crate define
/// it twice, which rustc reports at both names.
fn name_marker(model: &ToolModel) -> TokenStream {
    let mut mangled = String::from("__mcp_kit_tool_named_");
    for c in model.name.chars() {
        match c {
            '_' => mangled.push_str("__"),
            '.' => mangled.push_str("_o"),
            '-' => mangled.push_str("_h"),
            c => mangled.push(c),
        }
    }
    let marker = Ident::new(&mangled, model.name_span);
    // All of it at the name: rustc points at the whole item when reporting the clash.
    quote_spanned! {model.name_span=>
        #[doc(hidden)]
        #[macro_export]
        macro_rules! #marker { () => {} }
    }
}
