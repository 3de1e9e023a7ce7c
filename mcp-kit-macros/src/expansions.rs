//! Snapshots of what `#[resource]`, `#[prompt]`, `#[toolset]` and `ModelToolset` expand to,
//! pretty-printed (`#[tool]`'s are in `tool/tests.rs`). Regenerate with
//! `INSTA_UPDATE=always cargo test -p mcp-kit-macros` and read the diff.

use proc_macro2::TokenStream;
use quote::quote;

fn pretty(tokens: TokenStream) -> String {
    prettyplease::unparse(&syn::parse2(tokens).expect("the expansion parses as a file"))
}

#[test]
fn resource_template() {
    insta::assert_snapshot!(pretty(crate::resource::expand(
        quote!("notes://{id}", mime = "text/markdown"),
        quote! {
            /// A note's text.
            async fn note(id: u64) -> String {
                format!("note {id}")
            }
        },
    )));
}

#[test]
fn prompt() {
    insta::assert_snapshot!(pretty(crate::prompt::expand(
        quote!(),
        quote! {
            /// Review some code.
            fn code_review(#[arg(description = "the code")] code: String) -> String {
                format!("Review: {code}")
            }
        },
    )));
}

#[test]
fn toolset() {
    insta::assert_snapshot!(pretty(crate::toolset::expand(
        quote!(prefix = "notes"),
        quote! {
            impl Notes {
                /// Every note.
                #[tool(annotations(read_only))]
                pub async fn list(&self) -> Vec<String> {
                    self.all()
                }
            }
        },
    )));
}

#[test]
fn model_toolset() {
    insta::assert_snapshot!(pretty(crate::model_toolset::expand(quote! {
        #[toolset(table = "authors", order(name), search(name))]
        pub struct Author {
            pub id: i64,
            pub name: String,
        }
    })));
}
