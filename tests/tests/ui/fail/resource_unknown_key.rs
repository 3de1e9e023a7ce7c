use mcp_kit::prelude::*;

#[resource("notes://readme", mime_type = "text/markdown")]
fn readme() -> &'static str {
    "# Notes"
}

fn main() {
    let _ = readme();
}
