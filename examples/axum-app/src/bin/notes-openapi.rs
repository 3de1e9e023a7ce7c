//! The notes REST API's operations as MCP tools, made from its OpenAPI document: no tool is
//! written by hand, and the document is checked when this compiles. Beside a running `axum-app`:
//! `cargo run -p axum-app --bin notes-openapi -- serve --port 8822`, with `NOTES_API_URL`
//! naming the API when it is not on http://127.0.0.1:8820.

use mcp_kit::{Server, openapi_tools};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut notes = openapi_tools!("../../openapi.json", prefix = "notes");
    if let Ok(url) = std::env::var("NOTES_API_URL") {
        notes = notes.base_url(url);
    }
    Server::builder()
        .info("notes-openapi", env!("CARGO_PKG_VERSION"))
        .config_file(concat!(env!("CARGO_MANIFEST_DIR"), "/mcp-kit.toml"))
        .without_linked_tools()
        .tools(notes.tools()?)
        .run()?;
    Ok(())
}
