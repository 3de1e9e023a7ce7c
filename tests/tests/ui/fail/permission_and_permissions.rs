use mcp_kit::prelude::*;

#[tool(permission = IsAuthenticated, permissions(HasScope("a")))]
async fn both() {}

fn main() {
    let _ = both();
}
