use mcp_kit::prelude::*;

#[tool]
async fn borrowed(text: &str) -> String {
    text.to_owned()
}

fn main() {
    let _ = borrowed("text");
}
