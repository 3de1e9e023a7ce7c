use mcp_kit::prelude::*;

#[tool]
async fn generic<T>(x: T) -> String {
    let _ = x;
    String::new()
}

fn main() {
    let _ = generic(1);
}
