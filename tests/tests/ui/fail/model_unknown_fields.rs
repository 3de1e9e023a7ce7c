use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(
    table = "books",
    fields(id, title, colour),
    read_only_fields(created),
    filter(year, author),
    order(titel),
    search(summary)
)]
struct Book {
    id: i64,
    title: String,
    year: i32,
}

fn main() {}
