//! The typed model of one `#[tool]` function, checked before anything is emitted.

use darling::FromMeta;
use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::{LitStr, Type};

use crate::access::AccessArgs;
use crate::docs::doc_text;
use crate::function::Function;
use crate::handler::{ParamModel, Parsed, check_signature, output_type, parse_params};
use crate::name_rule::is_valid_name;

#[derive(Debug, Default, FromMeta)]
struct ToolArgs {
    name: Option<LitStr>,
    title: Option<String>,
    description: Option<String>,
    annotations: Option<AnnotationArgs>,
    task: Option<TaskArg>,
    #[darling(default, with = crate::app::ui_uri)]
    ui: Option<LitStr>,
    visibility: Option<VisibilityArg>,
    #[darling(flatten)]
    access: AccessArgs,
}

/// `task = "optional"` or `task = "required"`.
#[derive(Debug, Clone, Copy, FromMeta)]
#[darling(rename_all = "snake_case")]
pub enum TaskArg {
    Optional,
    Required,
}

/// `visibility = "model"` or `visibility = "app"` (MCP Apps); both when left out.
#[derive(Debug, Clone, Copy, FromMeta)]
#[darling(rename_all = "snake_case")]
pub enum VisibilityArg {
    Model,
    App,
}

#[derive(Debug, Default, FromMeta)]
pub struct AnnotationArgs {
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

pub struct ToolModel {
    pub function: Function,
    pub name: String,
    pub name_span: Span,
    /// The name breaks the protocol's rule.
    pub name_error: Option<darling::Error>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub annotations: AnnotationArgs,
    pub task: Option<TaskArg>,
    /// The app resource that renders its results.
    pub ui: Option<String>,
    pub visibility: Option<VisibilityArg>,
    pub params: Vec<ParamModel>,
    pub output: Type,
    pub access: AccessArgs,
}

impl ToolModel {
    /// Parses and validates, collecting every error. On failure, gives back the function with
    /// the `#[arg]` attributes removed, to be emitted unchanged beside the errors.
    pub fn parse(attr: TokenStream, mut function: Function) -> Parsed<Self> {
        let mut errors = darling::Error::accumulator();
        let args = darling::ast::NestedMeta::parse_meta_list(attr)
            .map_err(darling::Error::from)
            .and_then(|metas| ToolArgs::from_list(&metas));
        let args = errors.handle(args).unwrap_or_default();

        check_signature(&function, "tool", &mut errors);
        args.access.validate(&mut errors);
        let params = parse_params(&mut function, "tool", &mut errors);

        let (name, name_span) = match &args.name {
            Some(lit) => (lit.value(), lit.span()),
            // `unraw`: `fn r#loop` is the tool `loop`.
            None => (
                function.sig.ident.unraw().to_string(),
                function.sig.ident.span(),
            ),
        };
        // Not fatal: the expansion is still emitted beside it, so rustc reports the
        // tool's other mistakes (a parameter type it cannot take) at the same time.
        let name_error = (!is_valid_name(&name)).then(|| {
            darling::Error::custom(format!(
                "invalid tool name `{name}`: use 1 to 128 characters of A-Z a-z 0-9 _ - ."
            ))
            .with_span(&name_span)
        });
        let output = output_type(&function, "tool", &mut errors);

        if let Err(error) = errors.finish() {
            let error = darling::Error::multiple(name_error.into_iter().chain([error]).collect());
            return Err(Box::new((function, error)));
        }
        let description = args.description.or_else(|| doc_text(&function.attrs));
        Ok(Self {
            name,
            name_span,
            name_error,
            title: args.title,
            description,
            annotations: args.annotations.unwrap_or_default(),
            task: args.task,
            ui: args.ui.as_ref().map(LitStr::value),
            visibility: args.visibility,
            access: args.access,
            params,
            output,
            function,
        })
    }
}
