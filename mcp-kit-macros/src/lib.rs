//! Procedural macros for [mcp-kit](https://docs.rs/mcp-kit). Use them through `mcp_kit`.

mod access;
mod app;
mod completions;
mod docs;
mod function;
mod handler;
mod model_toolset;
mod name_rule;
#[cfg(feature = "openapi")]
mod openapi;
mod prompt;
mod registered;
mod resource;
mod tool;
mod toolset;

#[cfg(test)]
mod expansions;

/// `::mcp_kit::__private`, the one path generated code reaches the runtime by: `#RT::ToolDef`.
struct Runtime;

impl quote::ToTokens for Runtime {
    fn to_tokens(&self, tokens: &mut proc_macro2::TokenStream) {
        tokens.extend(quote::quote!(::mcp_kit::__private));
    }
}

const RT: Runtime = Runtime;

use proc_macro::TokenStream;

/// Turns a function into an MCP tool, found at link time by the server.
///
/// ```text
/// /// Add two integers.
/// #[tool(name = "add", annotations(read_only, idempotent))]
/// async fn add(#[arg(description = "first term")] a: i64, b: i64) -> i64 { a + b }
/// ```
///
/// Keys: `name` (default: the function's name), `title`, `description` (default: the doc
/// comment), `annotations(read_only, destructive, idempotent, open_world)`. A parameter may
/// carry `#[arg(description = "…", rename = "…", default, header = "…")]` (`default`: a
/// missing argument takes `Default::default()`; `header`: the client mirrors the argument
/// into an `Mcp-Param-…` header, SEP-2243).
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand(attr.into(), item.into()).into()
}

/// Turns a function into an MCP resource or resource template, found at link time.
///
/// ```text
/// /// A note's text.
/// #[resource("notes://{id}", mime = "text/markdown", complete(id = note_ids))]
/// async fn note(id: u64, db: State<Db>) -> Result<String, ToolError> { … }
/// ```
///
/// The URI comes first: fixed, or an RFC 6570 template whose `{name}` (one path segment) and
/// `{+name}` (the rest) variables bind to the parameters of the same name, parsed from text
/// into the parameter's type. Keys: `name` (default: the function's name), `title`,
/// `description` (default: the doc comment), `mime`, `complete(variable = function)`, and the
/// access keys `permission`, `permissions(…)`, `enabled`.
#[proc_macro_attribute]
pub fn resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    resource::expand(attr.into(), item.into()).into()
}

/// Turns a function into an MCP prompt, found at link time.
///
/// ```text
/// /// Review a piece of code.
/// #[prompt(complete(language = languages))]
/// fn code_review(#[arg(description = "the code")] code: String, language: Option<String>) -> String { … }
/// ```
///
/// Parameters are the prompt's arguments (an `Option` is optional); `Context`, `State<T>` and
/// `Principal` are supplied by the runtime. Keys: `name`, `title`, `description` (default: the
/// doc comment), `complete(argument = function)`, and the access keys `permission`,
/// `permissions(…)`, `enabled`.
#[proc_macro_attribute]
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    prompt::expand(attr.into(), item.into()).into()
}

/// Turns the public `&self` methods of an `impl` block into tools named `{prefix}_{method}`,
/// called on the value given to `Server::builder().state(…)`.
///
/// ```text
/// #[toolset(prefix = "notes", permission = IsAuthenticated)]
/// impl NotesService {
///     /// Every note.
///     #[tool(annotations(read_only))]
///     pub async fn list(&self) -> Json<Vec<Note>> { … }
///
///     /// Deletes a note.
///     #[tool(permission = HasScope("notes:admin"), annotations(destructive))]
///     pub async fn delete(&self, id: u64) -> Result<(), ToolError> { … }
/// }
/// ```
///
/// Keys: `prefix` (required), and the `#[tool]` keys every method inherits: `annotations`,
/// `permission`, `permissions(…)`, `rate_limit(…)`, `no_rate_limit`, `enabled`. A method's own
/// `#[tool(…)]` adds to them or replaces them; its doc comment is its description. Methods
/// that are not `pub`, and associated functions without `self`, are left alone.
#[proc_macro_attribute]
pub fn toolset(attr: TokenStream, item: TokenStream) -> TokenStream {
    toolset::expand(attr.into(), item.into()).into()
}

/// Publishes a table as tools: `{prefix}_list` and `{prefix}_retrieve`, and the write tools
/// `actions(…)` names, over the `mcp_kit::model::Database` in the server's state.
///
/// ```text
/// /// A book in the catalogue.
/// #[derive(ModelToolset)]
/// #[toolset(table = "books", prefix = "books", filter(author_id, year), order(year, title),
///           search(title), actions(list, retrieve, create), as_resource)]
/// struct Book { id: i64, title: String, author_id: i64, year: i32 }
/// ```
///
/// Keys: `table` (required), `prefix` (default: the table), `pk` (default `id`),
/// `actions(list, retrieve, create, update, partial_update, destroy)` (default: list and
/// retrieve), `fields(…)` (exposed; default all), `read_only_fields(…)`, `filter(…)` (exact,
/// and `__gte`/`__lte` for numbers), `order(…)`, `search(…)`, `page_size` (default 50),
/// `max_page_size`, `as_resource` (`{prefix}://{pk}`), `scope = path` (a
/// `fn(Option<&Principal>) -> Scope` narrowing every query), `write_permissions(…)`, and the
/// access keys of `#[tool]`. A field may carry `#[toolset(skip)]` (not a column),
/// `#[toolset(read_only)]`, `#[toolset(default)]` (`create` may leave it out: the database
/// has a default) and `#[toolset(description = "…")]` (default: its doc comment).
#[proc_macro_derive(ModelToolset, attributes(toolset))]
pub fn model_toolset(input: TokenStream) -> TokenStream {
    model_toolset::expand(input.into()).into()
}

/// An OpenAPI document's operations as tools, the document read and checked at compile time
/// (feature `openapi`): a bad document or two operations with one tool name is a compile error
/// at the path. Gives a `mcp_kit::openapi::OpenApi`, to which a credential is added before
/// its `tools()` are registered.
///
/// ```text
/// let pets = openapi_tools!("openapi.json", prefix = "pets", base_url = "https://pets.example.com",
///                           exclude_tags = ["admin"]);
/// Server::builder().tools(pets.bearer_from_env("PETS_TOKEN").tools()?)
/// ```
///
/// The path is relative to the file holding the call, as with `include_str!`. Keys: `prefix`,
/// `base_url`, and the lists `include_tags`, `exclude_tags`, `include_paths`, `exclude_paths`,
/// `include_operations`, `exclude_operations`.
#[cfg(feature = "openapi")]
#[proc_macro]
pub fn openapi_tools(input: TokenStream) -> TokenStream {
    openapi::expand(input.into()).into()
}

/// The source of the tool-name rule, `is_valid_name`, for mcp-kit to compile: one rule for
/// the names checked here and those checked at run time.
#[doc(hidden)]
#[proc_macro]
pub fn __name_rule(_: TokenStream) -> TokenStream {
    include_str!("name_rule.rs")
        .parse()
        .expect("name_rule.rs is Rust")
}
