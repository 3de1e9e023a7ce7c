//! Access keys shared by item macros: `permission = …`, `permissions(…)`,
//! `rate_limit(calls = …, per = …)`, `no_rate_limit`, `enabled = path`,
//! `cache(ttl = …, scope = "…")`.

use darling::FromMeta;
use darling::ast::NestedMeta;
use darling::util::Flag;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Path};

use crate::RT;

#[derive(Debug, Default, FromMeta)]
pub struct AccessArgs {
    /// One permission expression, e.g. `IsAuthenticated & HasScope("a")`.
    permission: Option<PermissionExpr>,
    /// Permissions that must all allow.
    permissions: Option<ExprList>,
    rate_limit: Option<RateLimitArgs>,
    no_rate_limit: Flag,
    /// `fn() -> bool` or `fn(&T) -> bool` (state `T`): the item exists only while it returns
    /// true.
    enabled: Option<Path>,
    /// How long clients may keep the item's lists and contents.
    cache: Option<CacheArgs>,
}

#[derive(Debug, FromMeta)]
struct CacheArgs {
    /// Seconds; any literal, so a wrong one is reported with the other mistakes.
    ttl: syn::Lit,
    /// `"public"` or `"private"` (the default).
    scope: Option<syn::LitStr>,
}

#[derive(Debug)]
struct RateLimitArgs {
    calls: syn::LitInt,
    per: syn::LitInt,
    /// The `rate_limit` key, where a misplaced limit is reported.
    key: proc_macro2::Span,
}

impl FromMeta for RateLimitArgs {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        #[derive(FromMeta)]
        struct Fields {
            calls: syn::LitInt,
            per: syn::LitInt,
        }
        let Fields { calls, per } = Fields::from_meta(item)?;
        Ok(Self {
            calls,
            per,
            key: item.path().span(),
        })
    }
}

/// A permission expression: anything but a literal, which would only be a quoted mistake.
#[derive(Debug)]
struct PermissionExpr(Expr);

impl FromMeta for PermissionExpr {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Lit(literal) => Err(darling::Error::custom(
                "expected a permission, like `IsAuthenticated`, not a literal",
            )
            .with_span(literal)),
            expr => Ok(Self(expr.clone())),
        }
    }
}

/// A list of expressions, each written like a call or a path: `permissions(A, B("x"))`.
#[derive(Debug, Default)]
pub struct ExprList(pub Vec<Expr>);

impl FromMeta for ExprList {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        let exprs = items
            .iter()
            .filter_map(|item| {
                let parsed = match item {
                    NestedMeta::Meta(meta) => {
                        syn::parse2::<Expr>(meta.to_token_stream()).map_err(darling::Error::from)
                    }
                    NestedMeta::Lit(lit) => Err(darling::Error::custom(
                        "expected a permission, like `IsAuthenticated`",
                    )
                    .with_span(lit)),
                    NestedMeta::NameValueInvalidExpr(invalid) => Err(darling::Error::custom(
                        "expected a permission, like `IsAuthenticated`",
                    )
                    .with_span(&invalid.path)),
                };
                errors.handle(parsed)
            })
            .collect();
        errors.finish_with(Self(exprs))
    }
}

impl AccessArgs {
    /// Checks what darling cannot: keys that exclude each other, and positive rates.
    pub fn validate(&self, errors: &mut darling::error::Accumulator) {
        self.validate_cache(errors);
        if let (Some(_), Some(list)) = (&self.permission, &self.permissions) {
            let span = list
                .0
                .first()
                .map_or_else(proc_macro2::Span::call_site, Spanned::span);
            errors.push(
                darling::Error::custom("use `permission = …` or `permissions(…)`, not both")
                    .with_span(&span),
            );
        }
        if let Some(rate) = &self.rate_limit {
            if self.no_rate_limit.is_present() {
                errors.push(
                    darling::Error::custom("use `rate_limit(…)` or `no_rate_limit`, not both")
                        .with_span(&self.no_rate_limit.span()),
                );
            }
            for (lit, what) in [(&rate.calls, "calls"), (&rate.per, "per")] {
                match lit.base10_parse::<u64>() {
                    Ok(0) | Err(_) => errors.push(
                        darling::Error::custom(format!(
                            "`{what}` must be a whole number above zero"
                        ))
                        .with_span(lit),
                    ),
                    Ok(_) => {}
                }
            }
        }
    }

