use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(table = "authors")]
struct Author {
    id: i64,
    name: String,
}

#[derive(ModelToolset)]
#[toolset(table = "editions")]
struct Edition {
    id: i64,
    #[toolset(include(Author))]
    author_id: i64,
}

#[derive(ModelToolset)]
#[toolset(table = "books", filter(writer__name))]
struct Book {
    id: i64,
    #[toolset(include(title = Author))]
    author_id: i64,
    title: String,
}

#[derive(ModelToolset)]
#[toolset(table = "reviews", fields(id, text), filter(book__title))]
struct Review {
    id: i64,
    text: String,
    #[toolset(include(book = Book))]
    book_id: i64,
}

fn main() {}
