//! The typed model of one `#[derive(ModelToolset)]`, checked before anything is emitted.

use darling::util::{Flag, PathList, SpannedValue};
use darling::{FromDeriveInput, FromField, FromMeta};
use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned;
use syn::{Attribute, DeriveInput, Expr, Ident, LitStr, Path, Type};

use crate::access::{AccessArgs, ExprList};
use crate::docs::doc_text;

const ACTIONS: [&str; 6] = [
    "list",
    "retrieve",
    "create",
    "update",
    "partial_update",
    "destroy",
];

/// The struct, its fields, and its `#[toolset(…)]` attributes, each read on its own.
#[derive(Debug, FromDeriveInput)]
#[darling(supports(struct_named), forward_attrs(doc, toolset))]
struct StructArgs {
    ident: Ident,
    attrs: Vec<Attribute>,
    data: darling::ast::Data<(), FieldArgs>,
}

/// One `#[toolset(…)]`: one set of tools over the struct's table.
#[derive(Debug, Default, FromMeta)]
struct ToolsetArgs {
    /// Required of the first toolset, which the others take it from; optional here so that a
    /// misspelled key is one error, not two.
    table: Option<LitStr>,
    prefix: Option<LitStr>,
    pk: Option<LitStr>,
    /// The argument naming a row; the primary key's name by default.
    lookup: Option<LitStr>,
    actions: Option<PathList>,
    fields: Option<PathList>,
    read_only_fields: Option<PathList>,
    filter: Option<PathList>,
    order: Option<PathList>,
    search: Option<PathList>,
    /// Checked as it is read, so that it is reported with the attribute's other mistakes.
    #[darling(default, with = above_zero)]
    page_size: Option<SpannedValue<u32>>,
    max_page_size: Option<SpannedValue<u32>>,
    as_resource: Flag,
    /// `fn(Option<&Principal>) -> Scope`.
    scope: Option<Path>,
    write_permissions: Option<ExprList>,
    #[darling(flatten)]
    access: AccessArgs,
}

#[derive(Debug, FromField)]
#[darling(attributes(toolset), forward_attrs(doc))]
struct FieldArgs {
    ident: Option<Ident>,
    ty: Type,
    attrs: Vec<Attribute>,
    /// Not a column: never read, written or shown.
    skip: Flag,
    read_only: Flag,
    /// The database fills it when `create` leaves it out.
    default: Flag,
    description: Option<String>,
    /// `include(name = Model)`: the key of a `Model` row, embedded as `name`.
    include: Option<IncludeArg>,
}

#[derive(Debug)]
struct IncludeArg {
    name: Ident,
    model: Path,
}

impl FromMeta for IncludeArg {
    fn from_list(items: &[darling::ast::NestedMeta]) -> darling::Result<Self> {
        if let [darling::ast::NestedMeta::Meta(syn::Meta::NameValue(pair))] = items
            && let Some(name) = pair.path.get_ident()
            && let Expr::Path(model) = &pair.value
        {
            return Ok(Self {
                name: name.clone(),
                model: model.path.clone(),
            });
        }
        Err(darling::Error::custom(
            "write `include(name = Model)`, e.g. `include(author = Author)`",
        ))
    }
}

/// A foreign key whose row is embedded.
pub struct Include {
    /// The key the row is written under.
    pub name: String,
    /// The field holding the key.
    pub column: String,
    pub column_ty: Type,
    pub model: Path,
}

/// A filter across an include, e.g. `author__country`.
pub struct RelationFilter {
    pub name: String,
    pub model: Path,
    pub field: String,
    pub span: Span,
}

pub struct Column {
    pub name: String,
    pub ty: Type,
    pub exposed: bool,
    pub read_only: bool,
    pub has_default: bool,
    pub description: Option<String>,
}

pub struct Model {
    pub ident: Ident,
    pub description: Option<String>,
    pub table: String,
    pub prefix: String,
    pub pk: String,
    pub lookup: String,
    pub actions: Vec<&'static str>,
    pub columns: Vec<Column>,
    pub filter: Vec<String>,
    pub order: Vec<String>,
    pub search: Vec<String>,
    pub page_size: u32,
    pub max_page_size: u32,
    pub as_resource: bool,
    pub scope: Option<Path>,
    pub write_permissions: Vec<Expr>,
    pub access: AccessArgs,
    pub includes: Vec<Include>,
    pub relation_filters: Vec<RelationFilter>,
}

