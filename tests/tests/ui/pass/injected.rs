use mcp_kit::prelude::*;

struct Db {
    url: String,
}

#[tool]
async fn first(context: Context, name: String) -> String {
    let _ = context;
    name
}

#[tool]
async fn last(name: String, db: State<Db>) -> String {
    format!("{name}@{}", db.url)
}

#[tool]
fn middle(a: i64, db: State<Db>, b: i64, context: Context) -> String {
    let _ = context;
    format!("{}{}", a + b, db.url)
}

#[tool]
async fn only_injected(context: Context, db: State<Db>) {
    let _ = (context, db);
}

fn main() {
    let registry = mcp_kit::Registry::build([]).unwrap();
    // Injected parameters are not arguments.
    let middle = registry.tool("middle").unwrap().to_json();
    let properties = middle["inputSchema"]["properties"].as_object().unwrap();
    let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["a", "b"]);
    let only = registry.tool("only_injected").unwrap().to_json();
    assert!(only["inputSchema"]["properties"].as_object().unwrap().is_empty());
}
