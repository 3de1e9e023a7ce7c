//! What a tool returns, and how any return type becomes one.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::Value;

use crate::content::Content;
use crate::error::ToolError;

/// A tool's answer: content for the model, and structured data when the tool has an output schema.
///
/// Structured content is kept as the JSON text it is sent as, so it is serialized once: the
/// same text is the text block older clients read and, unescaped, `structuredContent`.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ToolOutput {
    /// Content blocks.
    pub content: Vec<Content>,
    /// Whether this reports a failure of the tool (not of the protocol).
    pub is_error: bool,
    /// Structured content as JSON text, matching the tool's output schema.
    structured: Option<String>,
}

impl ToolOutput {
    /// A successful result with these blocks.
    pub fn new(content: Vec<Content>) -> Self {
        Self {
            content,
            is_error: false,
            structured: None,
        }
    }

    /// A successful result carrying `value` as structured content, and as its JSON text for
    /// clients that read only content.
    pub fn structured(value: &impl Serialize) -> Result<Self, ToolError> {
        let text = serde_json::to_string(value).map_err(|e| {
            ToolError::internal(format!("structured output did not serialize: {e}"))
        })?;
        Ok(Self::structured_json(text))
    }

    /// As [`structured`](Self::structured), from JSON text the caller has written: it must be
    /// one JSON value.
    pub(crate) fn structured_json(text: String) -> Self {
        Self {
            content: vec![Content::Text(text.clone())],
            is_error: false,
            structured: Some(text),
        }
    }

    /// A result as another server sent it: its blocks, whether it reports a failure, and its
    /// structured content's JSON text.
    #[cfg(feature = "client")]
    pub(crate) fn from_parts(
        content: Vec<Content>,
        is_error: bool,
        structured: Option<String>,
    ) -> Self {
        Self {
            content,
            is_error,
            structured,
        }
    }

    /// A failed result, as a client sees it. Internal details are not included.
    pub fn from_error(error: &ToolError) -> Self {
        Self {
            content: vec![Content::text(error.client_message())],
            is_error: true,
            structured: None,
        }
    }

    /// The structured content, parsed.
    pub fn structured_value(&self) -> Option<Value> {
        let text = self.structured.as_deref()?;
        Some(serde_json::from_str(text).expect("structured content is JSON text"))
    }

    /// The structured content as the JSON text it is sent as.
    pub fn structured_text(&self) -> Option<&str> {
        self.structured.as_deref()
    }

    /// Its parts: the blocks, whether it reports a failure, and the structured content's text.
    pub(crate) fn into_parts(self) -> (Vec<Content>, bool, Option<String>) {
        (self.content, self.is_error, self.structured)
    }

    /// The result as MCP JSON: `content`, `structuredContent` when present, and `isError`.
    pub fn to_json(&self) -> Value {
        let mut value = serde_json::json!({
            "content": self.content.iter().map(Content::to_json).collect::<Vec<_>>(),
            "isError": self.is_error,
        });
        if let Some(structured) = self.structured_value() {
            value["structuredContent"] = structured;
        }
        value
    }

    /// The text of every text block, joined by newlines: handy in tests.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(Content::as_text)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Converts a handler's return value into a [`ToolOutput`].
///
/// Implemented for strings, numbers, `bool`, `()`, [`Content`], `Vec<Content>`, [`Json<T>`],
/// [`ToolOutput`] and `Result<T, E>` where `E: Into<ToolError>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a tool",
    label = "unsupported return type",
    note = "return a String, a number, Content, Vec<Content>, Json<T>, () or Result<_, ToolError>"
)]
pub trait IntoToolResult {
    /// Performs the conversion.
    fn into_tool_result(self) -> Result<ToolOutput, ToolError>;

    /// The output schema this type guarantees, if any. Only [`Json<T>`] has one.
    fn output_schema(_generator: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

impl IntoToolResult for ToolOutput {
    fn into_tool_result(self) -> Result<ToolOutput, ToolError> {
        Ok(self)
    }
}

impl IntoToolResult for Content {
    fn into_tool_result(self) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::new(vec![self]))
    }
}

impl IntoToolResult for Vec<Content> {
    fn into_tool_result(self) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::new(self))
    }
}

impl IntoToolResult for () {
    fn into_tool_result(self) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::new(Vec::new()))
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::new(vec![Content::Text(self)]))
    }
}

impl IntoToolResult for &str {
    fn into_tool_result(self) -> Result<ToolOutput, ToolError> {
        self.to_owned().into_tool_result()
    }
}

impl IntoToolResult for Cow<'_, str> {
    fn into_tool_result(self) -> Result<ToolOutput, ToolError> {
        self.into_owned().into_tool_result()
    }
}

macro_rules! display_results {
    ($($ty:ty),*) => {$(
        impl IntoToolResult for $ty {
            fn into_tool_result(self) -> Result<ToolOutput, ToolError> {
                self.to_string().into_tool_result()
            }
        }
    )*};
}

display_results!(
    bool, char, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

impl<T: IntoToolResult, E: Into<ToolError>> IntoToolResult for Result<T, E> {
    fn into_tool_result(self) -> Result<ToolOutput, ToolError> {
        self.map_err(Into::into)?.into_tool_result()
    }

    fn output_schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        T::output_schema(generator)
    }
}

/// Structured output: the value goes to `structuredContent` (and, serialized, to a text block
/// for older clients) and `T`'s schema becomes the tool's `outputSchema`.
///
/// `T` must serialize to a JSON object, as the protocol requires of structured content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize + JsonSchema> IntoToolResult for Json<T> {
    fn into_tool_result(self) -> Result<ToolOutput, ToolError> {
        ToolOutput::structured(&self.0)
    }

    fn output_schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.root_schema_for::<T>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_is_error_results() {
        let result: Result<i64, ToolError> = Err(ToolError::bad_request("division by zero"));
        let error = result.into_tool_result().unwrap_err();
        let output = ToolOutput::from_error(&error);
        assert!(output.is_error);
        assert_eq!(output.text(), "bad request: division by zero");
    }

    #[test]
    fn json_gives_structured_content_and_text() {
        #[derive(Serialize, JsonSchema)]
        struct Sum {
            total: i64,
        }
        let output = Json(Sum { total: 3 }).into_tool_result().unwrap();
        assert_eq!(
            output.structured_value(),
            Some(serde_json::json!({"total": 3}))
        );
        assert_eq!(output.text(), r#"{"total":3}"#);
        let schema = <Json<Sum>>::output_schema(&mut SchemaGenerator::default()).unwrap();
        assert_eq!(schema.get("type"), Some(&serde_json::json!("object")));
    }
}
