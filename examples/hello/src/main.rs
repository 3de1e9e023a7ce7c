//! The smallest useful mcp-kit server: `cargo run -p hello` serves it on port 8810, with the
//! demo tokens of `mcp-kit.toml` beside this crate.

use hello::Counter;

fn main() -> Result<(), mcp_kit::Error> {
    mcp_kit::Server::builder()
        .info(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
        .config_file(concat!(env!("CARGO_MANIFEST_DIR"), "/mcp-kit.toml"))
        .state(Counter::default())
        .run()
}
