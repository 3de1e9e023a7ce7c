//! `complete(argument = path::to::function, …)`: completion functions for prompt arguments
//! and resource template variables.

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Meta, Path};

use crate::RT;

/// The pairs, in the order written.
#[derive(Debug, Default)]
pub struct Completions(pub Vec<(Ident, Path)>);

impl FromMeta for Completions {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        let mut pairs = Vec::new();
        for item in items {
            let pair = match item {
                NestedMeta::Meta(Meta::NameValue(pair)) => {
                    match (&pair.path.get_ident(), &pair.value) {
                        (Some(name), Expr::Path(function)) => {
                            Some(((*name).clone(), function.path.clone()))
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            match pair {
                Some(pair) => pairs.push(pair),
                None => errors.push(
                    darling::Error::custom("expected `argument = path::to::function`")
                        .with_span(item),
                ),
            }
        }
        errors.finish_with(Self(pairs))
    }
}

impl Completions {
    /// Errors for names that are not among `known` (the arguments or variables).
    pub fn check(&self, known: &[String], what: &str, errors: &mut darling::error::Accumulator) {
        for (name, _) in &self.0 {
            if !known.iter().any(|k| name == k) {
                errors.push(
                    darling::Error::custom(format!(
                        "`{name}` is not {what}; completions go to one of: {}",
                        known.join(", ")
                    ))
                    .with_span(name),
                );
            }
        }
    }

    /// The `completions` field: `&[]` when there are none.
    pub fn emit_field(completions: Option<&Self>) -> TokenStream {
        completions.map_or_else(|| quote!(&[]), Self::emit)
    }

    /// A `&'static [(&str, CompleteFn)]` expression, one small function per pair.
    fn emit(&self) -> TokenStream {
        let functions = self.0.iter().enumerate().map(|(i, (_, path))| {
            let ident = format_ident!("complete{i}");
            quote_spanned! {path.span()=>
                fn #ident(
                    value: #RT::String,
                ) -> #RT::BoxFuture<'static, #RT::Vec<#RT::String>> {
                    #RT::boxed_completion(#path(value))
                }
            }
        });
        let entries = self.0.iter().enumerate().map(|(i, (name, _))| {
            let ident = format_ident!("complete{i}");
            let name = name.to_string();
            quote!((#name, #ident))
        });
        quote! {{
            #(#functions)*
            const COMPLETIONS: &[(&str, #RT::CompleteFn)] = &[#(#entries),*];
            COMPLETIONS
        }}
    }
}
