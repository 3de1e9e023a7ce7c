//! Why a document could not be turned into tools, and which operations were left out.

use std::fmt;

/// A fault in an OpenAPI document, or in the options given for it, with the JSON pointer of the
/// part at fault (`/paths/~1pets/get/parameters/0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenApiError {
    source: Option<String>,
    pointer: String,
    message: String,
}

impl OpenApiError {
    /// An error at `pointer` (empty for the whole document).
    pub fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            source: None,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// Names the document (a file or a URL) in the message, unless it already names one.
    pub fn in_source(mut self, source: &str) -> Self {
        self.source.get_or_insert_with(|| source.to_owned());
        self
    }

    /// The JSON pointer of the part at fault; empty for the whole document.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// What is wrong, without the pointer.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for OpenApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = &self.source {
            write!(f, "{source}: ")?;
        }
        f.write_str(&self.message)?;
        if !self.pointer.is_empty() {
            write!(f, " (at {})", self.pointer)?;
        }
        Ok(())
    }
}

impl std::error::Error for OpenApiError {}

/// An operation left out because it uses something mcp-kit does not translate; it is never
/// published half right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `GET /pets/{id}`.
    pub operation: String,
    /// The JSON pointer of the unsupported part.
    pub pointer: String,
    /// What is unsupported.
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} skipped: {} (at {})",
            self.operation, self.reason, self.pointer
        )
    }
}

/// Why one operation cannot be translated: a fault fails the whole document, an unsupported
/// feature skips the operation.
#[derive(Debug)]
pub(crate) enum Problem {
    Fault(OpenApiError),
    Unsupported { pointer: String, reason: String },
}

impl Problem {
    pub(crate) fn fault(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Fault(OpenApiError::at(pointer, message))
    }

    pub(crate) fn unsupported(pointer: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Unsupported {
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }
}

impl From<OpenApiError> for Problem {
    fn from(error: OpenApiError) -> Self {
        Self::Fault(error)
    }
}
