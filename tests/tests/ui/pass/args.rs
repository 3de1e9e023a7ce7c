use mcp_kit::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Search {
    /// What to look for.
    query: String,
    limit: Option<u32>,
}

#[tool]
async fn search(args: Args<Search>) -> String {
    let Args(search) = args;
    search.query
}

#[tool]
fn search_with(context: Context, args: Args<Search>, state: State<u8>) -> String {
    let _ = (context, state);
    format!("{} {:?}", args.query, args.limit)
}

fn main() {
    let registry = mcp_kit::Registry::build([]).unwrap();
    let tool = registry.tool("search_with").unwrap().to_json();
    // The struct's schema is the input schema.
    assert_eq!(tool["inputSchema"]["type"], "object");
    assert_eq!(tool["inputSchema"]["required"][0], "query");
    assert!(tool["inputSchema"]["properties"]["limit"].is_object());
}
