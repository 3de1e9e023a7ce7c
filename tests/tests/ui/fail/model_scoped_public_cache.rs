use mcp_kit::model::Scope;
use mcp_kit::prelude::*;

#[derive(ModelToolset)]
#[toolset(table = "shelf", scope = own_rows, cache(ttl = 60, scope = "public"))]
struct ShelfItem {
    id: i64,
    owner: String,
}

fn own_rows(principal: Option<&Principal>) -> Scope {
    match principal {
        Some(p) => Scope::all().eq("owner", p.subject.clone()),
        None => Scope::none(),
    }
}

fn main() {}
