//! The typed model of one `openapi_tools!` call: the document's file, read and translated,
//! and the options forwarded to the runtime.

use std::path::PathBuf;

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use syn::{Lit, LitStr};

#[derive(Debug, Default, FromMeta)]
pub struct Options {
    pub prefix: Option<LitStr>,
    #[darling(default, with = http_url)]
    pub base_url: Option<LitStr>,
    #[darling(default)]
    pub include_tags: Vec<LitStr>,
    #[darling(default)]
    pub exclude_tags: Vec<LitStr>,
    #[darling(default)]
    pub include_paths: Vec<LitStr>,
    #[darling(default)]
    pub exclude_paths: Vec<LitStr>,
    #[darling(default)]
    pub include_operations: Vec<LitStr>,
    #[darling(default)]
    pub exclude_operations: Vec<LitStr>,
}

pub struct Document {
    /// The path as written, for messages.
    pub path: LitStr,
    /// Where the file was found, for `include_str!`.
    pub file: PathBuf,
    pub options: Options,
}

impl Document {
    /// Parses the call, reads the file and translates it as the runtime will, collecting every
    /// error.
    pub fn parse(input: TokenStream) -> Result<Self, darling::Error> {
        let mut errors = darling::Error::accumulator();
        let metas = errors
            .handle(NestedMeta::parse_meta_list(input).map_err(darling::Error::from))
            .unwrap_or_default();
        let (path, rest) = match metas.split_first() {
            Some((NestedMeta::Lit(Lit::Str(path)), rest)) => (Some(path.clone()), rest),
            _ => {
                errors.push(darling::Error::custom(
                    "`openapi_tools!` needs the document's path first, like `openapi_tools!(\"openapi.json\", prefix = \"pets\")`",
                ));
                (None, &metas[..])
            }
        };
        let options = errors.handle(Options::from_list(rest));
        // Without its options the document is only read: the operations they choose are unknown.
        let file = path
            .as_ref()
            .and_then(|path| errors.handle(check(path, options.as_ref())));
        errors.finish()?;
        Ok(Self {
            path: path.expect("a missing path is reported above"),
            file: file.expect("an unreadable document is reported above"),
            options: options.expect("bad options are reported above"),
        })
    }
}

fn http_url(meta: &syn::Meta) -> darling::Result<Option<LitStr>> {
    let url = LitStr::from_meta(meta)?;
    let text = url.value();
    if text.starts_with("http://") || text.starts_with("https://") {
        Ok(Some(url))
    } else {
        Err(darling::Error::custom(format!("`{text}` is not an http or https URL")).with_span(&url))
    }
}

/// Reads and translates the document at `path`; gives where it was found.
fn check(path: &LitStr, options: Option<&Options>) -> Result<PathBuf, darling::Error> {
    let file = locate(&path.value());
    let at_path = |message: String| darling::Error::custom(message).with_span(path);
    let text = std::fs::read_to_string(&file).map_err(|e| {
        at_path(format!(
            "cannot read `{}` ({}): {e}",
            path.value(),
            file.display()
        ))
    })?;
    let document = mcp_kit_openapi::Document::parse(&text)
        .map_err(|e| at_path(e.in_source(&path.value()).to_string()))?;
    let Some(options) = options else {
        return Ok(file);
    };
    let values = |list: &[LitStr]| list.iter().map(LitStr::value).collect();
    let select = mcp_kit_openapi::Select {
        include_tags: values(&options.include_tags),
        exclude_tags: values(&options.exclude_tags),
        include_paths: values(&options.include_paths),
        exclude_paths: values(&options.exclude_paths),
        include_operations: values(&options.include_operations),
        exclude_operations: values(&options.exclude_operations),
    };
    let prefix = options.prefix.as_ref().map(LitStr::value);
    mcp_kit_openapi::translate(&document, prefix.as_deref(), &select)
        .map_err(|e| at_path(e.in_source(&path.value()).to_string()))?;
    Ok(file)
}

/// `path` relative to the file that holds the call, as `include_str!` reads it; the crate's
/// directory when the compiler does not say which file that is.
fn locate(path: &str) -> PathBuf {
    let path = PathBuf::from(path);
    if path.is_absolute() {
        return path;
    }
    let base = proc_macro::Span::call_site()
        .local_file()
        .and_then(|file| file.parent().map(PathBuf::from))
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from))
        .unwrap_or_default();
    let file = base.join(path);
    std::fs::canonicalize(&file).unwrap_or(file)
}
