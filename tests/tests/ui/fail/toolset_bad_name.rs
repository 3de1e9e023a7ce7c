use mcp_kit::prelude::*;

struct Service;

#[toolset(prefix = "my service")]
impl Service {
    /// Pings.
    pub fn ping(&self, target: std::fs::File) -> &'static str {
        let _ = target;
        "pong"
    }
}

fn main() {}
