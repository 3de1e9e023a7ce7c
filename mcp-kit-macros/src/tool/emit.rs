//! The expansion of a valid `#[tool]`: the function, a `static ToolDef` in the link-time
//! registry, and a crate-level marker that makes two tools with one name a compile error.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::model::{AnnotationArgs, TaskArg, ToolModel, VisibilityArg};
use crate::RT;
use crate::handler::{Convert, call, input, option_str, static_ident};
use crate::registered::registered;

pub fn emit(model: &ToolModel) -> TokenStream {
    let function = &model.function;
    let static_ident = static_ident("TOOL", &model.function);
    let name = &model.name;
    let title = option_str(model.title.as_deref());
    let description = option_str(model.description.as_deref());
    let annotations = annotations(&model.annotations);
    let input = input(&model.params);
    let output = &model.output;
    let call = call(&model.function, &model.params, Convert::Tool(output));
    let access = model.access.emit();
    let task = match model.task {
        None => quote!(Forbidden),
        Some(TaskArg::Optional) => quote!(Optional),
        Some(TaskArg::Required) => quote!(Required),
    };
    let ui = ui(model);
    let marker = name_marker(model);
    let name_error = model.name_error.clone().map(darling::Error::write_errors);
    let definition = quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #static_ident: #RT::ToolDef = #RT::ToolDef {
            name: #name,
            title: #title,
            description: #description,
            annotations: #annotations,
            input: #input,
            output_schema: <#output as #RT::IntoToolResult>::output_schema,
            call: #call,
            access: #access,
            task: #RT::TaskSupport::#task,
            ui: #ui,
            location: #RT::location!(),
        };
    };
    let definition = registered("TOOLS", definition);
    quote! {
        #function

        #definition

        #marker
        #name_error
    }
}

/// The tool's view and visibility; the one-word `NONE` for most tools.
fn ui(model: &ToolModel) -> TokenStream {
    if model.ui.is_none() && model.visibility.is_none() {
        return quote!(#RT::ToolUi::NONE);
    }
    let view = option_str(model.ui.as_deref());
    let visibility = match model.visibility {
        None => quote!(ModelAndApp),
        Some(VisibilityArg::Model) => quote!(Model),
        Some(VisibilityArg::App) => quote!(App),
    };
    quote!(#RT::ToolUi {
        view: #view,
        visibility: #RT::Visibility::#visibility,
    })
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
            hint.map(|hint| quote!(#name: #RT::Some(#hint),))
        })
        .collect();
    if given.is_empty() {
        return quote!(#RT::ToolAnnotations::NONE);
    }
    quote! {
        #RT::ToolAnnotations {
            #(#given)*
            ..#RT::ToolAnnotations::NONE
        }
    }
}

/// A `#[macro_export]` item named after the tool: two tools with one name in a crate define
/// it twice, which rustc reports at both names, as "the name `two_tools_are_named_…` is
/// defined multiple times".
fn name_marker(model: &ToolModel) -> TokenStream {
    let mut mangled = String::from("two_tools_are_named_");
    for c in model.name.chars() {
        match c {
            '_' => mangled.push_str("__"),
            '.' => mangled.push_str("_o"),
            '-' => mangled.push_str("_h"),
            c if c.is_ascii_alphanumeric() => mangled.push(c),
            // Not a tool name (the name check says so), but still an identifier.
            c => mangled.push_str(&format!("_u{:x}", u32::from(c))),
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
