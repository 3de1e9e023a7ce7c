use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(
    table = "authors",
    fields(id, name, country, born),
    order(country),
    search(born),
    filter(secret)
)]
struct Author {
    id: i64,
    name: String,
    country: Option<String>,
    born: i32,
    secret: String,
    #[toolset(skip)]
    photo: Vec<u8>,
}

#[derive(ModelToolset)]
#[toolset(table = "tags", order(photo))]
struct Tag {
    id: Option<i64>,
    #[toolset(skip)]
    photo: Vec<u8>,
}

fn main() {}
