use mcp_kit::prelude::*;

fn two_flags(_a: &bool, _b: &bool) -> bool {
    true
}

#[tool(enabled = two_flags)]
async fn gated() -> &'static str {
    "x"
}

fn main() {
    let _ = gated();
}
