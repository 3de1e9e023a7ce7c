use mcp_kit::prelude::*;

/// Runs as a task; `task` takes "optional" or "required".
#[tool(task = "sometimes")]
async fn report() -> String {
    String::new()
}

fn main() {}
