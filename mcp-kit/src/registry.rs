//! The link-time registry: every `#[tool]`, `#[resource]` and `#[prompt]` in the binary, found
//! without a registration list.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;

use linkme::distributed_slice;
use serde_json::Value;

use crate::app::APP_SCHEME;
use crate::prompt::{Prompt, PromptDef};
use crate::resource::{Resource, ResourceDef};
use crate::tool::{Tool, ToolDef};

/// Every tool defined with `#[tool]` in any crate linked into the binary.
#[doc(hidden)]
#[distributed_slice]
pub static TOOLS: [ToolDef];

/// Every resource defined with `#[resource]`.
#[doc(hidden)]
#[distributed_slice]
pub static RESOURCES: [ResourceDef];

/// Every prompt defined with `#[prompt]`.
#[doc(hidden)]
#[distributed_slice]
pub static PROMPTS: [PromptDef];

/// What a server serves, built once at start-up: sorted, indexed, schemas cached.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    tools: Vec<Tool>,
    index: HashMap<String, usize>,
    /// Fixed resources first (by URI), then templates (by URI), so exact URIs win.
    resources: Vec<Resource>,
    prompts: Vec<Prompt>,
    prompt_index: HashMap<String, usize>,
}

/// Items registered by hand, beside or instead of the linked ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Items {
    pub(crate) tools: Vec<Tool>,
    pub(crate) resources: Vec<Resource>,
    pub(crate) prompts: Vec<Prompt>,
}

impl Items {
    /// The linked items plus `extra`, or only `extra` when `linked` is false.
    pub(crate) fn assemble(extra: Items, linked: bool) -> Result<Self, RegistryError> {
        if !linked {
            return Ok(extra);
        }
        let mut items = Items {
            tools: TOOLS.iter().map(Tool::from_def).collect(),
            resources: RESOURCES
                .iter()
                .map(|def| {
                    Resource::from_def(def).map_err(|e| RegistryError::InvalidTemplate {
                        message: e.0,
                        location: def.location.to_string(),
                    })
                })
                .collect::<Result<_, _>>()?,
            prompts: PROMPTS.iter().map(Prompt::from_def).collect(),
        };
        items.extend(extra);
        Ok(items)
    }

