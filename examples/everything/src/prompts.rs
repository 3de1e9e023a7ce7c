//! The conformance suite's prompts.

use mcp_kit::ResourceContents;
use mcp_kit::prelude::*;

/// A prompt without arguments.
#[prompt]
fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

/// A prompt with two required arguments.
#[prompt(complete(arg1 = suggest_values))]
fn test_prompt_with_arguments(
    #[arg(description = "First test argument")] arg1: String,
    #[arg(description = "Second test argument")] arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

async fn suggest_values(typed: String) -> Vec<String> {
    ["test", "testValue1", "testValue2", "value"]
        .into_iter()
        .filter(|value| value.starts_with(&typed))
        .map(String::from)
        .collect()
}

/// A prompt that embeds a resource.
#[prompt]
fn test_prompt_with_embedded_resource(
    #[arg(rename = "resourceUri", description = "URI of the resource to embed")]
    resource_uri: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::resource(
            ResourceContents::text(resource_uri, "Embedded resource content for testing.")
                .mime_type("text/plain"),
        )),
        PromptMessage::user("Please process the embedded resource above."),
    ]
}

/// A prompt with an image.
#[prompt]
fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image(super::png(), "image/png")),
        PromptMessage::user("Please analyze the image above."),
    ]
}
