//! The runtime of `#[derive(ModelToolset)]`: a table's rows as tools, over sqlx.
//!
//! The derive emits a [`ModelSpec`] (the table, its columns, and what the toolset allows) and
//! one tool per action, whose call comes here. A column's SQL type follows its Rust field type
//! through [`Column`]. SQL is built from the spec alone: every identifier comes from the
//! compile-time field list and every value is a bound parameter.

mod actions;
mod arguments;
mod cursor;
mod database;
mod error;
mod list;
mod schema;
mod scope;
mod sql;
mod value;

#[doc(hidden)]
pub use actions::{create, destroy, list, partial_update, read_resource, retrieve, update};
pub use database::Database;
#[doc(hidden)]
pub use schema::{
    create_schema, destroy_schema, list_output_schema, list_schema, partial_update_schema,
    resource_schema, retrieve_schema, row_schema, update_schema, written_row_schema,
};
pub use scope::Scope;
pub use value::SqlValue;

use crate::auth::Principal;

/// The SQL type of a column, from its Rust type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    I16,
    I32,
    I64,
    F32,
    F64,
    Bool,
    Text,
    /// `chrono::NaiveDate`, as `YYYY-MM-DD`.
    Date,
    /// `chrono::DateTime<Utc>`, as RFC 3339.
    DateTime,
}

impl Kind {
    /// Whether ranges (`__gte`, `__lte`) make sense for it.
    pub(crate) fn has_ranges(self) -> bool {
        !matches!(self, Self::Bool | Self::Text)
    }

    pub(crate) fn is_integer(self) -> bool {
        matches!(self, Self::I16 | Self::I32 | Self::I64)
    }
}

/// A Rust type a model field may have.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a model column",
    label = "not a column type",
    note = "a column is `i16`, `i32`, `i64`, `f32`, `f64`, `bool` or `String` (or, with the `chrono` feature, `NaiveDate` or `DateTime<Utc>`), or an `Option` of one"
)]
pub trait Column {
    const KIND: Kind;
    const NULLABLE: bool = false;
}

macro_rules! columns {
    ($($ty:ty => $kind:ident),*) => {$(
        impl Column for $ty {
            const KIND: Kind = Kind::$kind;
        }
    )*};
}

columns!(i16 => I16, i32 => I32, i64 => I64, f32 => F32, f64 => F64, bool => Bool, String => Text);

#[cfg(feature = "chrono")]
columns!(chrono::NaiveDate => Date, chrono::DateTime<chrono::Utc> => DateTime);

impl<T: Column> Column for Option<T> {
    const KIND: Kind = T::KIND;
    const NULLABLE: bool = true;
}

/// One column of a model's table.
#[doc(hidden)]
#[derive(Debug)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
    /// Shown to clients; `skip`ped columns are not, but scopes may still name them.
    pub exposed: bool,
    /// Never written by a tool.
    pub read_only: bool,
    /// `create` may leave it out: the database has a default.
    pub has_default: bool,
    pub description: Option<&'static str>,
}

/// A model as the derive describes it.
#[doc(hidden)]
#[derive(Debug)]
pub struct ModelSpec {
    /// The struct's name, for messages.
    pub model: &'static str,
    pub table: &'static str,
    pub pk: &'static str,
    /// The argument, and resource-template variable, naming a row's primary key.
    pub lookup: &'static str,
    pub columns: &'static [ColumnSpec],
    pub filter: &'static [&'static str],
    pub order: &'static [&'static str],
    pub search: &'static [&'static str],
    pub page_size: u32,
    pub max_page_size: u32,
    /// Narrows every query to the rows a caller may see.
    pub scope: Option<fn(Option<&Principal>) -> Scope>,
    /// Related rows embedded in list and retrieve results.
    pub includes: &'static [IncludeSpec],
}

/// A foreign key whose row is embedded: `include(author = Author)` on `author_id`.
#[doc(hidden)]
#[derive(Debug)]
pub struct IncludeSpec {
    /// The key the related row is written under.
    pub name: &'static str,
    /// The column holding the related row's primary key.
    pub column: &'static str,
    pub related: &'static ModelSpec,
}

/// Whether `spec` shows a column `name`: the derive checks relation filters with it at
/// compile time.
#[doc(hidden)]
pub const fn has_exposed_column(spec: &ModelSpec, name: &str) -> bool {
    matches!(find(spec, name), Some(column) if column.exposed)
}

/// Whether a column of `kind` can hold `related`'s primary key: the derive checks an
/// `include` with it at compile time.
#[doc(hidden)]
pub const fn include_fits(kind: Kind, related: &ModelSpec) -> bool {
    matches!(find(related, related.pk), Some(pk) if pk.kind as u8 == kind as u8)
}

const fn find(spec: &ModelSpec, name: &str) -> Option<&'static ColumnSpec> {
    let mut i = 0;
    while i < spec.columns.len() {
        if same(spec.columns[i].name, name) {
            return Some(&spec.columns[i]);
        }
        i += 1;
    }
    None
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl ColumnSpec {
    /// Whether `create` needs a value for it.
    pub(crate) fn required_on_create(&self) -> bool {
        !self.nullable && !self.has_default
    }
}

impl ModelSpec {
    pub(crate) fn column(&self, name: &str) -> Option<&'static ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// A relation filter's parts, e.g. `author__country`: the include, and its column.
    pub(crate) fn relation_column(
        &self,
        name: &str,
    ) -> Option<(&'static IncludeSpec, &'static ColumnSpec)> {
        let (relation, column) = name.split_once("__")?;
        let include = self.includes.iter().find(|i| i.name == relation)?;
        Some((include, include.related.column(column)?))
    }

    pub(crate) fn pk_column(&self) -> &'static ColumnSpec {
        self.column(self.pk)
            .expect("the derive checks that the primary key is a field")
    }

    pub(crate) fn exposed(&self) -> impl Iterator<Item = &'static ColumnSpec> {
        self.columns.iter().filter(|c| c.exposed)
    }

    /// Columns `create` takes: an integer primary key is the database's to assign.
    pub(crate) fn create_columns(&self) -> impl Iterator<Item = &'static ColumnSpec> {
        let database_assigned = |c: &ColumnSpec| c.name == self.pk && c.kind.is_integer();
        self.exposed()
            .filter(move |c| !c.read_only && !database_assigned(c))
    }

    /// Columns `update` and `partial_update` change: never the primary key.
    pub(crate) fn update_columns(&self) -> impl Iterator<Item = &'static ColumnSpec> {
        let pk = self.pk;
        self.exposed().filter(move |c| !c.read_only && c.name != pk)
    }
}
