use mcp_kit::prelude::*;

#[tool(name = "has space")]
async fn spaced() {}

fn main() {
    // The function is still emitted: no "cannot find function" here.
    let _ = spaced();
}