impl Model {
    /// One model per `#[toolset(…)]` of the struct, every mistake of every one reported.
    pub fn parse(input: &DeriveInput) -> darling::Result<Vec<Self>> {
        let args = StructArgs::from_derive_input(input)?;
        let mut errors = darling::Error::accumulator();
        if let Some(param) = input.generics.params.first() {
            errors.push(
                darling::Error::custom(
                    "a model cannot be generic: its table and columns are fixed",
                )
                .with_span(param),
            );
        }
        let fields = args
            .data
            .take_struct()
            .expect("`supports` allows named structs only");
        let description = doc_text(&args.attrs);
        let attributes: Vec<&Attribute> = args
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("toolset"))
            .collect();
        let mut models: Vec<Self> = Vec::new();
        let mut first: Option<(String, Option<LitStr>)> = None;
        for attribute in &attributes {
            let Some(toolset) = errors.handle(ToolsetArgs::from_meta(&attribute.meta)) else {
                continue;
            };
            let (table, pk) = match &first {
                None => {
                    first = Some((
                        toolset
                            .table
                            .as_ref()
                            .map(LitStr::value)
                            .unwrap_or_default(),
                        toolset.pk.clone(),
                    ));
                    (toolset.table.clone(), toolset.pk.clone())
                }
                // Later toolsets are over the first one's table unless they say otherwise.
                Some((table, pk)) => (
                    toolset
                        .table
                        .clone()
                        .or_else(|| Some(LitStr::new(table, attribute.span()))),
                    toolset.pk.clone().or_else(|| pk.clone()),
                ),
            };
            let toolset = ToolsetArgs {
                table,
                pk,
                ..toolset
            };
            let prefix_span = toolset
                .prefix
                .as_ref()
                .map_or_else(|| attribute.path().span(), LitStr::span);
            if let Some(model) = Self::check(
                &args.ident,
                &description,
                &fields.fields,
                toolset,
                &mut errors,
            ) {
                if models.iter().any(|m| m.prefix == model.prefix) {
                    errors.push(
                        darling::Error::custom(format!(
                            "two toolsets of `{}` are both named `{}`: give each its own `prefix`",
                            args.ident, model.prefix
                        ))
                        .with_span(&prefix_span),
                    );
                }
                models.push(model);
            }
        }
        if attributes.is_empty() {
            errors.push(
                darling::Error::custom("name the model's table: `#[toolset(table = \"…\")]`")
                    .with_span(&args.ident),
            );
        }
        errors.finish_with(models)
    }

    /// The model of one toolset, or `None` when it has mistakes (pushed to `errors`).
    fn check(
        ident: &Ident,
        description: &Option<String>,
        fields: &[FieldArgs],
        args: ToolsetArgs,
        all_errors: &mut darling::error::Accumulator,
    ) -> Option<Self> {
        let mut errors = darling::Error::accumulator();
        args.access.validate(&mut errors);

        let mut columns: Vec<Column> = fields
            .iter()
            .filter(|f| !f.skip.is_present())
            .map(|f| Column {
                name: f.ident.as_ref().expect("named fields").unraw().to_string(),
                ty: f.ty.clone(),
                exposed: true,
                read_only: f.read_only.is_present(),
                has_default: f.default.is_present(),
                description: f.description.clone().or_else(|| doc_text(&f.attrs)),
            })
            .collect();
        let is_column = |name: &str| columns.iter().any(|c| c.name == name);
        // Includes, by the name their rows are written under.
        let included: Vec<(&FieldArgs, &IncludeArg)> = fields
            .iter()
            .filter(|f| !f.skip.is_present())
            .filter_map(|f| Some((f, f.include.as_ref()?)))
            .collect();
        let mut relation_filters = Vec::new();
        let mut lookup =
            |list: &Option<PathList>, key: &str, errors: &mut darling::error::Accumulator| {
                let mut names = Vec::new();
                for path in list.iter().flat_map(|l| l.iter()) {
                    let name = path_name(path);
                    let relation = name.split_once("__").and_then(|(relation, field)| {
                        let (_, include) = included.iter().find(|(_, i)| i.name == relation)?;
                        Some((include, field))
                    });
                    if is_column(&name) {
                        names.push(name);
                    } else if key == "filter"
                        && let Some((include, field)) = relation
                    {
                        relation_filters.push(RelationFilter {
                            name: name.clone(),
                            model: include.model.clone(),
                            field: field.to_owned(),
                            span: path.span(),
                        });
                        names.push(name);
                    } else {
                        errors.push(no_field(ident, &name, key, path.span(), fields));
                    }
                }
                names
            };
        let exposed = args
            .fields
            .as_ref()
            .map(|_| lookup(&args.fields, "fields", &mut errors));
        let read_only = lookup(&args.read_only_fields, "read_only_fields", &mut errors);
        let filter = lookup(&args.filter, "filter", &mut errors);
        let order = lookup(&args.order, "order", &mut errors);
        let search = lookup(&args.search, "search", &mut errors);
        for column in &mut columns {
            if let Some(exposed) = &exposed {
                column.exposed = exposed.contains(&column.name);
            }
            column.read_only |= read_only.contains(&column.name);
        }

        let (pk, pk_span) = match &args.pk {
            Some(lit) => (lit.value(), lit.span()),
            None => ("id".to_owned(), ident.span()),
        };
        match columns.iter().find(|c| c.name == pk) {
            None => errors.push(
                darling::Error::custom(format!(
                    "`{ident}` has no primary key: there is no field `{pk}`; name it with `pk = \"…\"`"
                ))
                .with_span(&pk_span),
            ),
            Some(column) if !column.exposed => errors.push(
                darling::Error::custom(format!("the primary key `{pk}` must be one of `fields`"))
                    .with_span(&pk_span),
            ),
            Some(column) if is_option(&column.ty) => errors.push(
                darling::Error::custom(format!("the primary key `{pk}` cannot be an `Option`"))
                    .with_span(&column.ty),
            ),
            Some(_) => {}
        }

        // Lists name exposed columns only: a client cannot filter on what it cannot see.
        for (key, list, names) in [
            ("filter", &args.filter, &filter),
            ("order", &args.order, &order),
            ("search", &args.search, &search),
        ] {
            for path in list.iter().flat_map(|l| l.iter()) {
                let name = path_name(path);
                if !names.contains(&name) {
                    continue;
                }
                // Relation filters are checked against the related model where it is known.
                let Some(column) = columns.iter().find(|c| c.name == name) else {
                    continue;
                };
                if !column.exposed {
                    errors.push(
                        darling::Error::custom(format!(
                            "`{name}` is not one of `fields`, so it cannot be in `{key}`"
                        ))
                        .with_span(path),
                    );
                } else if key == "order" && is_option(&column.ty) {
                    errors.push(
                        darling::Error::custom(format!(
                            "cannot order by `{name}`: it may be null, and pages are cut by its value"
                        ))
                        .with_span(path),
                    );
                } else if key == "search" && !is_text(&column.ty) {
                    errors.push(
                        darling::Error::custom(format!(
                            "cannot search `{name}`: search looks inside text, and it is not a `String`"
                        ))
                        .with_span(path),
                    );
                }
            }
        }

        let mut actions = Vec::new();
        match &args.actions {
            None => actions.extend(["list", "retrieve"]),
            Some(list) => {
                for path in list.iter() {
                    let name = path_name(path);
                    match ACTIONS.iter().find(|a| **a == name) {
                        Some(action) if !actions.contains(action) => actions.push(*action),
                        Some(_) => errors.push(
                            darling::Error::custom(format!("`{name}` is listed twice"))
                                .with_span(path),
                        ),
                        None => errors.push(
                            darling::Error::custom(format!(
                                "unknown action `{name}`; the actions are {}",
                                ACTIONS.join(", ")
                            ))
                            .with_span(path),
                        ),
                    }
                }
            }
        }

        let page_size = args.page_size.map_or(50, |v| *v);
        let max_page_size = args.max_page_size.map_or(page_size.max(200), |v| *v);
        if page_size > max_page_size {
            let span = args
                .max_page_size
                .map_or_else(|| ident.span(), |v| v.span());
            errors.push(
                darling::Error::custom(format!(
                    "`max_page_size` ({max_page_size}) is below `page_size` ({page_size})"
                ))
                .with_span(&span),
            );
        }
        let changes_something = columns
            .iter()
            .any(|c| c.exposed && !c.read_only && c.name != pk);
        if let Some(list) = &args.actions
            && !changes_something
        {
            for path in list
                .iter()
                .filter(|p| matches!(path_name(p).as_str(), "update" | "partial_update"))
            {
                errors.push(
                    darling::Error::custom(
                        "nothing to update: every exposed field is read-only or the primary key",
                    )
                    .with_span(path),
                );
            }
        }
        if args.write_permissions.is_some() && !actions.iter().any(|a| is_write(a)) {
            errors.push(
                darling::Error::custom(
                    "`write_permissions` with no write action: add one to `actions(…)`",
                )
                .with_span(ident),
            );
        }

        if args.scope.is_some()
            && let Some(public) = args.access.public_cache()
        {
            errors.push(
                darling::Error::custom(
                    "a scoped toolset's rows differ from caller to caller: its cache scope cannot be \"public\"",
                )
                .with_span(public),
            );
        }

        if args.table.is_none() {
            errors.push(
                darling::Error::custom("name the model's table: `#[toolset(table = \"…\")]`")
                    .with_span(ident),
            );
        }
        let mut includes = Vec::new();
        for (field, include) in &included {
            let column = field
                .ident
                .as_ref()
                .expect("named fields")
                .unraw()
                .to_string();
            let name = include.name.unraw().to_string();
            if columns.iter().any(|c| c.name == name) {
                errors.push(
                    darling::Error::custom(format!(
                        "cannot include `{name}`: `{ident}` has a field of that name"
                    ))
                    .with_span(&include.name),
                );
            } else if columns.iter().any(|c| c.name == column && c.exposed) {
                includes.push(Include {
                    name,
                    column,
                    column_ty: field.ty.clone(),
                    model: include.model.clone(),
                });
            }
        }
        for filter in &relation_filters {
            let relation = filter.name.split_once("__").map_or("", |(r, _)| r);
            if !includes.iter().any(|i| i.name == relation) {
                errors.push(
                    darling::Error::custom(format!(
                        "`{}` follows `{relation}`, whose key is not one of `fields`",
                        filter.name
                    ))
                    .with_span(&filter.span),
                );
            }
        }

        let lookup = args
            .lookup
            .as_ref()
            .map_or_else(|| pk.clone(), LitStr::value);
        if let Some(lit) = &args.lookup {
            let valid = lookup.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && lookup
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                errors.push(
                    darling::Error::custom(format!(
                        "`lookup` must be an identifier (letters, digits and `_`), not `{lookup}`"
                    ))
                    .with_span(lit),
                );
            } else if lookup != pk && columns.iter().any(|c| c.name == lookup) {
                errors.push(
                    darling::Error::custom(format!(
                        "`lookup` cannot be `{lookup}`: `{ident}` has a field of that name"
                    ))
                    .with_span(lit),
                );
            }
        }
        let errors = errors.into_inner();
        if !errors.is_empty() {
            for error in errors {
                all_errors.push(error);
            }
            return None;
        }
        let table = args.table.expect("checked above").value();
        let prefix = args
            .prefix
            .as_ref()
            .map_or_else(|| table.clone(), LitStr::value);
        Some(Self {
            description: description.clone(),
            table,
            prefix,
            pk,
            lookup,
            actions,
            columns,
            filter,
            order,
            search,
            page_size,
            max_page_size,
            as_resource: args.as_resource.is_present(),
            scope: args.scope,
            write_permissions: args.write_permissions.map(|l| l.0).unwrap_or_default(),
            access: args.access,
            includes,
            relation_filters,
            ident: ident.clone(),
        })
    }
}

