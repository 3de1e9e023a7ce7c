use mcp_kit::prelude::*;
use mcp_kit::TaskSupport;

/// Builds a report; a task when the client supports tasks.
#[tool(task = "optional")]
async fn report(pages: u32) -> String {
    format!("{pages} pages")
}

struct Imports;

#[toolset(prefix = "imports")]
impl Imports {
    /// Imports a file, always as a task.
    #[tool(task = "required", annotations(destructive = false))]
    pub async fn run(&self, file: String) -> String {
        file
    }
}

fn main() {
    let registry = mcp_kit::Registry::build([]).unwrap();
    assert_eq!(registry.tool("report").unwrap().get_task(), TaskSupport::Optional);
    assert_eq!(registry.tool("imports_run").unwrap().get_task(), TaskSupport::Required);
    let hand = Tool::new("plain", |_: serde_json::Map<String, serde_json::Value>| async { "" });
    assert_eq!(hand.get_task(), TaskSupport::Forbidden);
    assert_eq!(hand.task(TaskSupport::Required).get_task(), TaskSupport::Required);
}
