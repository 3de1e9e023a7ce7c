use mcp_kit::prelude::*;

#[tool]
async fn greet(#[arg(descripton = "Who to greet")] name: String) -> String {
    name
}

fn main() {
    let _ = greet(String::new());
}
