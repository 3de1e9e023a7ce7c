//! `echo` as a raw axum handler: the floor no MCP server can go below.

#[tokio::main]
async fn main() {
    let port = mcp_kit_benches::port_from_args();
    mcp_kit_benches::serve(mcp_kit_benches::raw_echo(), port).await;
}
