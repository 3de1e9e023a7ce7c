//! A call's arguments, taken one by one by the model tools; every problem is kept, to be
//! reported together.

use serde_json::{Map, Value};

use super::value::SqlValue;
use super::{ColumnSpec, ModelSpec};
use crate::error::{FieldError, ToolError};
use crate::extract::Call;

pub(super) struct Arguments {
    pub(super) map: Map<String, Value>,
    pub(super) errors: Vec<FieldError>,
}

impl Arguments {
    pub(super) fn take(call: &mut Call) -> Self {
        Self {
            map: std::mem::take(&mut call.arguments),
            errors: Vec::new(),
        }
    }

    pub(super) fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub(super) fn string(&mut self, name: &str) -> Option<String> {
        match self.map.remove(name)? {
            Value::String(text) => Some(text),
            _ => {
                self.error(name, "expected a string");
                None
            }
        }
    }

    pub(super) fn flag(&mut self, name: &str) -> bool {
        match self.map.remove(name) {
            None => false,
            Some(Value::Bool(flag)) => flag,
            Some(_) => {
                self.error(name, "expected true or false");
                false
            }
        }
    }

    pub(super) fn column(&mut self, column: &ColumnSpec, required: bool) -> Option<SqlValue> {
        match self.map.remove(column.name) {
            None if required => {
                self.error(column.name, "missing required argument");
                None
            }
            None => None,
            Some(raw) => match SqlValue::from_json(column.kind, column.nullable, &raw) {
                Ok(value) => Some(value),
                Err(message) => {
                    self.error(column.name, message);
                    None
                }
            },
        }
    }

    /// The primary key, given as the model's lookup argument.
    pub(super) fn pk(&mut self, spec: &ModelSpec) -> Option<SqlValue> {
        let pk = spec.pk_column();
        match self.map.remove(spec.lookup) {
            None => {
                self.error(spec.lookup, "missing required argument");
                None
            }
            Some(raw) => match SqlValue::from_json(pk.kind, false, &raw) {
                Ok(value) => Some(value),
                Err(message) => {
                    self.error(spec.lookup, message);
                    None
                }
            },
        }
    }

    /// Every problem found, arguments no tool parameter takes included.
    pub(super) fn finish(mut self) -> Result<(), ToolError> {
        for (name, _) in std::mem::take(&mut self.map) {
            self.error(&name, "unknown argument");
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ToolError::invalid(self.errors))
        }
    }

    pub(super) fn finish_with(mut self, error: ToolError) -> ToolError {
        self.errors.extend(error.fields().iter().cloned());
        self.finish().expect_err("an error was added")
    }
}
