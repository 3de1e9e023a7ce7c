use mcp_kit::prelude::*;

#[tool(annotations(read_only, idempotnet))]
async fn misspelled() {}

fn main() {
    let _ = misspelled();
}
