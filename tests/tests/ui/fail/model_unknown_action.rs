use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(table = "books", actions(list, upsert, list))]
struct Book {
    id: i64,
}

fn main() {}
