//! Names that could collide with the expansion's own.
use mcp_kit::prelude::*;

/// A raw identifier as a parameter: its wire name has no `r#`.
#[tool]
async fn kind(r#type: String, r#match: Option<bool>) -> String {
    format!("{} {:?}", r#type, r#match)
}

/// A raw identifier as the function: the tool is named without `r#`.
#[tool]
fn r#loop() {}

/// A parameter named like its function.
#[tool]
async fn echo(echo: String) -> String {
    echo
}

/// Parameters named like the expansion's locals.
#[tool]
fn locals(call: i64, params: i64, schema: i64, generator: i64, error: i64) -> i64 {
    call + params + schema + generator + error
}

/// A function named like the expansion's call argument.
#[tool]
async fn call(text: String) -> String {
    text
}

mod nested {
    use mcp_kit::prelude::*;

    /// Same function name as another tool, in another module, under another tool name.
    #[tool(name = "nested.echo")]
    pub async fn echo(text: String) -> String {
        text
    }
}

fn main() {
    let registry = mcp_kit::Registry::build([]).unwrap();
    let names: Vec<&str> = registry.tools().iter().map(Tool::name).collect();
    assert_eq!(names, ["call", "echo", "kind", "locals", "loop", "nested.echo"]);
    let tool = registry.tool("kind").unwrap().to_json();
    let properties = tool["inputSchema"]["properties"].as_object().unwrap();
    let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["match", "type"]);
    let _ = nested::echo(String::new());
}
