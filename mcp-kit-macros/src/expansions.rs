//! Snapshots of what `#[resource]`, `#[prompt]`, `#[toolset]` and `ModelToolset` expand to,
//! pretty-printed (`#[tool]`'s are in `tool/tests.rs`). Regenerate with
//! `INSTA_UPDATE=always cargo test -p mcp-kit-macros` and read the diff.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::visit_mut::VisitMut;

/// The expansion, pretty-printed. prettyplease leaves a macro call on one line, so each item
/// given to a registry's macro (`TOOLS! { #![linkme_macro = …] static … }`) is shown as the
/// item alone, under a `/// TOOLS!` line.
pub(crate) fn pretty(tokens: TokenStream) -> String {
    let mut file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
    Unregister.visit_file_mut(&mut file);
    prettyplease::unparse(&file)
}

struct Unregister;

/// The item a registry's macro is given, marked, or `None` for another macro.
fn unregistered(call: &syn::Macro) -> Option<syn::Item> {
    let slice = call.path.segments.last()?.ident.to_string();
    if !["TOOLS", "RESOURCES", "PROMPTS"].contains(&slice.as_str()) {
        return None;
    }
    let parse = |input: syn::parse::ParseStream| {
        syn::Attribute::parse_inner(input)?;
        input.parse::<syn::ItemStatic>()
    };
    let mut item = parse.parse2(call.tokens.clone()).expect("one static");
    let marker = format!(" {slice}!");
    item.attrs.insert(0, syn::parse_quote!(#[doc = #marker]));
    Some(syn::Item::Static(item))
}

impl VisitMut for Unregister {
    fn visit_item_mut(&mut self, item: &mut syn::Item) {
        if let syn::Item::Macro(call) = item
            && let Some(inner) = unregistered(&call.mac)
        {
            *item = inner;
        }
        syn::visit_mut::visit_item_mut(self, item);
    }

    fn visit_stmt_mut(&mut self, stmt: &mut syn::Stmt) {
        if let syn::Stmt::Macro(call) = stmt
            && let Some(inner) = unregistered(&call.mac)
        {
            *stmt = syn::Stmt::Item(inner);
        }
        syn::visit_mut::visit_stmt_mut(self, stmt);
    }
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
