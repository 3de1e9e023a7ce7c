//! What every item macro (`#[tool]`, `#[resource]`, `#[prompt]`) does with its function: check
//! the signature, read the parameters, and emit the schema and the call closure.

use darling::FromAttributes;
use darling::util::Flag;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, LitStr, Pat, Type};

use crate::RT;
use crate::function::Function;

/// The most parameters a function takes; past this, one `Args<T>` struct reads better.
const MAX_PARAMS: usize = 16;

/// The item as a function, or the item unchanged with an error saying where `attribute` goes.
fn parse_function(item: TokenStream, attribute: &str) -> Result<Function, TokenStream> {
    syn::parse2::<Function>(item.clone()).map_err(|error| {
        let message = syn::Error::new(error.span(), format!("`{attribute}` goes on a function"))
            .to_compile_error();
        quote!(#item #message)
    })
}

/// The function's return type (`()` when it names none); `impl Trait` is refused, since the
/// generated code must name the type to convert it.
pub fn output_type(
    function: &Function,
    noun: &str,
    errors: &mut darling::error::Accumulator,
) -> Type {
    match &function.sig.output {
        syn::ReturnType::Default => syn::parse_quote!(()),
        syn::ReturnType::Type(_, ty) => {
            if let Type::ImplTrait(_) = **ty {
                errors.push(
                    darling::Error::custom(format!(
                        "a {noun} cannot return `impl Trait`; name the type"
                    ))
                    .with_span(ty),
                );
            }
            (**ty).clone()
        }
    }
}

/// The function unchanged beside the errors, so the rest of the crate still compiles and the
/// IDE still helps.
fn failed(function: Function, errors: darling::Error) -> TokenStream {
    let mut tokens = quote::ToTokens::into_token_stream(function);
    tokens.extend(errors.write_errors());
    tokens
}

#[derive(Debug, Default, FromAttributes)]
#[darling(attributes(arg))]
struct ArgAttrs {
    description: Option<String>,
    rename: Option<LitStr>,
    default: Flag,
    header: Option<LitStr>,
}

pub struct ParamModel {
    pub ident: syn::Ident,
    pub wire_name: String,
    pub ty: Type,
    pub description: Option<String>,
    pub required: bool,
    /// `#[arg(header = "Region")]`: the client mirrors the argument into `Mcp-Param-Region`.
    pub header: Option<String>,
    pub filled: Filled,
}

/// How a parameter is taken out of a call.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Filled {
    /// By its type's `Param` impl.
    Param,
    /// `#[arg(default)]`: a missing argument takes `Default::default()`.
    OrDefault,
    /// `Option<Principal>`: `ty` is the `Param` type that describes it in the schema.
    OptionalPrincipal,
}

pub fn check_signature(function: &Function, noun: &str, errors: &mut darling::error::Accumulator) {
    let sig = &function.sig;
    // Point at the first parameter (or `where`): a span is one token, and `<` says little.
    let generic = match (sig.generics.params.first(), &sig.generics.where_clause) {
        (Some(param), _) => Some(param.span()),
        (None, Some(clause)) => Some(clause.where_token.span),
        (None, None) => None,
    };
    if let Some(generic) = generic {
        errors.push(
            darling::Error::custom(format!(
                "a {noun} cannot be generic: its schema must be known at compile time"
            ))
            .with_span(&generic),
        );
    }
    let mut refuse = |spanned: &dyn ToTokensSpan, message: &str| {
        let message = message.replace("{noun}", noun);
        errors.push(darling::Error::custom(message).with_span(&spanned.span_of()));
    };
    if let syn::Safety::Unsafe(unsafety) = &sig.safety {
        refuse(unsafety, "a {noun} cannot be an `unsafe fn`");
    }
    if let Some(constness) = &sig.constness {
        refuse(constness, "a {noun} cannot be a `const fn`");
    }
    if let Some(abi) = &sig.abi {
        refuse(abi, "a {noun} cannot have an `extern` ABI");
    }
    if let Some(variadic) = &sig.variadic {
        refuse(variadic, "a {noun} cannot be variadic");
    }
    if sig.inputs.len() > MAX_PARAMS {
        refuse(
            &sig.inputs,
            "a {noun} takes at most 16 parameters; gather them in one `Args<T>` struct",
        );
    }
}

