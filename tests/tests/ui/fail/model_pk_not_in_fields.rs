use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(table = "people", fields(name))]
struct Person {
    id: i64,
    name: String,
}

fn main() {}
