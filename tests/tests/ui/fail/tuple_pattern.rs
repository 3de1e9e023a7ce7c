use mcp_kit::prelude::*;

#[tool]
async fn sum((a, b): (i64, i64)) -> i64 {
    a + b
}

fn main() {
    let _ = sum((1, 2));
}
