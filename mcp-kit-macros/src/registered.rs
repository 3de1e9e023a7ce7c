//! How an item's `static` joins its link-time registry: `TOOLS`, `RESOURCES` or `PROMPTS`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::RT;

/// `item`, a `static` of the slice's element type, placed in the slice `slice`.
///
/// Written as linkme's own `#[distributed_slice]` attribute expands, through the macro the
/// slice's declaration defines, without the attribute's type check: a function and two
/// closures per item, which the compiler checks on every build, for a type the macros write
/// themselves. The workspace pins linkme's version, as this is its expansion's form.
pub fn registered(slice: &str, item: TokenStream) -> TokenStream {
    let slice = Ident::new(slice, Span::call_site());
    quote! {
        #RT::#slice! {
            #![linkme_macro = #RT::#slice]
            #item
        }
    }
}
