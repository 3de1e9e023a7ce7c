use mcp_kit::prelude::*;

#[tool]
async fn text() -> impl std::fmt::Display {
    "text"
}

fn main() {
    let _ = text();
}
