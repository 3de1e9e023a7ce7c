//! MCP Apps (the `io.modelcontextprotocol/ui` extension): an HTML view a host renders for a
//! tool's results, and what the view may reach.

use serde_json::{Map, Value, json};

/// The extension's identifier, in capabilities.
pub const APP_EXTENSION: &str = "io.modelcontextprotocol/ui";

/// The media type of an app's HTML.
pub const APP_MIME_TYPE: &str = "text/html;profile=mcp-app";

/// The URI scheme every app resource uses.
pub const APP_SCHEME: &str = "ui://";

/// Who may call a tool, as MCP Apps hosts read it (`_meta.ui.visibility`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Visibility {
    /// The model, and the app's views: the default.
    #[default]
    ModelAndApp,
    /// The model only: a view cannot call it.
    Model,
    /// The app's views only: hosts keep it out of the model's tools, for a tool that only
    /// a view calls (to refresh or page what it shows).
    App,
}

impl Visibility {
    /// The extension's list, or `None` for the default it need not name.
    fn names(self) -> Option<&'static [&'static str]> {
        match self {
            Self::ModelAndApp => None,
            Self::Model => Some(&["model"]),
            Self::App => Some(&["app"]),
        }
    }
}

/// A tool's place in MCP Apps, as `#[tool(ui = "ui://…", visibility = "app")]` writes it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ToolUi {
    /// The `ui://` resource whose view renders its results.
    pub view: Option<&'static str>,
    pub visibility: Visibility,
}

impl ToolUi {
    /// No view, callable by the model and views alike.
    pub const NONE: Self = Self {
        view: None,
        visibility: Visibility::ModelAndApp,
    };
}

/// What an app's view may reach, as `#[resource(…, app(…))]` writes it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct AppDef {
    pub connect_domains: &'static [&'static str],
    pub resource_domains: &'static [&'static str],
    pub frame_domains: &'static [&'static str],
    pub base_uri_domains: &'static [&'static str],
    /// Browser features asked for: `camera`, `microphone`, `geolocation`, `clipboard_write`.
    pub permissions: &'static [&'static str],
    pub domain: Option<&'static str>,
    pub prefers_border: Option<bool>,
}

impl AppDef {
    /// A view that reaches nothing outside itself, the host's border left to the host.
    pub const NONE: Self = Self {
        connect_domains: &[],
        resource_domains: &[],
        frame_domains: &[],
        base_uri_domains: &[],
        permissions: &[],
        domain: None,
        prefers_border: None,
    };
}

/// An app resource's settings, for hand registration ([`Resource::app`](crate::Resource::app)):
/// the origins its view may reach (the host's Content-Security-Policy), the browser features
/// it asks for, and how it is framed. By default it reaches nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct App {
    connect_domains: Vec<String>,
    resource_domains: Vec<String>,
    frame_domains: Vec<String>,
    base_uri_domains: Vec<String>,
    permissions: Vec<String>,
    domain: Option<String>,
    prefers_border: Option<bool>,
}

fn strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

impl App {
    /// A view that reaches nothing outside itself.
    pub fn new() -> Self {
        Self::default()
    }

    /// Origins it may `fetch` or open sockets to (`connect-src`).
    pub fn connect_domains<S: Into<String>>(
        mut self,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        self.connect_domains = strings(origins);
        self
    }

    /// Origins it may load scripts, styles, images, fonts and media from.
    pub fn resource_domains<S: Into<String>>(
        mut self,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        self.resource_domains = strings(origins);
        self
    }

    /// Origins it may frame (`frame-src`).
    pub fn frame_domains<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.frame_domains = strings(origins);
        self
    }

    /// Base URIs it may set (`base-uri`).
    pub fn base_uri_domains<S: Into<String>>(
        mut self,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        self.base_uri_domains = strings(origins);
        self
    }

    /// Browser features it asks for: `camera`, `microphone`, `geolocation`, `clipboard_write`.
    pub fn permissions<S: Into<String>>(mut self, features: impl IntoIterator<Item = S>) -> Self {
        self.permissions = strings(features);
        self
    }

    /// A dedicated origin for the view, in the host's format.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Whether the host should draw a border and background around it.
    pub fn prefers_border(mut self, border: bool) -> Self {
        self.prefers_border = Some(border);
        self
    }

    pub(crate) fn from_def(def: &AppDef) -> Self {
        Self {
            connect_domains: strings(def.connect_domains.iter().copied()),
            resource_domains: strings(def.resource_domains.iter().copied()),
            frame_domains: strings(def.frame_domains.iter().copied()),
            base_uri_domains: strings(def.base_uri_domains.iter().copied()),
            permissions: strings(def.permissions.iter().copied()),
            domain: def.domain.map(Into::into),
            prefers_border: def.prefers_border,
        }
    }

    /// The `_meta` of the resource and its contents: `{"ui": {"csp": …, "permissions": …}}`.
    pub(crate) fn meta(&self) -> Map<String, Value> {
        let mut csp = Map::new();
        for (key, origins) in [
            ("connectDomains", &self.connect_domains),
            ("resourceDomains", &self.resource_domains),
            ("frameDomains", &self.frame_domains),
            ("baseUriDomains", &self.base_uri_domains),
        ] {
            if !origins.is_empty() {
                csp.insert(key.into(), json!(origins));
            }
        }
        let mut ui = Map::new();
        if !csp.is_empty() {
            ui.insert("csp".into(), Value::Object(csp));
        }
        if !self.permissions.is_empty() {
            let features: Map<String, Value> = self
                .permissions
                .iter()
                .map(|feature| (permission_key(feature), json!({})))
                .collect();
            ui.insert("permissions".into(), Value::Object(features));
        }
        if let Some(domain) = &self.domain {
            ui.insert("domain".into(), domain.as_str().into());
        }
        if let Some(border) = self.prefers_border {
            ui.insert("prefersBorder".into(), border.into());
        }
        Map::from_iter([("ui".to_owned(), Value::Object(ui))])
    }
}

/// `clipboard_write` as the extension spells it, `clipboardWrite`.
fn permission_key(feature: &str) -> String {
    match feature {
        "clipboard_write" => "clipboardWrite".to_owned(),
        other => other.to_owned(),
    }
}

/// The `_meta` of a tool whose results `view` renders and that `visibility` may call; `None`
/// when it says nothing the defaults do not.
pub(crate) fn tool_meta(view: Option<&str>, visibility: Visibility) -> Option<Map<String, Value>> {
    let names = visibility.names();
    if view.is_none() && names.is_none() {
        return None;
    }
    let mut ui = Map::new();
    if let Some(view) = view {
        ui.insert("resourceUri".to_owned(), json!(view));
    }
    if let Some(names) = names {
        ui.insert("visibility".to_owned(), json!(names));
    }
    Some(Map::from_iter([("ui".to_owned(), Value::Object(ui))]))
}
