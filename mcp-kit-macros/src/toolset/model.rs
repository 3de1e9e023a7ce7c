//! The typed model of one `#[toolset]` block: its prefix, the keys every method inherits,
//! and each public `&self` method as the free function `#[tool]` will expand.

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, LitStr, Visibility};

use crate::function::Function;

/// Keys a method's own `#[tool(…)]` replaces, by the toolset key they displace.
const OVERRIDES: &[(&str, &[&str])] = &[
    ("permission", &["permission", "permissions"]),
    ("permissions", &["permission", "permissions"]),
    ("rate_limit", &["rate_limit", "no_rate_limit"]),
    ("no_rate_limit", &["rate_limit", "no_rate_limit"]),
    ("enabled", &["enabled"]),
    ("annotations", &["annotations"]),
];

#[derive(Debug, FromMeta)]
struct Prefix {
    prefix: LitStr,
}

/// One method, as the tool it becomes.
pub struct ToolModel {
    /// The `#[tool]` keys: the toolset's, then the method's own.
    pub attr: TokenStream,
    /// The free function `#[tool]` expands.
    pub function: Function,
}

pub struct ToolsetModel {
    /// The `impl` block, its methods' `#[tool]` and `#[arg]` attributes removed.
    pub block: ItemImpl,
    pub tools: Vec<ToolModel>,
}

impl ToolsetModel {
    /// Parses `block` and checks it, collecting every error in `errors`; the model holds what
    /// could be read, so that the block and its valid tools are still emitted.
    pub fn parse(
        attr: TokenStream,
        mut block: ItemImpl,
        errors: &mut darling::error::Accumulator,
    ) -> Self {
        let metas = errors
            .handle(NestedMeta::parse_meta_list(attr).map_err(darling::Error::from))
            .unwrap_or_default();
        // `prefix` is the toolset's own key; the rest are `#[tool]` keys every method inherits.
        let (prefix_metas, shared): (Vec<NestedMeta>, Vec<NestedMeta>) = metas
            .into_iter()
            .partition(|meta| key(meta).as_deref() == Some("prefix"));
        let prefix = errors
            .handle(Prefix::from_list(&prefix_metas))
            .map(|p| p.prefix);
        if let Some(generics) = block.generics.params.first() {
            errors.push(
                darling::Error::custom(
                    "a toolset cannot be generic: its tools must be known at compile time",
                )
                .with_span(generics),
            );
        }
        if let Some((path, _)) = &block.trait_ {
            errors.push(
                darling::Error::custom("`#[toolset]` goes on an inherent `impl`, not a trait impl")
                    .with_span(path),
            );
        }
        let self_ty = block.self_ty.clone();
        let mut tools = Vec::new();
        for item in &mut block.items {
            let ImplItem::Fn(method) = item else { continue };
            let own = take_tool_attr(method, errors);
            if let (Visibility::Public(_), Some(prefix)) = (&method.vis, &prefix)
                && let Some(function) = wrapper(method, &self_ty, errors)
            {
                let name = format!("{}_{}", prefix.value(), method.sig.ident);
                let name = LitStr::new(&name, method.sig.ident.span());
                let keys = merged(&shared, &own);
                let attr = quote!(name = #name, #(#keys),*);
                tools.push(ToolModel { attr, function });
            }
            strip_arg_attrs(method);
        }
        Self { block, tools }
    }
}

/// The name of a `key = …` or `key(…)` entry.
fn key(meta: &NestedMeta) -> Option<String> {
    match meta {
        NestedMeta::Meta(meta) => meta.path().get_ident().map(ToString::to_string),
        _ => None,
    }
}

/// The toolset's keys that the method does not replace, then the method's.
fn merged(shared: &[NestedMeta], own: &[NestedMeta]) -> Vec<NestedMeta> {
    let displaced: Vec<&str> = own
        .iter()
        .filter_map(key)
        .flat_map(|own_key| {
            OVERRIDES
                .iter()
                .filter(move |(k, _)| *k == own_key)
                .flat_map(|(_, displaced)| displaced.iter().copied())
        })
        .collect();
    shared
        .iter()
        .filter(|meta| key(meta).is_none_or(|k| !displaced.contains(&k.as_str())))
        .chain(own)
        .cloned()
        .collect()
}

/// The method's `#[tool(…)]` keys, removed from the method.
fn take_tool_attr(
    method: &mut ImplItemFn,
    errors: &mut darling::error::Accumulator,
) -> Vec<NestedMeta> {
    let mut keys = Vec::new();
    method.attrs.retain(|attr| {
        if !attr.path().is_ident("tool") {
            return true;
        }
        let parsed = match &attr.meta {
            syn::Meta::Path(_) => Ok(Vec::new()),
            syn::Meta::List(list) => {
                NestedMeta::parse_meta_list(list.tokens.clone()).map_err(darling::Error::from)
            }
            syn::Meta::NameValue(nv) => {
                Err(darling::Error::custom(
                    "`#[tool = …]` is not a form `#[tool]` takes: write its keys in parentheses, like `#[tool(annotations(read_only))]`",
                )
                .with_span(nv))
            }
        };
        if let Some(parsed) = errors.handle(parsed) {
            keys.extend(parsed);
        }
        false
    });
    keys
}

/// `#[arg]` is read from the wrapper; the method itself must not carry it.
fn strip_arg_attrs(method: &mut ImplItemFn) {
    for input in &mut method.sig.inputs {
        if let FnArg::Typed(typed) = input {
            typed.attrs.retain(|attr| !attr.path().is_ident("arg"));
        }
    }
}

/// `fn __mcp_kit_toolset_{Type}_{method}(this: State<Type>, params…) -> R { this.method(params…) }`,
/// with the method's doc comment and parameter attributes.
fn wrapper(
    method: &ImplItemFn,
    self_ty: &syn::Type,
    errors: &mut darling::error::Accumulator,
) -> Option<Function> {
    let sig = &method.sig;
    match sig.receiver() {
        Some(receiver) if matches!(receiver.kind, syn::ReceiverKind::Reference(_, _, None)) => {}
        Some(receiver) => {
            errors.push(
                darling::Error::custom(
                    "a toolset method takes `&self`: the value is shared by every call, so use interior mutability for what changes",
                )
                .with_span(receiver),
            );
            return None;
        }
        // Associated functions (constructors) are not tools.
        None => return None,
    }
    let ident = format_ident!("__mcp_kit_toolset_{}", sig.ident, span = sig.ident.span());
    let method_ident = &sig.ident;
    let this = format_ident!("__mcp_kit_this");
    let params: Vec<&syn::PatType> = sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let names = params.iter().map(|param| &param.pat);
    let docs = method
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"));
    let asyncness = &sig.asyncness;
    let output = &sig.output;
    let call = match asyncness {
        Some(_) => quote!(#this.#method_ident(#(#names),*).await),
        None => quote!(#this.#method_ident(#(#names),*)),
    };
    let this_ty = quote_spanned!(self_ty.span()=> ::mcp_kit::State<#self_ty>);
    let function = quote! {
        #(#docs)*
        #[doc(hidden)]
        #[allow(non_snake_case)]
        #asyncness fn #ident(#this: #this_ty, #(#params),*) #output {
            #call
        }
    };
    match syn::parse2::<Function>(function) {
        Ok(function) => Some(function),
        Err(error) => {
            errors.push(darling::Error::from(error));
            None
        }
    }
}
