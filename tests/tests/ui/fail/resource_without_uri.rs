use mcp_kit::prelude::*;

#[resource(name = "readme")]
fn readme() -> &'static str {
    "hi"
}

fn main() {
    let _ = readme();
}
