use mcp_kit::prelude::*;

/// Runs on the async runtime.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Runs on the blocking pool.
#[tool]
fn reverse(text: String) -> String {
    text.chars().rev().collect()
}

/// The attribute by its full path, no prelude.
#[mcp_kit::tool]
pub fn ping() {}

/// `mut` bindings are plain names too.
#[tool]
async fn bump(mut count: u32) -> u32 {
    count += 1;
    count
}

fn main() {
    let registry = mcp_kit::Registry::build([]).unwrap();
    let names: Vec<&str> = registry.tools().iter().map(Tool::name).collect();
    assert_eq!(names, ["add", "bump", "ping", "reverse"]);
    // The functions stay callable as written.
    let _ = add(1, 2);
    assert_eq!(reverse("ab".into()), "ba");
    ping();
}
