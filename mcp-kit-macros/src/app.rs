//! MCP Apps in the macros: `#[resource("ui://…", app(…))]` makes a resource an app's view,
//! and `#[tool(ui = "ui://…")]` links a tool to one.

use darling::FromMeta;
use darling::util::{Flag, Override};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::LitStr;

use crate::RT;

const SCHEME: &str = "ui://";

/// `app`, or `app(connect_domains = […], permissions(camera), prefers_border = true, …)`.
#[derive(Debug, Default, FromMeta)]
pub struct AppArgs {
    #[darling(default)]
    connect_domains: Vec<LitStr>,
    #[darling(default)]
    resource_domains: Vec<LitStr>,
    #[darling(default)]
    frame_domains: Vec<LitStr>,
    #[darling(default)]
    base_uri_domains: Vec<LitStr>,
    #[darling(default)]
    permissions: Permissions,
    domain: Option<LitStr>,
    prefers_border: Option<bool>,
}

/// The browser features an app may ask for.
#[derive(Debug, Default, FromMeta)]
struct Permissions {
    camera: Flag,
    microphone: Flag,
    geolocation: Flag,
    clipboard_write: Flag,
}

/// Checks that an app's URI is a fixed `ui://` URI.
pub fn check_app_uri(uri: &LitStr, has_variables: bool, errors: &mut darling::error::Accumulator) {
    if !uri.value().starts_with(SCHEME) {
        errors.push(
            darling::Error::custom("an app's URI starts with `ui://`, like `ui://catalogue`")
                .with_span(uri),
        );
    } else if has_variables {
        errors.push(
            darling::Error::custom("an app's URI is fixed: it cannot have template variables")
                .with_span(uri),
        );
    }
}

/// `ui = "ui://…"` on a tool.
pub fn ui_uri(meta: &syn::Meta) -> darling::Result<Option<LitStr>> {
    let uri = LitStr::from_meta(meta)?;
    if uri.value().starts_with(SCHEME) {
        Ok(Some(uri))
    } else {
        Err(
            darling::Error::custom("`ui` names an app resource, whose URI starts with `ui://`")
                .with_span(&uri),
        )
    }
}

/// The `AppDef` of a resource: `None`, or only the settings given over `AppDef::NONE`.
pub fn emit(app: Option<&Override<AppArgs>>) -> TokenStream {
    let Some(app) = app else {
        return quote!(#RT::None);
    };
    let default = AppArgs::default();
    let args = match app {
        Override::Inherit => &default,
        Override::Explicit(args) => args,
    };
    let lists = [
        ("connect_domains", &args.connect_domains),
        ("resource_domains", &args.resource_domains),
        ("frame_domains", &args.frame_domains),
        ("base_uri_domains", &args.base_uri_domains),
    ]
    .into_iter()
    .filter(|(_, origins)| !origins.is_empty())
    .map(|(field, origins)| {
        let field = format_ident!("{field}");
        quote!(#field: &[#(#origins),*],)
    });
    let permissions = &args.permissions;
    let asked: Vec<&str> = [
        ("camera", permissions.camera),
        ("microphone", permissions.microphone),
        ("geolocation", permissions.geolocation),
        ("clipboard_write", permissions.clipboard_write),
    ]
    .into_iter()
    .filter(|(_, flag)| flag.is_present())
    .map(|(name, _)| name)
    .collect();
    let permissions = (!asked.is_empty()).then(|| quote!(permissions: &[#(#asked),*],));
    let domain = args.domain.as_ref().map(|d| quote!(domain: #RT::Some(#d),));
    let border = args
        .prefers_border
        .map(|b| quote!(prefers_border: #RT::Some(#b),));
    quote! {
        #RT::Some(#RT::AppDef { #(#lists)* #permissions #domain #border ..#RT::AppDef::NONE })
    }
}
