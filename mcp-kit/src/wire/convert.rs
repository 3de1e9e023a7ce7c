//! Our content and results as rmcp's model types.

use rmcp::model::{self, CallToolResult, ContentBlock};

use crate::content::{Content, ResourceBody, ResourceContents, ResourceLink};
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
    out
}

pub(super) fn call_result(output: ToolOutput) -> CallToolResult {
    let content = output.content.into_iter().map(content).collect();
    let mut result = if output.is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    result.structured_content = output.structured;
    result
}

fn content(content: Content) -> ContentBlock {
    match content {
        Content::Text(text) => ContentBlock::text(text),
        Content::Image { data, mime_type } => ContentBlock::image(data, mime_type),
        Content::Audio { data, mime_type } => ContentBlock::audio(data, mime_type),
        Content::Resource(contents) => ContentBlock::resource(resource_contents(contents)),
        Content::ResourceLink(link) => ContentBlock::resource_link(resource_link(link)),
    }
}

fn resource_contents(contents: ResourceContents) -> model::ResourceContents {
    let out = match contents.body {
        ResourceBody::Text(text) => model::ResourceContents::text(text, contents.uri),
        ResourceBody::Blob(blob) => model::ResourceContents::blob(blob, contents.uri),
    };
    match contents.mime_type {
        Some(mime_type) => out.with_mime_type(mime_type),
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
