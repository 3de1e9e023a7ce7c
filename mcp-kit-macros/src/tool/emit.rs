//! The expansion of a valid `#[tool]`: the function, a `static ToolDef` in the link-time
//! registry, and a crate-level marker that makes two tools with one name a compile error.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::{AnnotationArgs, ToolModel};

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
    let input_schema = input_schema(model);
    let output = &model.output;
    let call = call(model);
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
            output_schema: |generator| {
                <#output as ::mcp_kit::__private::IntoToolResult>::output_schema(generator)
            },
            call: #call,
            access: #access,
            location: ::mcp_kit::__private::Location {
                file: ::core::file!(),
                line: ::core::line!(),
                module: ::core::module_path!(),
            },
        };

        #marker
    }
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(::mcp_kit::__private::Some(#value)),
        None => quote!(::mcp_kit::__private::None),
    }
}

fn option_bool(value: Option<bool>) -> TokenStream {
    match value {
        Some(value) => quote!(::mcp_kit::__private::Some(#value)),
        None => quote!(::mcp_kit::__private::None),
    }
}

fn annotations(args: &AnnotationArgs) -> TokenStream {
    let read_only = option_bool(args.read_only);
    let destructive = option_bool(args.destructive);
    let idempotent = option_bool(args.idempotent);
    let open_world = option_bool(args.open_world);
    quote! {
        ::mcp_kit::__private::ToolAnnotations {
            read_only: #read_only,
            destructive: #destructive,
            idempotent: #idempotent,
            open_world: #open_world,
        }
    }
}

fn input_schema(model: &ToolModel) -> TokenStream {
    let params = model.params.iter().map(|param| {
        let ty = &param.ty;
        let name = &param.wire_name;
        let description = option_str(param.description.as_deref());
        let required = param.required;
        quote_spanned! {ty.span()=>
            schema.param::<#ty>(generator, #name, #description, #required);
        }
    });
    quote! {
        |generator| {
            let mut schema = ::mcp_kit::__private::InputSchema::new();
            #(#params)*
            schema.finish(generator)
        }
    }
}

fn call(model: &ToolModel) -> TokenStream {
    let fn_ident = &model.function.sig.ident;
    // Our own names, unseen by the user's: a parameter named like the function must not
    // shadow it in `#fn_ident(...)`.
    let idents: Vec<Ident> = (0..model.params.len())
        .map(|i| format_ident!("arg{i}", span = Span::mixed_site()))
        .collect();
    let extracts = model.params.iter().map(|param| {
        let ty = &param.ty;
        let name = &param.wire_name;
        let required = param.required;
        if param.default {
            quote_spanned! {ty.span()=>
                ::mcp_kit::__private::extract_or_default::<#ty>(&mut call, #name),
            }
        } else {
            quote_spanned! {ty.span()=>
                <#ty as ::mcp_kit::__private::Param>::extract(&mut call, #name, #required),
            }
        }
    });
    let kinds = model.params.iter().map(|param| {
        let ty = &param.ty;
        quote_spanned!(ty.span()=> <#ty as ::mcp_kit::__private::Param>::KIND)
    });
    // Evaluated with the static, so `cargo check` reports it too (an inline `const` in the
    // closure is only evaluated at codegen). Spanned on the parameter list it is about.
    let params_span = model.function.sig.paren_token.span.join();
    let check = (model.params.len() > 1).then(|| {
        quote_spanned! {params_span=>
            if !::mcp_kit::__private::check_params(&[#(#kinds),*]) {
                ::core::panic!(
                    "`Args<T>` must be the tool's only argument parameter (beside Context and State<T>)"
                );
            }
        }
    });
    // Converted as `<#output as IntoToolResult>`, the same path as `output_schema`: an
    // unsupported return type is then one error, at the return type.
    let output = &model.output;
    let into_result = quote!(<#output as ::mcp_kit::__private::IntoToolResult>::into_tool_result);
    let passed: Vec<TokenStream> = model
        .params
        .iter()
        .zip(&idents)
        .map(|(param, ident)| {
            if param.unwrap {
                quote!(#ident.0)
            } else {
                quote!(#ident)
            }
        })
        .collect();
    let run = if model.is_async() {
        quote!(#into_result(#fn_ident(#(#passed),*).await))
    } else {
        quote!(::mcp_kit::__private::run_blocking(move || #into_result(#fn_ident(#(#passed),*))).await)
    };
    let closure = quote! {
        |mut call| ::mcp_kit::__private::Box::pin(async move {
            let params = (#(#extracts)*);
            let (#(#idents,)*) = match call.finish(params) {
                ::core::result::Result::Ok(params) => params,
                ::core::result::Result::Err(error) => return ::core::result::Result::Err(error),
            };
            if let ::core::result::Result::Err(error) = call.admit().await {
                return ::core::result::Result::Err(error);
            }
            #run
        })
    };
    match check {
        Some(check) => quote!({ #check #closure }),
        None => closure,
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
