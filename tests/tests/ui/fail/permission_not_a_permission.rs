use mcp_kit::prelude::*;

#[tool(permission = "admins only")]
async fn quoted() {}

#[tool(permissions(IsAuthenticated, 42))]
async fn numbered() {}

fn main() {
    let _ = (quoted(), numbered());
}
