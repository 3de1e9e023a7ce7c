use mcp_kit::prelude::*;

// The second toolset takes the first one's table, and so its default prefix.
#[derive(ModelToolset)]
#[toolset(table = "authors")]
#[toolset(actions(create), permission = HasScope("authors:write"))]
struct Author {
    id: i64,
    name: String,
}

#[derive(ModelToolset)]
#[toolset(table = "books", lookup = "title")]
#[toolset(prefix = "edit_books", lookup = "book id")]
struct Book {
    id: i64,
    title: String,
}

fn main() {}
