use mcp_kit::prelude::*;

#[tool(nmae = "x")]
async fn misspelled() {}

fn main() {
    let _ = misspelled();
}
