use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(table = "events", actions(list, create))]
struct Event {
    name: String,
}

#[derive(ModelToolset)]
#[toolset(table = "people", pk = "email", actions(list, destroy))]
struct Person {
    id: i64,
}

fn main() {}
