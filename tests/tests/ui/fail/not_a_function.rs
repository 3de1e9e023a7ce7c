use mcp_kit::prelude::*;

#[tool]
struct NotAFunction {
    field: i64,
}

fn main() {
    let _ = NotAFunction { field: 1 }.field;
}
