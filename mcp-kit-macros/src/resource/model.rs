//! The typed model of one `#[resource]` function, checked before anything is emitted.

use darling::FromMeta;
use darling::ast::NestedMeta;
use darling::util::{Override, SpannedValue};
use proc_macro2::TokenStream;
use syn::{Lit, LitStr, Type};

use crate::access::AccessArgs;
use crate::app::{AppArgs, check_app_uri};
use crate::completions::Completions;
use crate::docs::doc_text;
use crate::function::Function;
use crate::handler::{ParamModel, Parsed, check_signature, output_type, parse_params};

#[derive(Debug, Default, FromMeta)]
pub struct ResourceArgs {
    pub name: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub mime: Option<SpannedValue<String>>,
    pub complete: Option<Completions>,
    pub app: Option<Override<AppArgs>>,
    #[darling(flatten)]
    pub access: AccessArgs,
}

pub struct ResourceModel {
    pub function: Function,
    pub uri: LitStr,
    /// `description = …`, else the doc comment.
    pub description: Option<String>,
    pub args: ResourceArgs,
    pub params: Vec<ParamModel>,
    /// The URI template's variables, in order.
    pub variables: Vec<String>,
    pub output: Type,
}

impl ResourceModel {
    /// Parses and validates, collecting every error. On failure, gives back the function with
    /// the `#[arg]` attributes removed, to be emitted unchanged beside the errors.
    pub fn parse(attr: TokenStream, mut function: Function) -> Parsed<Self> {
        let mut errors = darling::Error::accumulator();
        let metas = errors
            .handle(NestedMeta::parse_meta_list(attr).map_err(darling::Error::from))
            .unwrap_or_default();
        let (uri, rest) = match metas.split_first() {
            Some((NestedMeta::Lit(Lit::Str(uri)), rest)) => (Some(uri.clone()), rest),
            _ => {
                errors.push(darling::Error::custom(
                    "`#[resource]` needs its URI first, like `#[resource(\"notes://{id}\")]`",
                ));
                (None, &metas[..])
            }
        };
        let args = errors
            .handle(ResourceArgs::from_list(rest))
            .unwrap_or_default();
        check_signature(&function, "resource", &mut errors);
        args.access.validate(&mut errors);
        args.access.refuse_rate_limits("resource", &mut errors);
        let params = parse_params(&mut function, "resource", &mut errors);
        let variables = uri
            .as_ref()
            .map(|uri| template_variables(uri, &mut errors))
            .unwrap_or_default();
        if let Some(uri) = &uri {
            for variable in &variables {
                if !params.iter().any(|p| &p.wire_name == variable) {
                    errors.push(
                        darling::Error::custom(format!(
                            "`{{{variable}}}` has no parameter: add `{variable}: String` (or another type that parses from text) to the function"
                        ))
                        .with_span(uri),
                    );
                }
            }
        }
        if let (Some(uri), Some(_)) = (&uri, &args.app) {
            check_app_uri(uri, !variables.is_empty(), &mut errors);
            if let Some(mime) = &args.mime {
                errors.push(
                    darling::Error::custom(
                        "an app's media type is `text/html;profile=mcp-app`: remove `mime`",
                    )
                    .with_span(&mime.span()),
                );
            }
        }
        if let Some(completions) = &args.complete {
            completions.check(&variables, "a variable of the URI template", &mut errors);
        }
        let output = output_type(&function, "resource", &mut errors);
        if let Err(error) = errors.finish() {
            return Err(Box::new((function, error)));
        }
        let description = args
            .description
            .clone()
            .or_else(|| doc_text(&function.attrs));
        Ok(Self {
            function,
            uri: uri.expect("a missing URI is reported above"),
            description,
            args,
            params,
            variables,
            output,
        })
    }
}

/// The variables of `uri` (`{id}`, `{+path}`), with errors for what a server cannot match.
fn template_variables(uri: &LitStr, errors: &mut darling::error::Accumulator) -> Vec<String> {
    let text = uri.value();
    let mut variables = Vec::new();
    let mut rest = text.as_str();
    let mut last_was_variable = false;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|i| i + open) else {
            errors.push(darling::Error::custom("a `{` in the URI is never closed").with_span(uri));
            return variables;
        };
        let expression = &rest[open + 1..close];
        let name = expression.strip_prefix('+').unwrap_or(expression);
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            errors.push(
                darling::Error::custom(format!(
                    "`{{{expression}}}` is not a variable this server can match: use `{{name}}` for one path segment or `{{+name}}` for the rest"
                ))
                .with_span(uri),
            );
        } else if last_was_variable && open == 0 {
            errors.push(
                darling::Error::custom(
                    "two variables in a row cannot be told apart; put a literal between them",
                )
                .with_span(uri),
            );
        } else {
            variables.push(name.to_owned());
        }
        last_was_variable = true;
        rest = &rest[close + 1..];
        if !rest.starts_with('{') {
            last_was_variable = false;
        }
    }
    variables
}
