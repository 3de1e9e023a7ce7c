//! Every tool, resource and prompt the official MCP conformance suite calls, with the names
//! it uses: `cargo run -p everything -- serve --port 3001`, then point the suite at
//! `http://127.0.0.1:3001/mcp` (with `MCP_KIT_REQUIRE_AUTH=false`).

mod input_required;
mod prompts;
mod resources;
mod tasks;
mod tools;

fn main() -> Result<(), mcp_kit::Error> {
    let builder = mcp_kit::Server::builder();
    // The `test_trigger_*` tools announce list changes through it.
    let notifier = builder.notifier();
    builder
        .state(notifier)
        .info(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
        .config_file(concat!(env!("CARGO_MANIFEST_DIR"), "/mcp-kit.toml"))
        .tool(tools::json_schema_2020_12_tool())
        .run()
}

/// A 1×1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

fn png() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(PNG)
        .expect("the PNG constant is base64")
}
