use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(tabel = "books", page_size = 0)]
struct Book {
    id: i64,
}

#[derive(ModelToolset)]
#[toolset(table = "books", page_size = 100, max_page_size = 20, write_permissions(IsAuthenticated))]
struct Page {
    id: i64,
}

#[derive(ModelToolset)]
#[toolset(table = "rows")]
struct Row<T> {
    id: i64,
    #[toolset(skip)]
    value: T,
}

#[derive(ModelToolset)]
#[toolset(table = "kinds")]
enum Kind {
    A,
}

fn main() {}
