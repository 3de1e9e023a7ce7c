use mcp_kit::model::Scope;
use mcp_kit::prelude::*;

/// A book.
#[derive(ModelToolset)]
#[toolset(
    table = "books",
    prefix = "book",
    pk = "isbn",
    actions(list, retrieve, create, update, partial_update, destroy),
    fields(isbn, title, year, rating, note, available),
    read_only_fields(rating),
    filter(year, rating, available, note),
    order(title, year),
    search(title, note),
    page_size = 10,
    max_page_size = 10,
    as_resource,
    scope = everything,
    permission = IsAuthenticated,
    write_permissions(HasScope("books:write"), HasPerm("shop.edit_book")),
    rate_limit(calls = 5, per = 60)
)]
struct Book {
    isbn: String,
    /// The title.
    title: String,
    #[toolset(description = "Year of publication.")]
    year: i16,
    rating: f32,
    #[toolset(default)]
    note: Option<String>,
    available: bool,
    owner: i64,
    #[toolset(skip)]
    cover: Vec<u8>,
}

fn everything(_: Option<&Principal>) -> Scope {
    Scope::all()
}

fn main() {
    let spec = Book::MODEL_SPEC;
    assert_eq!(spec.columns.len(), 7);
    assert_eq!(spec.pk, "isbn");
    let _ = Book { isbn: String::new(), title: String::new(), year: 0, rating: 0.0, note: None, available: true, owner: 0, cover: Vec::new() };
}
