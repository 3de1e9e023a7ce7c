use mcp_kit::prelude::*;

#[prompt]
async fn count(text: String) -> usize {
    text.len()
}

fn main() {
    let _ = count(String::new());
}
