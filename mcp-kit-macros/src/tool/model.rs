//! The typed model of one `#[tool]` function, checked before anything is emitted.

use darling::util::Flag;
use darling::{FromAttributes, FromMeta};
use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, LitStr, Pat, ReturnType, Type};

use crate::access::AccessArgs;
use crate::docs::doc_text;

/// The most parameters a tool takes; past this, one `Args<T>` struct reads better.
const MAX_PARAMS: usize = 16;

#[derive(Debug, Default, FromMeta)]
struct ToolArgs {
    name: Option<LitStr>,
    title: Option<String>,
    description: Option<String>,
    annotations: Option<AnnotationArgs>,
    #[darling(flatten)]
    access: AccessArgs,
}

#[derive(Debug, Default, FromMeta)]
pub struct AnnotationArgs {
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

#[derive(Debug, Default, FromAttributes)]
#[darling(attributes(arg))]
struct ArgAttrs {
    description: Option<String>,
    rename: Option<LitStr>,
    default: Flag,
}

pub struct ToolModel {
    pub function: ItemFn,
    pub name: String,
    pub name_span: Span,
    pub title: Option<String>,
    pub description: Option<String>,
    pub annotations: AnnotationArgs,
    pub params: Vec<ParamModel>,
    pub output: Type,
    pub access: AccessArgs,
}

pub struct ParamModel {
    pub ident: syn::Ident,
    pub wire_name: String,
    pub ty: Type,
    pub description: Option<String>,
    pub required: bool,
    /// `#[arg(default)]`: a missing argument takes `Default::default()`.
    pub default: bool,
    /// `Option<Principal>`, filled through a wrapper type: `ty` is the wrapper, and the
    /// function receives its `.0`.
    pub unwrap: bool,
}

impl ToolModel {
    /// Parses and validates, collecting every error. On failure, gives back the function with
    /// the `#[arg]` attributes removed, to be emitted unchanged beside the errors.
    pub fn parse(
        attr: TokenStream,
        mut function: ItemFn,
    ) -> Result<Self, Box<(ItemFn, darling::Error)>> {
        let mut errors = darling::Error::accumulator();
        let args = darling::ast::NestedMeta::parse_meta_list(attr)
            .map_err(darling::Error::from)
            .and_then(|metas| ToolArgs::from_list(&metas));
        let args = errors.handle(args).unwrap_or_default();

        check_signature(&function, &mut errors);
        args.access.validate(&mut errors);
        let params = parse_params(&mut function, &mut errors);

        let (name, name_span) = match &args.name {
            Some(lit) => (lit.value(), lit.span()),
            // `unraw`: `fn r#loop` is the tool `loop`.
            None => (
                function.sig.ident.unraw().to_string(),
                function.sig.ident.span(),
            ),
        };
        if !is_valid_name(&name) {
            errors.push(
                darling::Error::custom(format!(
                    "invalid tool name `{name}`: use 1 to 128 characters of A-Z a-z 0-9 _ - ."
                ))
                .with_span(&name_span),
            );
        }

        let output = match &function.sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => {
                if let Type::ImplTrait(_) = **ty {
                    errors.push(
                        darling::Error::custom("a tool cannot return `impl Trait`; name the type")
                            .with_span(ty),
                    );
                }
                (**ty).clone()
            }
        };

        if let Err(error) = errors.finish() {
            return Err(Box::new((function, error)));
        }
        let description = args.description.or_else(|| doc_text(&function.attrs));
        Ok(Self {
            name,
            name_span,
            title: args.title,
            description,
            annotations: args.annotations.unwrap_or_default(),
            access: args.access,
            params,
            output,
            function,
        })
    }

    pub fn is_async(&self) -> bool {
        self.function.sig.asyncness.is_some()
    }
}

fn check_signature(function: &ItemFn, errors: &mut darling::error::Accumulator) {
    let sig = &function.sig;
    // Point at the first parameter (or `where`): a span is one token, and `<` says little.
    let generic = match (sig.generics.params.first(), &sig.generics.where_clause) {
        (Some(param), _) => Some(param.span()),
        (None, Some(clause)) => Some(clause.where_token.span),
        (None, None) => None,
    };
    if let Some(generic) = generic {
        errors.push(
            darling::Error::custom(
                "a tool cannot be generic: its schema must be known at compile time",
            )
            .with_span(&generic),
        );
    }
    let mut refuse = |spanned: &dyn ToTokensSpan, message: &str| {
        errors.push(darling::Error::custom(message).with_span(&spanned.span_of()));
    };
    if let syn::Safety::Unsafe(unsafety) = &sig.safety {
        refuse(unsafety, "a tool cannot be an `unsafe fn`");
    }
    if let Some(constness) = &sig.constness {
        refuse(constness, "a tool cannot be a `const fn`");
    }
    if let Some(abi) = &sig.abi {
        refuse(abi, "a tool cannot have an `extern` ABI");
    }
    if let Some(variadic) = &sig.variadic {
        refuse(variadic, "a tool cannot be variadic");
    }
    if sig.inputs.len() > MAX_PARAMS {
        refuse(
            &sig.inputs,
            "a tool takes at most 16 parameters; gather them in one `Args<T>` struct",
        );
    }
}

fn parse_params(
    function: &mut ItemFn,
    errors: &mut darling::error::Accumulator,
) -> Vec<ParamModel> {
    let mut params: Vec<ParamModel> = Vec::new();
    for input in &mut function.sig.inputs {
        let typed = match input {
            FnArg::Receiver(receiver) => {
                errors.push(
                    darling::Error::custom(
                        "a tool cannot take `self`; make it a free function, and share data through `State<T>`",
                    )
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
                    darling::Error::custom(
                        "a tool parameter must be a plain name, like `count: u32`",
                    )
                    .with_span(&other.span()),
                );
                continue;
            }
        };
        if let Type::ImplTrait(_) = &*typed.ty {
            errors.push(
                darling::Error::custom(
                    "a tool parameter cannot be `impl Trait`; name a concrete type",
                )
                .with_span(&typed.ty.span()),
            );
            continue;
        }
        // A borrowed argument cannot be deserialized from an owned JSON value; said here,
        // rather than as rustc's "implementation of `Deserialize` is not general enough".
        if let Type::Reference(reference) = &*typed.ty {
            errors.push(
                darling::Error::custom(
                    "a tool parameter cannot be a reference; take an owned type, like `String` for `&str`",
                )
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
        let default = attrs.default.is_present();
        // A blanket impl makes every `Option<T: Deserialize>` an argument, so the optional
        // caller goes through a type of its own.
        let unwrap = is_optional_principal(&typed.ty);
        let ty: Type = if unwrap {
            let span = typed.ty.span();
            syn::parse_quote_spanned!(span=> ::mcp_kit::__private::MaybePrincipal)
        } else {
            (*typed.ty).clone()
        };
        let required = !default && !is_option(&typed.ty);
        params.push(ParamModel {
            ident,
            wire_name,
            ty,
            description: attrs.description,
            required,
            default,
            unwrap,
        });
    }
    params
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

fn is_valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
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
