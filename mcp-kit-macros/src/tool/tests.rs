//! Snapshots of what `#[tool]` expands to, pretty-printed. Review with `cargo insta review`,
//! or regenerate with `INSTA_UPDATE=always cargo test -p mcp-kit-macros` and read the diff.

use proc_macro2::TokenStream;
use quote::quote;

fn expand(attr: TokenStream, item: TokenStream) -> String {
    crate::expansions::pretty(super::expand(attr, item))
}

#[test]
fn async_with_docs_annotations_and_arg_description() {
    insta::assert_snapshot!(expand(
        quote!(annotations(read_only, idempotent)),
        quote! {
            /// Add two integers.
            async fn add(#[arg(description = "First term")] a: i64, b: i64) -> i64 {
                a + b
            }
        },
    ));
}

#[test]
fn sync() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            fn reverse(text: String) -> String {
                text.chars().rev().collect()
            }
        },
    ));
}

#[test]
fn injected_and_optional_params() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            async fn lookup(
                context: Context,
                key: String,
                db: State<Db>,
                #[arg(rename = "max")] limit: Option<u32>,
            ) -> Result<String, ToolError> {
                todo!()
            }
        },
    ));
}

#[test]
fn args_struct() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            async fn search(args: Args<Search>) -> Json<Hits> {
                todo!()
            }
        },
    ));
}

#[test]
fn renamed_with_title_and_description() {
    insta::assert_snapshot!(expand(
        quote!(
            name = "files.read-v2",
            title = "Read a file",
            description = "Reads a file."
        ),
        quote! {
            /// Ignored: `description` wins.
            fn read_file() {}
        },
    ));
}

#[test]
fn invalid_keeps_the_function() {
    insta::assert_snapshot!(expand(
        quote!(name = "has space"),
        quote! {
            fn spaced(#[arg(description = "removed")] a: i64) {}
        },
    ));
}

#[test]
fn access_rules() {
    insta::assert_snapshot!(expand(
        quote!(
            permission = IsAuthenticated & HasScope("notes:write"),
            rate_limit(calls = 5, per = 60),
            enabled = notes_enabled
        ),
        quote! {
            async fn write_note(caller: Option<Principal>, text: String) -> String {
                text
            }
        },
    ));
}

#[test]
fn app_view_and_visibility() {
    insta::assert_snapshot!(expand(
        quote!(ui = "ui://catalogue", visibility = "app"),
        quote! {
            fn next_page() -> &'static str { "" }
        },
    ));
}
