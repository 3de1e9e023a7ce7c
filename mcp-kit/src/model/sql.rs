//! SQL text with its bound values, in the dialect of the database it goes to.

use super::value::SqlValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Sqlite,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres,
}

/// A statement under construction. Identifiers come from the model's field list; values are
/// only ever bound.
#[derive(Debug)]
pub(crate) struct Sql {
    dialect: Dialect,
    pub(crate) text: String,
    pub(crate) binds: Vec<SqlValue>,
}

impl Sql {
    pub(crate) fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            text: String::with_capacity(128),
            binds: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// A quoted identifier.
    pub(crate) fn ident(&mut self, name: &str) -> &mut Self {
        self.text.push('"');
        self.text.push_str(&name.replace('"', "\"\""));
        self.text.push('"');
        self
    }

    /// Identifiers separated by commas.
    pub(crate) fn idents<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) -> &mut Self {
        for (i, name) in names.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(name);
        }
        self
    }

    /// `SELECT columns FROM table`.
    pub(crate) fn select<'a>(
        &mut self,
        table: &str,
        columns: impl IntoIterator<Item = &'a str>,
    ) -> &mut Self {
        self.push("SELECT ")
            .idents(columns)
            .push(" FROM ")
            .ident(table)
    }

    /// A placeholder for `value`.
    pub(crate) fn bind(&mut self, value: SqlValue) -> &mut Self {
        self.binds.push(value);
        match self.dialect {
            Dialect::Sqlite => self.text.push('?'),
            Dialect::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.binds.len().to_string());
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_dialect() {
        for (dialect, expected) in [
            (
                Dialect::Sqlite,
                r#"SELECT "a" FROM "t" WHERE "a" = ? AND "b" = ?"#,
            ),
            (
                Dialect::Postgres,
                r#"SELECT "a" FROM "t" WHERE "a" = $1 AND "b" = $2"#,
            ),
        ] {
            let mut sql = Sql::new(dialect);
            sql.push("SELECT ").ident("a").push(" FROM ").ident("t");
            sql.push(" WHERE ")
                .ident("a")
                .push(" = ")
                .bind(1_i64.into());
            sql.push(" AND ").ident("b").push(" = ").bind("x".into());
            assert_eq!(sql.text, expected);
            assert_eq!(sql.binds.len(), 2);
        }
    }

    #[test]
    fn identifiers_are_quoted() {
        let mut sql = Sql::new(Dialect::Sqlite);
        sql.ident("we\"ird");
        assert_eq!(sql.text, r#""we""ird""#);
    }
}
