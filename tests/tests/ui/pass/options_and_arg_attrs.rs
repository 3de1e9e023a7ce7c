use mcp_kit::prelude::*;

#[tool]
async fn greet(
    #[arg(description = "Who to greet")] name: String,
    #[arg(rename = "loudly")] shout: Option<bool>,
    #[arg(description = "Times to repeat", rename = "times", default)] repeat: u32,
    suffix: Option<String>,
) -> String {
    let text = format!("hello {name}{}", suffix.unwrap_or_default());
    let text = if shout == Some(true) { text.to_uppercase() } else { text };
    text.repeat(repeat.max(1) as usize)
}

/// `Option` by any path.
#[tool]
fn qualified(a: std::option::Option<i64>, b: core::option::Option<i64>) -> i64 {
    a.unwrap_or(0) + b.unwrap_or(0)
}

fn main() {
    let registry = mcp_kit::Registry::build([]).unwrap();
    let tool = registry.tool("greet").unwrap().to_json();
    let schema = &tool["inputSchema"];
    let properties = schema["properties"].as_object().unwrap();
    let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["loudly", "name", "suffix", "times"]);
    assert_eq!(properties["name"]["description"], "Who to greet");
    assert_eq!(properties["times"]["description"], "Times to repeat");
    // Only the non-`Option` parameter is required.
    assert_eq!(schema["required"].as_array().unwrap().len(), 1);
    assert_eq!(schema["required"][0], "name");
    assert_eq!(schema["additionalProperties"], false);

    let tool = registry.tool("qualified").unwrap().to_json();
    assert!(tool["inputSchema"].get("required").is_none());
}
