use mcp_kit::prelude::*;

#[tool]
async fn show(x: impl std::fmt::Display) -> String {
    x.to_string()
}

fn main() {
    let _ = show(1);
}
