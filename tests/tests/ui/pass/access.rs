use mcp_kit::permission::{Denied, Permission};
use mcp_kit::prelude::*;

/// A permission of the application's own.
struct Weekday;

impl Permission for Weekday {
    fn check(&self, _principal: Option<&Principal>) -> Result<(), Denied> {
        Ok(())
    }
}

fn feature_on() -> bool {
    true
}

#[tool(permission = IsAuthenticated & (HasScope("notes:write") | !HasPerm("notes.frozen")))]
async fn composed(caller: Principal) -> String {
    caller.subject
}

#[tool(permissions(IsAuthenticated, HasScope("admin"), Weekday), rate_limit(calls = 5, per = 60))]
async fn listed(caller: Option<Principal>, text: String) -> String {
    format!("{text} {}", caller.is_some())
}

#[tool(annotations(destructive), no_rate_limit, enabled = feature_on)]
fn unlimited(caller: std::option::Option<mcp_kit::Principal>) -> bool {
    caller.is_none()
}

fn main() {
    let registry = mcp_kit::Registry::build([]).unwrap();
    let listed = registry.tool("listed").unwrap().to_json();
    // Injected parameters are not arguments.
    let properties = listed["inputSchema"]["properties"].as_object().unwrap();
    assert_eq!(properties.keys().collect::<Vec<_>>(), ["text"]);
    assert!(registry.tool("composed").unwrap().to_json()["inputSchema"]["properties"].as_object().unwrap().is_empty());
    assert!(registry.tool("unlimited").is_some());
}
