use mcp_kit::prelude::*;

#[resource("search://{?query}")]
fn search(query: String) -> String {
    query
}

#[resource("pair://{a}{b}")]
fn pair(a: String, b: String) -> String {
    a + &b
}

#[resource("open://{id")]
fn open(id: String) -> String {
    id
}

fn main() {
    let _ = (search(String::new()), pair(String::new(), String::new()), open(String::new()));
}