    /// The `scope = "public"` of `cache(…)`, when it says so.
    pub fn public_cache(&self) -> Option<&syn::LitStr> {
        let scope = self.cache.as_ref()?.scope.as_ref()?;
        (scope.value() == "public").then_some(scope)
    }

    fn validate_cache(&self, errors: &mut darling::error::Accumulator) {
        let Some(cache) = &self.cache else { return };
        if !matches!(&cache.ttl, syn::Lit::Int(ttl) if ttl.base10_parse::<u64>().is_ok()) {
            errors.push(
                darling::Error::custom("`ttl` must be a whole number of seconds")
                    .with_span(&cache.ttl),
            );
        }
        if let Some(scope) = &cache.scope
            && !matches!(scope.value().as_str(), "public" | "private")
        {
            errors.push(
                darling::Error::custom(format!(
                    "unknown cache scope `{}`: use \"public\" or \"private\"",
                    scope.value()
                ))
                .with_span(scope),
            );
        }
    }

    /// Refuses the rate-limit keys on items whose use is not counted (resources, prompts).
    pub fn refuse_rate_limits(&self, noun: &str, errors: &mut darling::error::Accumulator) {
        let span = match (&self.rate_limit, self.no_rate_limit.is_present()) {
            (Some(rate), _) => rate.key,
            (None, true) => self.no_rate_limit.span(),
            (None, false) => return,
        };
        errors.push(
            darling::Error::custom(format!(
                "a {noun} has no rate limit; rate limits count tool calls"
            ))
            .with_span(&span),
        );
    }

    /// The `AccessDef` expression.
    pub fn emit(&self) -> TokenStream {
        self.emit_with(&[])
    }

    /// The `AccessDef` expression, with `more` permissions that must also allow.
    pub fn emit_with(&self, more: &[Expr]) -> TokenStream {
        let own = match (&self.permission, &self.permissions) {
            (Some(PermissionExpr(expr)), _) => std::slice::from_ref(expr),
            (None, Some(ExprList(list))) => list.as_slice(),
            (None, None) => &[],
        };
        let all: Vec<&Expr> = own.iter().chain(more).collect();
        // Only what differs from the defaults is written out, so expansions stay short.
        let mut fields = Vec::new();
        match all.as_slice() {
            [] => {}
            [expr] => fields
                .push(quote_spanned!(expr.span()=> permission: #RT::Some(|| #RT::Box::new(#expr)))),
            list => {
                let boxed = list.iter().map(|expr| {
                    quote_spanned!(expr.span()=> #RT::Box::new(#expr) as #RT::Box<dyn #RT::Permission>)
                });
                fields.push(quote! {
                    permission: #RT::Some(|| #RT::Box::new(
                        #RT::All(#RT::Vec::from([#(#boxed),*]))
                    ))
                });
            }
        }
        match (&self.rate_limit, self.no_rate_limit.is_present()) {
            (Some(rate), _) => fields.push({
                let RateLimitArgs { calls, per, .. } = rate;
                quote! {
                    rate_limit: #RT::RateLimitSpec::Rate(#RT::Rate::per_seconds(#calls, #per))
                }
            }),
            (None, true) => fields.push(quote!(rate_limit: #RT::RateLimitSpec::Off)),
            (None, false) => {}
        }
        if let Some(path) = &self.enabled {
            fields.push(quote_spanned!(path.span()=> enabled: #RT::Some(|state| #RT::is_enabled(state, #path))));
        }
        if let Some(CacheArgs { ttl, scope }) = &self.cache {
            let scope = match scope.as_ref().map(syn::LitStr::value).as_deref() {
                Some("public") => quote!(#RT::CacheScope::Public),
                _ => quote!(#RT::CacheScope::Private),
            };
            fields.push(quote! {
                cache: #RT::Some(#RT::CacheHint::new(#ttl, #scope))
            });
        }
        if fields.is_empty() {
            return quote!(#RT::AccessDef::DEFAULT);
        }
        quote! {
            #RT::AccessDef {
                #(#fields,)*
                ..#RT::AccessDef::DEFAULT
            }
        }
    }
}
