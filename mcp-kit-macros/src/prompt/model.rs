//! The typed model of one `#[prompt]` function, checked before anything is emitted.

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::{LitStr, Type};

use crate::access::AccessArgs;
use crate::completions::Completions;
use crate::docs::doc_text;
use crate::function::Function;
use crate::handler::{ParamModel, Parsed, check_signature, output_type, parse_params};

#[derive(Debug, Default, FromMeta)]
pub struct PromptArgs {
    pub name: Option<LitStr>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub complete: Option<Completions>,
    #[darling(flatten)]
    pub access: AccessArgs,
}

pub struct PromptModel {
    pub function: Function,
    pub name: String,
    /// `description = …`, else the doc comment.
    pub description: Option<String>,
    pub args: PromptArgs,
    pub params: Vec<ParamModel>,
    pub output: Type,
}

impl PromptModel {
    /// Parses and validates, collecting every error. On failure, gives back the function with
    /// the `#[arg]` attributes removed, to be emitted unchanged beside the errors.
    pub fn parse(attr: TokenStream, mut function: Function) -> Parsed<Self> {
        let mut errors = darling::Error::accumulator();
        let args = errors
            .handle(
                NestedMeta::parse_meta_list(attr)
                    .map_err(darling::Error::from)
                    .and_then(|metas| PromptArgs::from_list(&metas)),
            )
            .unwrap_or_default();
        check_signature(&function, "prompt", &mut errors);
        args.access.validate(&mut errors);
        args.access.refuse_rate_limits("prompt", &mut errors);
        let params = parse_params(&mut function, "prompt", &mut errors);
        let (name, name_span) = match &args.name {
            Some(lit) => (lit.value(), lit.span()),
            None => (
                function.sig.ident.unraw().to_string(),
                function.sig.ident.span(),
            ),
        };
        if name.is_empty() {
            errors.push(
                darling::Error::custom("a prompt's name cannot be empty").with_span(&name_span),
            );
        }
        if let Some(completions) = &args.complete {
            let arguments: Vec<String> = params.iter().map(|p| p.wire_name.clone()).collect();
            completions.check(&arguments, "an argument of this prompt", &mut errors);
        }
        let output = output_type(&function, "prompt", &mut errors);
        if let Err(error) = errors.finish() {
            return Err(Box::new((function, error)));
        }
        let description = args
            .description
            .clone()
            .or_else(|| doc_text(&function.attrs));
        Ok(Self {
            function,
            name,
            description,
            args,
            params,
            output,
        })
    }
}
