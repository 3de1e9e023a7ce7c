//! An MCP server that is its own OAuth authorization server (feature `oauth-server`): a
//! client such as Claude discovers it, the user signs in on its login page and allows the
//! client on its consent page, and the client calls the tools with the token it gets.
//!
//! `cargo run -p connector -- user create alice --permission mcp.change_connector_settings`
//! creates a user (password on standard input); `cargo run -p connector` serves on port 8810.

use mcp_kit::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

/// Who the server thinks you are.
#[derive(Debug, Serialize, JsonSchema)]
struct Identity {
    /// The user who allowed the client.
    subject: String,
    /// The scopes the client was given.
    scopes: Vec<String>,
    /// The client acting for the user.
    client_id: Option<String>,
}

/// Who you are, as the server sees it.
#[tool(annotations(read_only), permission = IsAuthenticated)]
async fn whoami(principal: Principal) -> Json<Identity> {
    let client_id = principal
        .claims
        .get("client_id")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    Json(Identity {
        subject: principal.subject,
        scopes: principal.scopes.into_iter().collect(),
        client_id,
    })
}

fn main() -> Result<(), mcp_kit::Error> {
    mcp_kit::Server::builder()
        .info(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
        .config_file(concat!(env!("CARGO_MANIFEST_DIR"), "/mcp-kit.toml"))
        .run()
}
