use mcp_kit::prelude::*;

/// Delete nothing, carefully.
///
/// Second paragraph.
#[tool(annotations(read_only, destructive = false, idempotent, open_world))]
async fn all_hints() {}

/// Ignored: `description` wins over the doc comment.
#[tool(
    name = "renamed.tool-v2",
    title = "A Title",
    description = "Explicit description.",
    annotations(read_only = false)
)]
fn original_name() {}

#[tool]
async fn undocumented() {}

fn main() {
    let registry = mcp_kit::Registry::build([]).unwrap();

    let tool = registry.tool("all_hints").unwrap().to_json();
    assert_eq!(
        tool["description"],
        "Delete nothing, carefully.\n\nSecond paragraph."
    );
    let hints = &tool["annotations"];
    assert_eq!(hints["readOnlyHint"], true);
    assert_eq!(hints["destructiveHint"], false);
    assert_eq!(hints["idempotentHint"], true);
    assert_eq!(hints["openWorldHint"], true);

    let tool = registry.tool("renamed.tool-v2").unwrap().to_json();
    assert_eq!(tool["title"], "A Title");
    assert_eq!(tool["description"], "Explicit description.");
    assert_eq!(tool["annotations"]["readOnlyHint"], false);
    assert!(tool["annotations"].get("idempotentHint").is_none());
    assert!(registry.tool("original_name").is_none());

    let tool = registry.tool("undocumented").unwrap().to_json();
    assert!(tool.get("description").is_none());
    assert!(tool.get("annotations").is_none());
}
