//! The expansion of a valid `#[derive(ModelToolset)]`: the model's spec, and one `ToolDef` per
//! action (and a `ResourceDef` with `as_resource`) calling the runtime in `mcp_kit::model`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::{Model, is_write};
use crate::RT;
use crate::handler::option_str;
use crate::registered::registered;

/// One toolset; the struct's first also names its spec as `MODEL_SPEC`.
pub fn emit(model: &Model, first: bool) -> TokenStream {
    let ident = &model.ident;
    let spec = spec(model);
    let tools = model.actions.iter().map(|action| tool(model, action));
    let resource = model.as_resource.then(|| resource(model));
    let checks = relation_checks(model);
    let named = first.then(|| {
        quote! {
            impl #ident {
                /// How `#[derive(ModelToolset)]` sees this model (its first toolset).
                #[doc(hidden)]
                pub const MODEL_SPEC: &'static #RT::model::ModelSpec = &SPEC;
            }
        }
    });
    quote! {
        const _: () = {
            static SPEC: #RT::model::ModelSpec = #spec;
            #named
            #checks

            #(#tools)*
            #resource
        };
    }
}

fn spec(model: &Model) -> TokenStream {
    let model_name = model.ident.to_string();
    let table = &model.table;
    let pk = &model.pk;
    let lookup = &model.lookup;
    let columns = model.columns.iter().map(|column| {
        let name = &column.name;
        let ty = &column.ty;
        let exposed = column.exposed;
        let read_only = column.read_only;
        let has_default = column.has_default;
        let description = option_str(column.description.as_deref());
        // At the field's type: a type that is not a column is reported there.
        let kind = quote_spanned!(ty.span()=> <#ty as #RT::model::Column>::KIND);
        let nullable = quote_spanned!(ty.span()=> <#ty as #RT::model::Column>::NULLABLE);
        quote! {
            #RT::model::ColumnSpec {
                name: #name,
                kind: #kind,
                nullable: #nullable,
                exposed: #exposed,
                read_only: #read_only,
                has_default: #has_default,
                description: #description,
            }
        }
    });
    let filter = &model.filter;
    let order = &model.order;
    let search = &model.search;
    let page_size = model.page_size;
    let max_page_size = model.max_page_size;
    let scope = match &model.scope {
        Some(path) => quote_spanned!(path.span()=> #RT::Some(#path)),
        None => quote!(#RT::None),
    };
    let includes = model.includes.iter().map(|include| {
        let name = &include.name;
        let column = &include.column;
        let related = &include.model;
        quote! {
            #RT::model::IncludeSpec {
                name: #name,
                column: #column,
                related: <#related>::MODEL_SPEC,
            }
        }
    });
    quote! {
        #RT::model::ModelSpec {
            model: #model_name,
            table: #table,
            pk: #pk,
            lookup: #lookup,
            columns: &[#(#columns),*],
            filter: &[#(#filter),*],
            order: &[#(#order),*],
            search: &[#(#search),*],
            page_size: #page_size,
            max_page_size: #max_page_size,
            scope: #scope,
            includes: &[#(#includes),*],
        }
    }
}

/// What an include and a relation filter need of the related model, checked where the
/// compiler sees both: one constant each, so each mistake is its own error, at its name.
fn relation_checks(model: &Model) -> TokenStream {
    let includes = model.includes.iter().map(|include| {
        let related = &include.model;
        let ty = &include.column_ty;
        let model_name = quote!(#related).to_string().replace(' ', "");
        let not_a_key = format!(
            "`{}` cannot include `{model_name}`: it does not hold `{model_name}`'s primary key",
            include.column
        );
        let scoped = format!(
            "cannot include `{model_name}`: its rows are scoped to callers, and an included row is shown to whoever may read this one"
        );
        quote_spanned! {related.span()=>
            const _: () = if !#RT::model::include_fits(<#ty as #RT::model::Column>::KIND, <#related>::MODEL_SPEC) {
                ::core::panic!(#not_a_key);
            };
            const _: () = if <#related>::MODEL_SPEC.scope.is_some() {
                ::core::panic!(#scoped);
            };
        }
    });
    let filters = model.relation_filters.iter().map(|filter| {
        let related = &filter.model;
        let field = &filter.field;
        let model_name = quote!(#related).to_string().replace(' ', "");
        let message = format!(
            "cannot filter by `{}`: `{model_name}` shows no field `{field}`",
            filter.name
        );
        quote_spanned! {filter.span=>
            const _: () = if !#RT::model::has_exposed_column(<#related>::MODEL_SPEC, #field) {
                ::core::panic!(#message);
            };
        }
    });
    includes.chain(filters).collect()
}

fn tool(model: &Model, action: &str) -> TokenStream {
    let name = format!("{}_{action}", model.prefix);
    let description = description(model, action);
    let static_ident = format_ident!("{}", action.to_uppercase());
    let run = format_ident!("{action}");
    let schema = format_ident!("{action}_schema");
    let output = match action {
        "list" => quote!(#RT::model::list_output_schema(
            &SPEC, generator
        )),
        "retrieve" => quote!(#RT::model::row_schema(&SPEC, generator)),
        _ => quote!(#RT::model::written_row_schema(&SPEC, generator)),
    };
    let (read_only, destructive, idempotent) = match action {
        "list" | "retrieve" => (true, false, true),
        "create" => (false, false, false),
        "update" | "partial_update" => (false, false, true),
        _ => (false, true, true),
    };
    let access = if is_write(action) {
        model.access.emit_with(&model.write_permissions)
    } else {
        model.access.emit()
    };
    let definition = quote! {
        static #static_ident: #RT::ToolDef = #RT::ToolDef {
            name: #name,
            title: #RT::None,
            description: #RT::Some(#description),
            annotations: #RT::ToolAnnotations {
                read_only: #RT::Some(#read_only),
                destructive: #RT::Some(#destructive),
                idempotent: #RT::Some(#idempotent),
                open_world: #RT::Some(false),
            },
            input: #RT::InputDef::Schema(|generator| #RT::model::#schema(&SPEC, generator)),
            output_schema: |generator| #RT::Some(#output),
            call: |call| #RT::model::#run(call, &SPEC),
            access: #access,
            task: #RT::TaskSupport::Forbidden,
            ui: #RT::ToolUi::NONE,
            location: #RT::location!(),
        };
    };
    registered("TOOLS", definition)
}

fn resource(model: &Model) -> TokenStream {
    let uri = format!("{}://{{{}}}", model.prefix, model.lookup);
    let name = &model.prefix;
    let description = format!("One {} row as JSON, by `{}`.", model.ident, model.lookup);
    let access = model.access.emit();
    let definition = quote! {
        static RESOURCE: #RT::model::ResourceDef = #RT::model::ResourceDef {
            uri: #uri,
            name: #name,
            title: #RT::None,
            description: #RT::Some(#description),
            mime_type: #RT::Some("application/json"),
            input: #RT::InputDef::Schema(|generator| #RT::model::resource_schema(&SPEC, generator)),
            read: |call| #RT::model::read_resource(call, &SPEC),
            completions: &[],
            access: #access,
            app: #RT::None,
            location: #RT::location!(),
        };
    };
    registered("RESOURCES", definition)
}

/// What each action does, after the struct's own doc comment.
fn description(model: &Model, action: &str) -> String {
    let what = &model.ident;
    let pk = &model.lookup;
    let text = match action {
        "list" => {
            let mut text = format!("List {what} rows, {} at a time", model.page_size);
            if !model.filter.is_empty() {
                text.push_str(&format!(", filtered by {}", ticks(&model.filter)));
            }
            if !model.search.is_empty() {
                text.push_str(&format!(", searched in {}", ticks(&model.search)));
            }
            if !model.order.is_empty() {
                text.push_str(&format!(", ordered by {}", ticks(&model.order)));
            }
            text + ". Pass `next_cursor` back as `cursor` for the next page."
        }
        "retrieve" => format!("Get one {what} by `{pk}`."),
        "create" => format!("Create a {what}; returns the new row."),
        "update" => format!("Replace the fields of the {what} with this `{pk}`; returns the row."),
        "partial_update" => {
            format!("Change some fields of the {what} with this `{pk}`; returns the row.")
        }
        _ => format!("Delete the {what} with this `{pk}`; returns the deleted row."),
    };
    match &model.description {
        Some(doc) => format!("{text}\n\n{doc}"),
        None => text,
    }
}

fn ticks(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
