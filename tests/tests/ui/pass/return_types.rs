use mcp_kit::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Serialize, JsonSchema)]
struct Sum {
    total: i64,
}

#[tool]
async fn string() -> String {
    String::new()
}

#[tool]
fn static_str() -> &'static str {
    "text"
}

#[tool]
async fn integer() -> i64 {
    1
}

#[tool]
fn float() -> f64 {
    1.5
}

#[tool]
async fn boolean() -> bool {
    true
}

#[tool]
fn unit() {}

#[tool]
async fn explicit_unit() -> () {}

#[tool]
fn content() -> Content {
    Content::text("text")
}

#[tool]
async fn contents() -> Vec<Content> {
    vec![Content::text("a"), Content::text("b")]
}

#[tool]
fn json() -> Json<Sum> {
    Json(Sum { total: 1 })
}

#[tool]
async fn tool_result() -> Result<Json<Sum>, ToolError> {
    Ok(Json(Sum { total: 1 }))
}

#[tool]
fn io_result() -> Result<String, std::io::Error> {
    std::fs::read_to_string("/nonexistent")
}

#[tool]
async fn output() -> mcp_kit::ToolOutput {
    mcp_kit::ToolOutput::default()
}

fn main() {
    let registry = mcp_kit::Registry::build([]).unwrap();
    assert_eq!(registry.tools().len(), 13);
    // Only `Json<T>` (also inside a `Result`) gives an output schema.
    let with_output: Vec<&str> = registry
        .tools()
        .iter()
        .filter(|tool| tool.output_schema().is_some())
        .map(Tool::name)
        .collect();
    assert_eq!(with_output, ["json", "tool_result"]);
}
