use mcp_kit::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Search {
    query: String,
}

#[tool]
async fn search(args: Args<Search>, limit: u32) -> String {
    format!("{} {limit}", args.query)
}

fn main() {
    let _ = search(Args(Search { query: String::new() }), 1);
}
