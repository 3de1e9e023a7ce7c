use mcp_kit::prelude::*;

#[tool(name = "same")]
async fn one() {}

#[tool(name = "same")]
async fn two() {}

fn main() {
    let _ = (one(), two());
}