pub fn parse_params(
    function: &mut Function,
    noun: &str,
    errors: &mut darling::error::Accumulator,
) -> Vec<ParamModel> {
    let mut params: Vec<ParamModel> = Vec::new();
    for input in &mut function.sig.inputs {
        let typed = match input {
            FnArg::Receiver(receiver) => {
                errors.push(
                    darling::Error::custom(format!(
                        "a {noun} cannot take `self`; make it a free function, and share data through `State<T>`"
                    ))
                    .with_span(&receiver.self_token.span),
                );
                continue;
            }
            FnArg::Typed(typed) => typed,
        };
        let attrs = errors
            .handle(ArgAttrs::from_attributes(&typed.attrs))
            .unwrap_or_default();
        typed.attrs.retain(|attr| !attr.path().is_ident("arg"));

        let ident = match &*typed.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
            other => {
                errors.push(
                    darling::Error::custom(format!(
                        "a {noun} parameter must be a plain name, like `count: u32`"
                    ))
                    .with_span(&other.span()),
                );
                continue;
            }
        };
        if let Type::ImplTrait(_) = &*typed.ty {
            errors.push(
                darling::Error::custom(format!(
                    "a {noun} parameter cannot be `impl Trait`; name a concrete type"
                ))
                .with_span(&typed.ty.span()),
            );
            continue;
        }
        // A borrowed argument cannot be deserialized from an owned JSON value; said here,
        // rather than as rustc's "implementation of `Deserialize` is not general enough".
        if let Type::Reference(reference) = &*typed.ty {
            errors.push(
                darling::Error::custom(format!(
                    "a {noun} parameter cannot be a reference; take an owned type, like `String` for `&str`"
                ))
                .with_span(&reference.and_token.span),
            );
            continue;
        }
        let wire_name = match &attrs.rename {
            Some(rename) => rename.value(),
            None => ident.to_string().trim_start_matches("r#").to_owned(),
        };
        if let Some(previous) = params.iter().find(|p| p.wire_name == wire_name) {
            let span = attrs.rename.as_ref().map_or(ident.span(), LitStr::span);
            errors.push(
                darling::Error::custom(format!(
                    "`{}` and `{ident}` both take the argument `{wire_name}`",
                    previous.ident
                ))
                .with_span(&span),
            );
        }
        let header = attrs.header.as_ref().and_then(|header| {
            let name = header.value();
            let problem = header_problem(&name, params.iter().filter_map(|p| p.header.as_deref()));
            match problem {
                Some(problem) => {
                    errors.push(darling::Error::custom(problem).with_span(&header.span()));
                    None
                }
                None => Some(name),
            }
        });
        let default = attrs.default.is_present();
        // A blanket impl makes every `Option<T: Deserialize>` an argument, so the optional
        // caller is described by a type of its own.
        let (ty, filled): (Type, Filled) = if is_optional_principal(&typed.ty) {
            let span = typed.ty.span();
            let ty = syn::parse_quote_spanned!(span=> #RT::MaybePrincipal);
            (ty, Filled::OptionalPrincipal)
        } else if default {
            ((*typed.ty).clone(), Filled::OrDefault)
        } else {
            ((*typed.ty).clone(), Filled::Param)
        };
        let required = !default && !is_option(&typed.ty);
        params.push(ParamModel {
            ident,
            wire_name,
            ty,
            description: attrs.description,
            required,
            header,
            filled,
        });
    }
    params
}

/// What is wrong with `name` as the suffix of an `Mcp-Param-` header (SEP-2243): it must be
/// an HTTP token, and no other parameter's, whatever the case.
fn header_problem<'a>(name: &str, taken: impl IntoIterator<Item = &'a str>) -> Option<String> {
    const TOKEN_PUNCTUATION: &str = "!#$%&'*+-.^_`|~";
    if name.is_empty() {
        return Some("a header name cannot be empty".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !TOKEN_PUNCTUATION.contains(*c))
    {
        return Some(format!(
            "`{bad}` cannot be in a header name: use letters, digits and {TOKEN_PUNCTUATION}"
        ));
    }
    taken
        .into_iter()
        .find(|other| other.eq_ignore_ascii_case(name))
        .map(|other| format!("another parameter already uses the header `Mcp-Param-{other}`"))
}

/// `Option<T>` by its last path segment, as serde does for `#[serde(default)]`-free fields.
/// `Option<Principal>` (any path to either).
fn is_optional_principal(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    last.ident == "Option"
        && matches!(args.args.first(), Some(syn::GenericArgument::Type(Type::Path(inner)))
            if inner.path.segments.last().is_some_and(|s| s.ident == "Principal"))
}

fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => {
            path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Option")
        }
        Type::Group(group) => is_option(&group.elem),
        Type::Paren(paren) => is_option(&paren.elem),
        _ => false,
    }
}

/// Anything with a span to point an error at.
trait ToTokensSpan {
    fn span_of(&self) -> Span;
}

impl<T: quote::ToTokens> ToTokensSpan for T {
    fn span_of(&self) -> Span {
        self.span()
    }
}

pub fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(#RT::Some(#value)),
        None => quote!(#RT::None),
    }
}

