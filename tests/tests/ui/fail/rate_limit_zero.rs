use mcp_kit::prelude::*;

#[tool(rate_limit(calls = 0, per = 60))]
async fn never() {}

#[tool(rate_limit(calls = 5, per = 60), no_rate_limit)]
async fn undecided() {}

fn main() {
    let _ = (never(), undecided());
}
