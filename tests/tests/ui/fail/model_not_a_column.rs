use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(table = "books")]
struct Book {
    id: i64,
    tags: Vec<String>,
    price: u64,
}

fn main() {}
