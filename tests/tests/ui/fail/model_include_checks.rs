use mcp_kit::model::Scope;
use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(table = "authors", fields(id, name))]
struct Author {
    id: i64,
    name: String,
    secret: String,
}

#[derive(ModelToolset)]
#[toolset(table = "shelf", scope = own_rows)]
struct ShelfItem {
    id: i64,
    owner: String,
}

fn own_rows(principal: Option<&Principal>) -> Scope {
    principal.map_or_else(Scope::none, |p| Scope::all().eq("owner", p.subject.clone()))
}

#[derive(ModelToolset)]
#[toolset(table = "books", filter(author__secret, author__name))]
struct Book {
    id: i64,
    // A title is not an author's key.
    #[toolset(include(author = Author))]
    title: String,
    #[toolset(include(shelf_item = ShelfItem))]
    shelf_item_id: i64,
}

fn main() {}
