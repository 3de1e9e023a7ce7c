//! One replica of a server with a write tool, for tests that run several side by side.

use mcp_kit::prelude::*;

/// Not read-only, so the server's write rate limit applies.
#[tool]
async fn stamp(caller: Principal) -> String {
    format!("stamped for {}", caller.subject)
}

/// Read-only: never counted.
#[tool(annotations(read_only))]
async fn peek() -> &'static str {
    "peeked"
}

fn main() -> Result<(), mcp_kit::Error> {
    mcp_kit::run!()
}