pub fn is_write(action: &str) -> bool {
    !matches!(action, "list" | "retrieve")
}

fn path_name(path: &Path) -> String {
    path.get_ident().map_or_else(
        || quote::ToTokens::to_token_stream(path).to_string(),
        Ident::to_string,
    )
}

fn no_field(
    ident: &Ident,
    name: &str,
    key: &str,
    span: Span,
    fields: &[FieldArgs],
) -> darling::Error {
    let skipped = fields
        .iter()
        .any(|f| f.skip.is_present() && f.ident.as_ref().is_some_and(|i| i == name));
    let message = if skipped {
        format!("`{name}` is skipped, so it cannot be in `{key}`")
    } else if let Some((relation, _)) = name.split_once("__")
        && key == "filter"
    {
        format!("`{ident}` has no field `{name}` and includes no `{relation}` (in `{key}`)")
    } else {
        format!("`{ident}` has no field `{name}` (in `{key}`)")
    };
    darling::Error::custom(message).with_span(&span)
}

/// The last path segment of a type, e.g. `Option` for `std::option::Option<T>`.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) => path.path.segments.last(),
        _ => None,
    }
}

fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Option")
}

/// `String` or `Option<String>`.
fn is_text(ty: &Type) -> bool {
    let Some(segment) = last_segment(ty) else {
        return false;
    };
    if segment.ident == "String" {
        return true;
    }
    match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) if segment.ident == "Option" => {
            matches!(args.args.first(), Some(syn::GenericArgument::Type(inner)) if is_text(inner))
        }
        _ => false,
    }
}

/// `page_size = N` with `N` above zero.
fn above_zero(meta: &syn::Meta) -> darling::Result<Option<SpannedValue<u32>>> {
    let size = SpannedValue::<u32>::from_meta(meta)?;
    if *size == 0 {
        return Err(
            darling::Error::custom("`page_size` must be above zero").with_span(&size.span())
        );
    }
    Ok(Some(size))
}
