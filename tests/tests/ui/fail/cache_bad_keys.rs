use mcp_kit::prelude::*;

/// A cache scope is public or private; a TTL is whole seconds.
#[tool(cache(ttl = 1.5, scope = "shared"))]
async fn cached() -> &'static str {
    "x"
}

fn main() {}