/// The parameters as data (`InputDef::Params`): the runtime builds the schema from it.
pub fn input(params: &[ParamModel]) -> TokenStream {
    let params = params.iter().map(|param| {
        let ty = &param.ty;
        let name = &param.wire_name;
        let optional = (!param.required).then(|| quote!(.optional()));
        let description = param.description.as_ref().map(|d| quote!(.description(#d)));
        let header = param.header.as_ref().map(|h| quote!(.header(#h)));
        quote_spanned! {ty.span()=>
            #RT::ParamDef::of::<#ty>(#name) #optional #description #header
        }
    });
    quote!(#RT::InputDef::Params(&[#(#params),*]))
}

/// The function's output converted to its item's result.
pub enum Convert<'a> {
    /// `IntoToolResult`.
    Tool(&'a Type),
    /// `<output as trait_path>::method`.
    Item {
        output: &'a Type,
        trait_path: TokenStream,
        method: Ident,
    },
}

/// The `static` an item's definition is registered under: `__MCP_KIT_{KIND}_{function}`.
pub fn static_ident(kind: &str, function: &Function) -> Ident {
    let name = function.sig.ident.to_string();
    format_ident!("__MCP_KIT_{kind}_{}", name.trim_start_matches("r#"))
}

/// A checked model of a function item, or the function (its `#[arg]`s removed) and every
/// error found.
pub type Parsed<M> = Result<M, Box<(Function, darling::Error)>>;

/// A function item's macro: parse `item` as a function, then `attr` and the function into a
/// checked model, then emit it. On errors, the function is emitted unchanged beside them, so
/// the IDE keeps working.
pub fn expand_function<M>(
    attr: TokenStream,
    item: TokenStream,
    what: &str,
    parse: fn(TokenStream, Function) -> Parsed<M>,
    emit: fn(&M) -> TokenStream,
) -> TokenStream {
    let function = match parse_function(item, what) {
        Ok(function) => function,
        Err(tokens) => return tokens,
    };
    match parse(attr, function) {
        Ok(model) => emit(&model),
        Err(failure) => {
            let (function, errors) = *failure;
            failed(function, errors)
        }
    }
}

/// The closure that takes the parameters out of a `Call` and returns the run of the
/// function: one call to the runtime, which takes them by their `ParamDef`s.
pub fn call(function: &Function, params: &[ParamModel], convert: Convert<'_>) -> TokenStream {
    let fn_ident = &function.sig.ident;
    let kinds = params.iter().map(|param| {
        let ty = &param.ty;
        quote_spanned!(ty.span()=> #RT::kind::<#ty>())
    });
    // Evaluated with the static, so `cargo check` reports it too (an inline `const` in the
    // closure is only evaluated at codegen). Spanned on the parameter list it is about.
    let params_span = function.sig.paren_token.span.join();
    let check = (params.len() > 1).then(|| {
        quote_spanned! {params_span=>
            if !#RT::check_params(&[#(#kinds),*]) {
                ::core::panic!(
                    "`Args<T>` must be the tool's only argument parameter (beside Context and State<T>)"
                );
            }
        }
    });
    // Converted as `<#output as IntoToolResult>`, the same path as `output_schema`: an
    // unsupported return type is then one error, at the return type.
    let into_result = match &convert {
        Convert::Tool(output) => {
            quote!(<#output as #RT::IntoToolResult>::into_tool_result)
        }
        Convert::Item {
            output,
            trait_path,
            method,
        } => quote!(<#output as #trait_path>::#method),
    };
    // The dispatcher takes the rate-limit quota between the two halves, then runs the
    // second: the function, on the blocking pool when it is not async.
    let prepare = match function.sig.asyncness {
        Some(_) => quote!(call_async),
        None => quote!(call_blocking),
    };
    // Each a function pointer named at the parameter's type, where a type that is no `Param`
    // is reported, once.
    let extracts = params.iter().map(|param| {
        let ty = &param.ty;
        let function = match param.filled {
            Filled::Param => quote_spanned!(ty.span()=> #RT::extract::<#ty>),
            Filled::OrDefault => quote_spanned!(ty.span()=> #RT::extract_or_default::<#ty>),
            Filled::OptionalPrincipal => quote_spanned!(ty.span()=> #RT::optional_principal),
        };
        quote_spanned!(ty.span()=> #function as #RT::Extract<_>)
    });
    // Our own name, unseen by the user's: a function called `call` must not be shadowed.
    let call = Ident::new("call", Span::mixed_site());
    let closure = quote! {
        |#call| #RT::#prepare(#call, (#(#extracts,)*), #fn_ident, #into_result)
    };
    match check {
        Some(check) => quote!({ #check #closure }),
        None => closure,
    }
}
