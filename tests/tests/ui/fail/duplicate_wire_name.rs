use mcp_kit::prelude::*;

#[tool]
async fn pair(first: String, #[arg(rename = "first")] second: String) -> String {
    first + &second
}

fn main() {
    let _ = pair(String::new(), String::new());
}
