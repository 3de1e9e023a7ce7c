use mcp_kit::prelude::*;

async fn styles(_prefix: String) -> Vec<String> {
    Vec::new()
}

#[prompt(name = "", complete(style = styles), no_rate_limit)]
fn summary(text: String) -> String {
    text
}

fn main() {
    let _ = summary(String::new());
}
