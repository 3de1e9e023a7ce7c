//! Procedural macros for [mcp-kit](https://docs.rs/mcp-kit). Use them through `mcp_kit`.

mod access;
mod docs;
mod tool;

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
/// carry `#[arg(description = "…", rename = "…", default)]` (`default`: a missing argument takes
/// `Default::default()`).
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand(attr.into(), item.into()).into()
}
