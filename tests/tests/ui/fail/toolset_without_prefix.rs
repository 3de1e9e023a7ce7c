use mcp_kit::prelude::*;

struct Service;

#[toolset(permission = IsAuthenticated)]
impl Service {
    /// Pings.
    pub fn ping(&self) -> &'static str {
        "pong"
    }
}

fn main() {}