    pub(crate) fn extend(&mut self, more: Items) {
        self.tools.extend(more.tools);
        self.resources.extend(more.resources);
        self.prompts.extend(more.prompts);
    }
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
    /// Two resources share a URI, or two prompts a name.
    DuplicateItem {
        what: &'static str,
        key: String,
        first: String,
        second: String,
    },
    /// A resource's URI template does not parse.
    InvalidTemplate { message: String, location: String },
    /// An app resource's URI is not a fixed `ui://` URI.
    InvalidApp { uri: String, location: String },
    /// A tool's `ui` names no app resource.
    UnknownApp {
        tool: String,
        uri: String,
        location: String,
    },
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
                "invalid tool name `{name}` at {location}: use 1 to 128 characters of A-Z a-z 0-9 _ - ."
            ),
            Self::OutputNotObject { name, location } => write!(
                f,
                "tool `{name}` at {location} returns Json<T> whose schema is not an object; \
                 structured content must be a JSON object"
            ),
            Self::DuplicateItem {
                what,
                key,
                first,
                second,
            } => write!(f, "two {what} `{key}`: one at {first}, one at {second}"),
            Self::InvalidTemplate { message, location } => {
                write!(f, "resource at {location}: {message}")
            }
            Self::InvalidApp { uri, location } => write!(
                f,
                "app resource `{uri}` at {location}: an app's URI is a fixed `ui://` URI, with no template variables"
            ),
            Self::UnknownApp {
                tool,
                uri,
                location,
            } => write!(
                f,
                "tool `{tool}` at {location} shows its results in `{uri}`, but no app resource has that URI: \
                 add `#[resource(\"{uri}\", app)]`"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

impl Registry {
    /// The items found in the link-time registry plus `extra`, hand-registered tools.
    pub fn build(extra: impl IntoIterator<Item = Tool>) -> Result<Self, RegistryError> {
        let extra = Items {
            tools: extra.into_iter().collect(),
            ..Items::default()
        };
        Self::assemble(extra, true)
    }

    /// Only the given tools, ignoring the link-time registry.
    pub fn from_tools(tools: impl IntoIterator<Item = Tool>) -> Result<Self, RegistryError> {
        Self::from_items(Items {
            tools: tools.into_iter().collect(),
            ..Items::default()
        })
    }

    /// The linked items plus `extra`, or only `extra` when `linked` is false.
    pub(crate) fn assemble(extra: Items, linked: bool) -> Result<Self, RegistryError> {
        Self::from_items(Items::assemble(extra, linked)?)
    }

    /// `items`, checked, sorted and indexed.
    pub(crate) fn from_items(items: Items) -> Result<Self, RegistryError> {
        let Items {
            mut tools,
            mut resources,
            mut prompts,
        } = items;
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
        resources.sort_by(|a, b| (a.is_template(), &a.uri).cmp(&(b.is_template(), &b.uri)));
        unique(&resources, "resources at", |r| &r.uri, |r| r.location)?;
        check_apps(&tools, &resources)?;
        prompts.sort_by(|a, b| a.name.cmp(&b.name));
        unique(&prompts, "prompts named", |p| &p.name, |p| p.location)?;
        let prompt_index = prompts
            .iter()
            .enumerate()
            .map(|(i, prompt)| (prompt.name.to_string(), i))
            .collect();
        Ok(Self {
            tools,
            index,
            resources,
            prompts,
            prompt_index,
        })
    }

    /// All resources and templates: fixed URIs first, then templates, each sorted by URI.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// All prompts, sorted by name.
    pub fn prompts(&self) -> &[Prompt] {
        &self.prompts
    }

    /// The prompt named `name`.
    pub fn prompt(&self, name: &str) -> Option<&Prompt> {
        self.prompt_index.get(name).map(|&i| &self.prompts[i])
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

/// A value made from one snapshot of the registry (the tools in wire form, a cached page),
/// made again for the next snapshot once a mounted server's lists replace it.
pub(crate) struct Derived<T> {
    made: ArcSwap<Made<T>>,
}

pub(crate) struct Made<T> {
    registry: Arc<Registry>,
    pub(crate) value: T,
}

impl<T> Derived<T> {
    pub(crate) fn new(registry: Arc<Registry>, make: impl FnOnce(&Registry) -> T) -> Self {
        let value = make(&registry);
        Self {
            made: ArcSwap::from_pointee(Made { registry, value }),
        }
    }

    /// The value made from `now`: the one made already, or a new one by `make`. Two requests
    /// that see a new snapshot at once may both make it; the last one made is kept.
    pub(crate) fn get(
        &self,
        now: &Arc<Registry>,
        make: impl FnOnce(&Registry) -> T,
    ) -> Arc<Made<T>> {
        let made = self.made.load_full();
        if Arc::ptr_eq(&made.registry, now) {
            return made;
        }
        let made = Arc::new(Made {
            registry: now.clone(),
            value: make(now),
        });
        self.made.store(made.clone());
        made
    }
}

/// Every app resource is at a fixed `ui://` URI, and every tool's `ui` names one.
fn check_apps(tools: &[Tool], resources: &[Resource]) -> Result<(), RegistryError> {
    if let Some(app) = resources
        .iter()
        .find(|r| r.is_app() && (r.is_template() || !r.uri.starts_with(APP_SCHEME)))
    {
        return Err(RegistryError::InvalidApp {
            uri: app.uri.to_string(),
            location: app.location.to_string(),
        });
    }
    for tool in tools {
        let Some(uri) = tool.get_ui() else { continue };
        if !resources.iter().any(|r| r.is_app() && r.uri == uri) {
            return Err(RegistryError::UnknownApp {
                tool: tool.name.to_string(),
                uri: uri.to_owned(),
                location: tool.location.to_string(),
            });
        }
    }
    Ok(())
}

/// An error for the first two neighbours (in sorted `items`) that share a key.
fn unique<T>(
    items: &[T],
    what: &'static str,
    key: impl Fn(&T) -> &str,
    location: impl Fn(&T) -> crate::tool::Location,
) -> Result<(), RegistryError> {
    match items.windows(2).find(|pair| key(&pair[0]) == key(&pair[1])) {
        Some(pair) => Err(RegistryError::DuplicateItem {
            what,
            key: key(&pair[0]).to_owned(),
            first: location(&pair[0]).to_string(),
            second: location(&pair[1]).to_string(),
        }),
        None => Ok(()),
    }
}

// The protocol's rule for tool names, `pub const fn is_valid_name(&str) -> bool`. Its source
// lives in `mcp-kit-macros`, which checks `#[tool]` names by it while expanding.
mcp_kit_macros::__name_rule!();

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
