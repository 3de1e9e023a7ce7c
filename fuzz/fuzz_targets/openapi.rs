//! OpenAPI documents, JSON or YAML, as `openapi_tools!` and `OpenApi` read them: any text is an
//! error or a set of tools, never a panic or a stack overflow, and every tool name it gives
//! is a valid one of at most 64 characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_kit_openapi::{Document, MAX_NAME, Select, translate};

fuzz_target!(|text: &str| {
    let Ok(document) = Document::parse(text) else {
        return;
    };
    let Ok(translation) = translate(&document, Some("api"), &Select::default()) else {
        return;
    };
    for (name, _) in &translation.operations {
        assert!(name.len() <= MAX_NAME, "{name}");
        assert!(mcp_kit::is_valid_name(name), "{name}");
    }
});
