//! A server whose only items are another server's, mounted under `up`: the front of
//! benches/mount.sh. Settings come from `MCP_KIT_*` variables (`MCP_KIT_PORT`, …).
//!
//!   MCP_KIT_UPSTREAM=http://127.0.0.1:18820/mcp mount_front

use mcp_kit::Server;
use mcp_kit::mount::Upstream;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("MCP_KIT_UPSTREAM").map_err(|_| "set MCP_KIT_UPSTREAM")?;
    let mount = Upstream::http(url).mount("up").await?;
    let server = Server::builder()
        .info("mount_front", env!("CARGO_PKG_VERSION"))
        .without_linked_tools()
        .mount(mount)
        .build()?;
    server.serve().await?;
    Ok(())
}
