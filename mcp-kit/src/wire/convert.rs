//! Our content and results as rmcp's model types.

// Logging and legacy subscriptions are deprecated by SEP-2577; clients still use them.
#![allow(deprecated)]

use rmcp::model::{self, CallToolResult, ContentBlock, LoggingLevel};
use serde_json::Value;

use crate::content::{Content, ResourceBody, ResourceContents, ResourceLink};
use crate::context::LogLevel;
use crate::prompt::{Prompt, PromptMessage, Role};
use crate::resource::Resource;
use crate::result::ToolOutput;
use crate::tool::Tool;

pub(super) fn tool(tool: &Tool) -> model::Tool {
    let mut out = model::Tool::new_with_raw(
        tool.name.clone(),
        tool.description.clone(),
        tool.input_schema.clone(),
    );
    if let Some(title) = &tool.title {
        out = out.with_title(title.to_string());
    }
    if let Some(schema) = &tool.output_schema {
        out = out.with_raw_output_schema(schema.clone());
    }
    let hints = tool.annotations;
    if !hints.is_empty() {
        let mut annotations = model::ToolAnnotations::new();
        annotations.read_only_hint = hints.read_only;
        annotations.destructive_hint = hints.destructive;
        annotations.idempotent_hint = hints.idempotent;
        annotations.open_world_hint = hints.open_world;
        out = out.with_annotations(annotations);
    }
    out.meta = tool.meta().map(model::MetaObject);
    out
}

/// The result as rmcp's type. Its structured content is still its JSON text, held as a JSON
/// string until it is written: [`take_structured`] takes it to splice into the response's
/// bytes, [`parse_structured`] makes it a value for every other way out.
pub(super) fn call_result(output: ToolOutput) -> CallToolResult {
    let (content, is_error, structured) = output.into_parts();
    let content = content.into_iter().map(self::content).collect();
    let mut result = if is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    result.structured_content = structured.map(Value::String);
    result
}

/// The JSON text of a call result's structured content, taken out of it.
#[cfg(feature = "fast-path")]
pub(super) fn take_structured(result: &mut model::ServerResult) -> Option<String> {
    let model::ServerResult::CallToolResult(result) = result else {
        return None;
    };
    match result.structured_content.take()? {
        Value::String(text) => Some(text),
        other => {
            result.structured_content = Some(other);
            None
        }
    }
}

/// Parses the structured content [`call_result`] left as text.
pub(super) fn parse_structured(result: &mut CallToolResult) {
    if let Some(Value::String(text)) = &result.structured_content {
        let value = serde_json::from_str(text).expect("structured content is JSON text");
        result.structured_content = Some(value);
    }
}

pub(super) fn content(content: Content) -> ContentBlock {
    match content {
        Content::Text(text) => ContentBlock::text(text),
        Content::Image { data, mime_type } => ContentBlock::image(data, mime_type),
        Content::Audio { data, mime_type } => ContentBlock::audio(data, mime_type),
        Content::Resource(contents) => ContentBlock::resource(resource_contents(contents)),
        Content::ResourceLink(link) => ContentBlock::resource_link(resource_link(link)),
    }
}

pub(super) fn resource_contents(contents: ResourceContents) -> model::ResourceContents {
    let out = match contents.body {
        ResourceBody::Text(text) => model::ResourceContents::text(text, contents.uri),
        ResourceBody::Blob(blob) => model::ResourceContents::blob(blob, contents.uri),
    };
    let out = match contents.mime_type {
        Some(mime_type) => out.with_mime_type(mime_type),
        None => out,
    };
    match contents.meta {
        Some(meta) => out.with_meta(model::MetaObject(meta)),
        None => out,
    }
}

fn resource_link(link: ResourceLink) -> model::Resource {
    let mut out = model::Resource::new(link.uri, link.name);
    if let Some(description) = link.description {
        out = out.with_description(description);
    }
    if let Some(mime_type) = link.mime_type {
        out = out.with_mime_type(mime_type);
    }
    out
}

pub(super) fn resource(resource: &Resource) -> model::Resource {
    let mut out = model::Resource::new(resource.uri.to_string(), resource.name.to_string());
    if let Some(title) = &resource.title {
        out = out.with_title(title.to_string());
    }
    if let Some(description) = &resource.description {
        out = out.with_description(description.to_string());
    }
    if let Some(mime_type) = &resource.mime_type {
        out = out.with_mime_type(mime_type.to_string());
    }
    if let Some(meta) = &resource.app {
        out = out.with_meta(model::MetaObject((**meta).clone()));
    }
    out
}

pub(super) fn resource_template(resource: &Resource) -> model::ResourceTemplate {
    let mut out = model::ResourceTemplate::new(resource.uri.to_string(), resource.name.to_string());
    if let Some(title) = &resource.title {
        out = out.with_title(title.to_string());
    }
    if let Some(description) = &resource.description {
        out = out.with_description(description.to_string());
    }
    if let Some(mime_type) = &resource.mime_type {
        out = out.with_mime_type(mime_type.to_string());
    }
    if let Some(meta) = &resource.app {
        out = out.with_meta(model::MetaObject((**meta).clone()));
    }
    out
}

pub(super) fn prompt(prompt: &Prompt) -> model::Prompt {
    let arguments = prompt
        .arguments
        .iter()
        .map(|argument| {
            let mut out =
                model::PromptArgument::new(argument.name.clone()).with_required(argument.required);
            if let Some(description) = &argument.description {
                out = out.with_description(description.clone());
            }
            out
        })
        .collect::<Vec<_>>();
    let mut out = model::Prompt::new(
        prompt.name.to_string(),
        prompt.description.as_deref(),
        (!arguments.is_empty()).then_some(arguments),
    );
    if let Some(title) = &prompt.title {
        out = out.with_title(title.to_string());
    }
    out
}

pub(super) fn prompt_message(message: PromptMessage) -> model::PromptMessage {
    let role = match message.role {
        Role::User => model::Role::User,
        Role::Assistant => model::Role::Assistant,
    };
    model::PromptMessage::new(role, content(message.content))
}

pub(super) fn log_level(level: LoggingLevel) -> LogLevel {
    match level {
        LoggingLevel::Debug => LogLevel::Debug,
        LoggingLevel::Info => LogLevel::Info,
        LoggingLevel::Notice => LogLevel::Notice,
        LoggingLevel::Warning => LogLevel::Warning,
        LoggingLevel::Error => LogLevel::Error,
        LoggingLevel::Critical => LogLevel::Critical,
        LoggingLevel::Alert => LogLevel::Alert,
        LoggingLevel::Emergency => LogLevel::Emergency,
    }
}

/// A cache hint as the result fields that carry it.
pub(super) fn cache_hint(
    hint: crate::cache::CacheHint,
) -> (Option<u64>, Option<model::CacheScope>) {
    let scope = match hint.scope {
        crate::cache::CacheScope::Public => model::CacheScope::Public,
        crate::cache::CacheScope::Private => model::CacheScope::Private,
    };
    (Some(hint.ttl_ms), Some(scope))
}
