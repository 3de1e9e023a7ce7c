//! The conformance suite's tools.

use mcp_kit::prelude::*;
use mcp_kit::{Elicitation, LogLevel, ResourceContents, SamplingRequest};
use serde_json::{Map, Value, json};

/// Answers with plain text.
#[tool]
fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Answers with an image.
#[tool]
fn test_image_content() -> Content {
    Content::image(super::png(), "image/png")
}

/// Answers with audio.
#[tool]
fn test_audio_content() -> Content {
    // A minimal WAV file: a header and one silent sample.
    const WAV: &[u8] = b"RIFF&\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0data\x02\0\0\0\0\0";
    Content::audio(WAV, "audio/wav")
}

/// Answers with an embedded resource.
#[tool]
fn test_embedded_resource() -> Content {
    Content::resource(
        ResourceContents::text(
            "test://embedded-resource",
            "This is an embedded resource content.",
        )
        .mime_type("text/plain"),
    )
}

/// Answers with text, an image and a resource.
#[tool]
fn test_multiple_content_types() -> Vec<Content> {
    vec![
        Content::text("Multiple content types test:"),
        Content::image(super::png(), "image/png"),
        Content::resource(
            ResourceContents::text(
                "test://mixed-content-resource",
                json!({"test": "data", "value": 123}).to_string(),
            )
            .mime_type("application/json"),
        ),
    ]
}

/// Sends log messages while it works.
#[tool]
async fn test_tool_with_logging(context: Context) -> Result<&'static str, ToolError> {
    for message in [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ] {
        context.log(LogLevel::Info, message).await?;
    }
    Ok("Tool with logging executed successfully")
}

/// Reports progress while it works.
#[tool]
async fn test_tool_with_progress(context: Context) -> Result<&'static str, ToolError> {
    for step in [0.0, 50.0, 100.0] {
        let message = format!("Completed step {step} of 100");
        context.progress(step, Some(100.0), Some(&message)).await?;
    }
    Ok("Tool with progress executed successfully")
}

/// Always fails, as a tool error the model can read.
#[tool]
fn test_error_handling() -> Result<(), ToolError> {
    Err(ToolError::bad_request(
        "This tool intentionally returns an error for testing",
    ))
}

/// Asks the client's model to answer `prompt`.
#[tool]
async fn test_sampling(
    #[arg(description = "the prompt to send")] prompt: String,
    context: Context,
) -> Result<String, ToolError> {
    let answer = context.sample(SamplingRequest::new(prompt, 100)).await?;
    Ok(format!("LLM response: {}", answer.text.unwrap_or_default()))
}

/// What `test_elicitation` asks for.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct UserInfo {
    /// User's response
    username: String,
    /// User's email address
    email: String,
}

/// Asks the user for a name and an email address.
#[tool]
async fn test_elicitation(
    #[arg(description = "what to show the user")] message: String,
    context: Context,
) -> Result<String, ToolError> {
    Ok(match context.elicit::<UserInfo>(&message).await? {
        Elicitation::Accepted(user) => format!(
            "User response: action=accept, username={}, email={}",
            user.username, user.email
        ),
        Elicitation::Declined => "User response: action=decline".into(),
        Elicitation::Cancelled => "User response: action=cancel".into(),
    })
}

/// Asks with a form whose fields have defaults (SEP-1034).
#[tool]
async fn test_elicitation_sep1034_defaults(context: Context) -> Result<String, ToolError> {
    let form = json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "User name", "default": "John Doe"},
            "age": {"type": "integer", "description": "User age", "default": 30},
            "score": {"type": "number", "description": "User score", "default": 95.5},
            "status": {"type": "string", "description": "User status",
                       "enum": ["active", "inactive", "pending"], "default": "active"},
            "verified": {"type": "boolean", "description": "Verification status", "default": true},
        },
        "required": [],
    });
    elicit(
        &context,
        "Please review and update the form fields with defaults",
        form,
    )
    .await
}

/// Asks with every kind of enum field (SEP-1330).
#[tool]
async fn test_elicitation_sep1330_enums(context: Context) -> Result<String, ToolError> {
    let titled = |prefix: &str, titles: [&str; 3]| -> Vec<Value> {
        titles
            .iter()
            .enumerate()
            .map(|(i, title)| json!({"const": format!("{prefix}{}", i + 1), "title": title}))
            .collect()
    };
    let form = json!({
        "type": "object",
        "properties": {
            "untitledSingle": {"type": "string", "description": "Choose an option",
                               "enum": ["option1", "option2", "option3"]},
            "titledSingle": {"type": "string", "description": "Choose a titled option",
                             "oneOf": titled("value", ["First Option", "Second Option", "Third Option"])},
            "legacyEnum": {"type": "string", "description": "Choose a legacy option",
                           "enum": ["opt1", "opt2", "opt3"],
                           "enumNames": ["Option One", "Option Two", "Option Three"]},
            "untitledMulti": {"type": "array", "description": "Choose options", "minItems": 1, "maxItems": 3,
                              "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
            "titledMulti": {"type": "array", "description": "Choose titled options", "minItems": 1, "maxItems": 3,
                            "items": {"anyOf": titled("value", ["First Choice", "Second Choice", "Third Choice"])}},
        },
        "required": [],
    });
    elicit(&context, "Please select options from the enum fields", form).await
}

async fn elicit(context: &Context, message: &str, form: Value) -> Result<String, ToolError> {
    let Value::Object(form) = form else {
        unreachable!("the form is an object literal")
    };
    let answer: Elicitation<Map<String, Value>> = context.elicit_with_schema(message, form).await?;
    Ok(match answer {
        Elicitation::Accepted(values) => {
            format!(
                "Elicitation completed: action=accept, content={}",
                Value::Object(values)
            )
        }
        Elicitation::Declined => "Elicitation completed: action=decline".into(),
        Elicitation::Cancelled => "Elicitation completed: action=cancel".into(),
    })
}

/// Answers on the call's stream, which clients that resume interrupted streams test.
#[tool]
async fn test_reconnection() -> &'static str {
    "Reconnection test completed"
}

/// A tool whose input schema uses JSON Schema 2020-12 features (SEP-1613), written by hand.
pub fn json_schema_2020_12_tool() -> Tool {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "addressDef",
                "type": "object",
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
            },
        },
        "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/$defs/address"},
            "contactMethod": {"type": "string", "enum": ["phone", "email"]},
            "phone": {"type": "string"},
            "email": {"type": "string"},
        },
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]},
        "additionalProperties": false,
    });
    let Value::Object(schema) = schema else {
        unreachable!("the schema is an object literal")
    };
    Tool::from_schema("json_schema_2020_12_tool", schema, |arguments| async move {
        Value::Object(arguments).to_string()
    })
    .description("Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)")
}

/// Echoes the region the client also sent in the `Mcp-Param-Region` header (SEP-2243).
#[tool]
async fn test_custom_header(
    #[arg(header = "Region", description = "Where to run")] region: String,
) -> String {
    format!("region: {region}")
}
