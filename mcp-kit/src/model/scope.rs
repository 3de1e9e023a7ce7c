//! Object-level scoping: which rows a caller may see and write.

use super::value::SqlValue;

/// The rows of a model a caller may use, returned by the model's `scope` function for each
/// call. Every query is narrowed by it; `create` sets the scoped columns to their values; a row
/// outside it is `NotFound`, as if it did not exist.
///
/// ```
/// # use mcp_kit::{Principal, model::Scope};
/// fn own_rows(principal: Option<&Principal>) -> Scope {
///     match principal {
///         Some(p) => Scope::all().eq("owner", p.subject.clone()),
///         None => Scope::none(),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub(crate) nothing: bool,
    pub(crate) equal: Vec<(String, SqlValue)>,
}

impl Scope {
    /// Every row.
    pub fn all() -> Self {
        Self {
            nothing: false,
            equal: Vec::new(),
        }
    }

    /// No row: lists are empty, every row is `NotFound`, nothing can be created.
    pub fn none() -> Self {
        Self {
            nothing: true,
            equal: Vec::new(),
        }
    }

    /// Only rows whose `column` equals `value`. `column` names a field of the model, skipped
    /// or not.
    pub fn eq(mut self, column: impl Into<String>, value: impl Into<SqlValue>) -> Self {
        self.equal.push((column.into(), value.into()));
        self
    }
}
