//! The link-time registry: every `#[tool]` in the binary, found without a registration list.

use std::collections::HashMap;
use std::fmt;

use linkme::distributed_slice;
use serde_json::Value;

use crate::tool::{Tool, ToolDef};

/// Every tool defined with `#[tool]` in any crate linked into the binary.
#[doc(hidden)]
#[distributed_slice]
pub static TOOLS: [ToolDef];

/// The tools a server serves, built once at start-up: sorted by name, indexed, schemas cached.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    tools: Vec<Tool>,
    index: HashMap<String, usize>,
}

/// Why the registry could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryError {
    /// Two tools share a name.
    Duplicate {
        name: String,
        first: String,
        second: String,
    },
    /// A tool's name breaks the naming rule.
    InvalidName { name: String, location: String },
    /// A tool's output schema does not describe a JSON object.
    OutputNotObject { name: String, location: String },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Duplicate {
                name,
                first,
                second,
            } => {
                write!(
                    f,
                    "two tools are named `{name}`: one at {first}, one at {second}"
                )
            }
            Self::InvalidName { name, location } => write!(
                f,
                "tool name `{name}` at {location} is invalid: use 1 to 128 of A-Z a-z 0-9 _ - ."
            ),
            Self::OutputNotObject { name, location } => write!(
                f,
                "tool `{name}` at {location} returns Json<T> whose schema is not an object; \
                 structured content must be a JSON object"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

impl Registry {
    /// The tools found in the link-time registry plus `extra`, hand-registered ones.
    pub fn build(extra: impl IntoIterator<Item = Tool>) -> Result<Self, RegistryError> {
        Self::from_tools(TOOLS.iter().map(Tool::from_def).chain(extra))
    }

    /// Only the given tools, ignoring the link-time registry.
    pub fn from_tools(tools: impl IntoIterator<Item = Tool>) -> Result<Self, RegistryError> {
        let mut tools: Vec<Tool> = tools.into_iter().collect();
        tools.sort_by(|a, b| a.name.cmp(&b.name));
        for pair in tools.windows(2) {
            if pair[0].name == pair[1].name {
                return Err(RegistryError::Duplicate {
                    name: pair[0].name.to_string(),
                    first: pair[0].location.to_string(),
                    second: pair[1].location.to_string(),
                });
            }
        }
        for tool in &tools {
            if !is_valid_name(&tool.name) {
                return Err(RegistryError::InvalidName {
                    name: tool.name.to_string(),
                    location: tool.location.to_string(),
                });
            }
            if let Some(schema) = &tool.output_schema
                && schema.get("type") != Some(&Value::from("object"))
            {
                return Err(RegistryError::OutputNotObject {
                    name: tool.name.to_string(),
                    location: tool.location.to_string(),
                });
            }
        }
        let index = tools
            .iter()
            .enumerate()
            .map(|(i, tool)| (tool.name.to_string(), i))
            .collect();
        Ok(Self { tools, index })
    }

    /// All tools, sorted by name.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    /// The tool named `name`.
    pub fn tool(&self, name: &str) -> Option<&Tool> {
        self.index.get(name).map(|&i| &self.tools[i])
    }
}

/// The protocol's rule for tool names: `^[A-Za-z0-9._-]{1,128}$`.
pub fn is_valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &'static str) -> Tool {
        Tool::new(name, |_: serde_json::Map<String, Value>| async {})
    }

    #[test]
    fn tools_are_sorted_and_indexed() {
        let registry = Registry::from_tools([tool("b"), tool("a"), tool("c")]).unwrap();
        let names: Vec<&str> = registry.tools().iter().map(Tool::name).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(registry.tool("c").unwrap().name(), "c");
        assert!(registry.tool("d").is_none());
    }

    #[test]
    fn duplicates_name_both_locations() {
        let error = Registry::from_tools([tool("a"), tool("a")]).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("two tools are named `a`: one at "),
            "{message}"
        );
        assert_eq!(message.matches("registry.rs").count(), 2, "{message}");
    }

    #[test]
    fn names_follow_the_protocol_rule() {
        assert!(is_valid_name("a.b-c_D9"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("has space"));
        assert!(!is_valid_name(&"x".repeat(129)));
        assert!(Registry::from_tools([tool("bad name")]).is_err());
    }
}
