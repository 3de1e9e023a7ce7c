use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(table = "books", actions(list, upsert, list))]
struct Book {
    id: i64,
}

fn main() {}

#[derive(ModelToolset)]
#[toolset(table = "logs", actions(list, update), read_only_fields(line))]
struct Log {
    id: i64,
    line: String,
}
