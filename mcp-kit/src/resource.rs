//! Resources: the static form `#[resource]` emits, the runtime form the registry serves
//! (hand-registered ones too), and what a resource function may return.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::access::{Access, AccessDef};
use crate::app::{APP_MIME_TYPE, App, AppDef};
use crate::completion::{CompleteFn, Completer};
use crate::content::ResourceContents;
use crate::context::Context;
use crate::error::ToolError;
use crate::extract::{Call, InputDef, ParamDef, Prepared, prepared_async};
use crate::permission::Permission;
use crate::result::Json;
use crate::schema::{generator, schema_object};
use crate::tool::Location;
use crate::uri_template::{TemplateError, UriTemplate};

/// The signature of a generated read function.
#[doc(hidden)]
pub type ReadFn = fn(&mut Call) -> Prepared<ResourceOutput>;

type DynRead = dyn Fn(&mut Call) -> Prepared<ResourceOutput> + Send + Sync;

/// A resource as `#[resource]` defines it: a `static` in the link-time registry.
#[doc(hidden)]
#[derive(Debug)]
pub struct ResourceDef {
    pub uri: &'static str,
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    pub mime_type: Option<&'static str>,
    pub input: InputDef,
    pub read: ReadFn,
    pub completions: &'static [(&'static str, CompleteFn)],
    pub access: AccessDef,
    /// Set for an MCP Apps view: its HTML is served as `text/html;profile=mcp-app`.
    pub app: Option<AppDef>,
    pub location: Location,
}

/// A resource or resource template, ready to serve.
#[derive(Clone)]
pub struct Resource {
    pub(crate) uri: Cow<'static, str>,
    pub(crate) template: UriTemplate,
    pub(crate) name: Cow<'static, str>,
    pub(crate) title: Option<Cow<'static, str>>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) mime_type: Option<Cow<'static, str>>,
    pub(crate) input_schema: Arc<Map<String, Value>>,
    /// The parameters of a generated function, taken out of its calls by these names.
    pub(crate) params: &'static [ParamDef],
    pub(crate) completions: Vec<Completer>,
    pub(crate) access: Access,
    pub(crate) location: Location,
    /// An app's `_meta`, sent with the resource and its contents.
    pub(crate) app: Option<Arc<Map<String, Value>>>,
    read: Arc<DynRead>,
}

impl Resource {
    pub(crate) fn from_def(def: &'static ResourceDef) -> Result<Self, TemplateError> {
        Ok(Self {
            uri: Cow::Borrowed(def.uri),
            template: UriTemplate::parse(def.uri)?,
            name: Cow::Borrowed(def.name),
            title: def.title.map(Cow::Borrowed),
            description: def.description.map(Cow::Borrowed),
            mime_type: def
                .mime_type
                .or(def.app.map(|_| APP_MIME_TYPE))
                .map(Cow::Borrowed),
            input_schema: Arc::new(schema_object(def.input.schema(&mut generator()))),
            params: def.input.params(),
            completions: def
                .completions
                .iter()
                .map(|(argument, complete)| Completer::from_def(argument, *complete))
                .collect(),
            access: Access::from_def(&def.access),
            location: def.location,
            app: def.app.map(|app| Arc::new(App::from_def(&app).meta())),
            read: Arc::new(def.read),
        })
    }

    /// A resource at `uri` (a fixed URI, or a template like `notes://{id}`) named `name`.
    /// `read` receives the template's variables by name.
    ///
    /// Panics if `uri` is not a valid template: it is written in code, like a route.
    #[track_caller]
    pub fn new<R, Fut, F>(
        uri: impl Into<Cow<'static, str>>,
        name: impl Into<Cow<'static, str>>,
        read: F,
    ) -> Self
    where
        R: IntoResourceResult + 'static,
        Fut: Future<Output = R> + Send + 'static,
        F: Fn(Map<String, Value>) -> Fut + Send + Sync + 'static,
    {
        Self::new_with_context(uri, name, move |variables, _| read(variables))
    }

    /// Like [`new`](Self::new), with `read` also given the call's [`Context`]: to ask the
    /// client something, or log.
    #[track_caller]
    pub fn new_with_context<R, Fut, F>(
        uri: impl Into<Cow<'static, str>>,
        name: impl Into<Cow<'static, str>>,
        read: F,
    ) -> Self
    where
        R: IntoResourceResult + 'static,
        Fut: Future<Output = R> + Send + 'static,
        F: Fn(Map<String, Value>, Context) -> Fut + Send + Sync + 'static,
    {
        let uri = uri.into();
        let template = UriTemplate::parse(&uri).unwrap_or_else(|e| panic!("{e}"));
        let properties: Map<String, Value> = template
            .variables()
            .map(|v| (v.to_owned(), serde_json::json!({"type": "string"})))
            .collect();
        let caller = std::panic::Location::caller();
        Self {
            template,
            uri,
            name: name.into(),
            title: None,
            description: None,
            mime_type: None,
            params: &[],
            input_schema: Arc::new(Map::from_iter([
                ("type".to_owned(), "object".into()),
                ("properties".to_owned(), Value::Object(properties)),
            ])),
            completions: Vec::new(),
            access: Access::default(),
            location: Location {
                file: caller.file(),
                line: caller.line(),
                module: "<hand-registered>",
            },
            app: None,
            read: Arc::new(move |call: &mut Call| {
                let run = read(std::mem::take(&mut call.arguments), call.context.clone());
                prepared_async(run, R::into_resource_result)
            }),
        }
    }

    /// Sets the media type of its contents.
    pub fn mime_type(mut self, mime_type: impl Into<Cow<'static, str>>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Makes it an MCP Apps view: its HTML is served as `text/html;profile=mcp-app` with
    /// `app`'s settings, for tools linked to it with [`Tool::ui`](crate::Tool::ui). Its URI
    /// must be a fixed `ui://` URI (checked when the server is built).
    pub fn app(mut self, app: App) -> Self {
        self.mime_type = Some(Cow::Borrowed(APP_MIME_TYPE));
        self.app = Some(Arc::new(app.meta()));
        self
    }

    /// Whether it is an MCP Apps view.
    pub fn is_app(&self) -> bool {
        self.app.is_some()
    }

    /// Sets the human-readable title.
    pub fn title(mut self, title: impl Into<Cow<'static, str>>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Who may see and read this resource.
    pub fn permission(mut self, permission: impl Permission) -> Self {
        self.access.permission = Some(Arc::new(permission));
        self
    }

    /// Suggests values for the template variable `variable`.
    pub fn complete<F, Fut, I, S>(mut self, variable: &'static str, complete: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = I> + Send + 'static,
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.completions.push(Completer::new(variable, complete));
        self
    }

    /// The URI or URI template.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is a template (its URI has variables).
    pub fn is_template(&self) -> bool {
        self.template.is_template()
    }

    /// Where it was defined.
    pub fn location(&self) -> Location {
        self.location
    }

    /// The resource as it appears in `resources/list` (or, for a template,
    /// `resources/templates/list`).
    pub fn to_json(&self) -> Value {
        let mut value = Map::new();
        let key = if self.is_template() {
            "uriTemplate"
        } else {
            "uri"
        };
        value.insert(key.into(), self.uri().into());
        value.insert("name".into(), self.name().into());
        let optional = [
            ("title", &self.title),
            ("description", &self.description),
            ("mimeType", &self.mime_type),
        ];
        for (key, field) in optional {
            if let Some(text) = field {
                value.insert(key.into(), text.as_ref().into());
            }
        }
        if let Some(meta) = &self.app {
            value.insert("_meta".into(), Value::Object((**meta).clone()));
        }
        Value::Object(value)
    }

    /// Takes the call's parameters: the handler's first half.
    pub(crate) fn read(&self, call: &mut Call) -> Prepared<ResourceOutput> {
        (self.read)(call)
    }

    /// The contents `output` makes for `uri`, with this resource's media type.
    pub(crate) fn contents(&self, uri: &str, output: ResourceOutput) -> Vec<ResourceContents> {
        let mime = self.mime_type.as_deref();
        let with_mime = |mut contents: ResourceContents, default: &str| {
            contents.meta = self.app.as_deref().cloned();
            contents.mime_type(mime.unwrap_or(default).to_owned())
        };
        match output {
            ResourceOutput::Text(text) => {
                vec![with_mime(ResourceContents::text(uri, text), "text/plain")]
            }
            ResourceOutput::Bytes(bytes) => vec![with_mime(
                ResourceContents::blob(uri, bytes),
                "application/octet-stream",
            )],
            ResourceOutput::Json(value) => vec![with_mime(
                ResourceContents::text(uri, value.to_string()),
                "application/json",
            )],
            ResourceOutput::Contents(contents) => contents,
        }
    }
}

impl fmt::Debug for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource")
            .field("uri", &self.uri)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// What a resource function produced, before it is given its URI and media type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ResourceOutput {
    /// Text, sent as `text`.
    Text(String),
    /// Bytes, sent base64-encoded as `blob`.
    Bytes(Vec<u8>),
    /// JSON, sent as `text` with `application/json`.
    Json(Value),
    /// Contents made by hand, sent as they are.
    Contents(Vec<ResourceContents>),
}

/// Converts a resource function's return value into its contents.
///
/// Implemented for `String`, `&'static str`, `Vec<u8>`, [`Json<T>`], [`ResourceContents`],
/// `Vec<ResourceContents>` and `Result<T, E>` where `E: Into<ToolError>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource",
    label = "unsupported return type",
    note = "return a String, Vec<u8> (bytes), Json<T>, ResourceContents, Vec<ResourceContents> \
            or Result<_, ToolError>"
)]
pub trait IntoResourceResult {
    /// Performs the conversion.
    fn into_resource_result(self) -> Result<ResourceOutput, ToolError>;
}

impl IntoResourceResult for String {
    fn into_resource_result(self) -> Result<ResourceOutput, ToolError> {
        Ok(ResourceOutput::Text(self))
    }
}

impl IntoResourceResult for &'static str {
    fn into_resource_result(self) -> Result<ResourceOutput, ToolError> {
        Ok(ResourceOutput::Text(self.to_owned()))
    }
}

impl IntoResourceResult for Vec<u8> {
    fn into_resource_result(self) -> Result<ResourceOutput, ToolError> {
        Ok(ResourceOutput::Bytes(self))
    }
}

impl<T: Serialize> IntoResourceResult for Json<T> {
    fn into_resource_result(self) -> Result<ResourceOutput, ToolError> {
        serde_json::to_value(&self.0)
            .map(ResourceOutput::Json)
            .map_err(ToolError::internal)
    }
}

impl IntoResourceResult for ResourceContents {
    fn into_resource_result(self) -> Result<ResourceOutput, ToolError> {
        Ok(ResourceOutput::Contents(vec![self]))
    }
}

impl IntoResourceResult for Vec<ResourceContents> {
    fn into_resource_result(self) -> Result<ResourceOutput, ToolError> {
        Ok(ResourceOutput::Contents(self))
    }
}

impl IntoResourceResult for ResourceOutput {
    fn into_resource_result(self) -> Result<ResourceOutput, ToolError> {
        Ok(self)
    }
}

impl<T: IntoResourceResult, E: Into<ToolError>> IntoResourceResult for Result<T, E> {
    fn into_resource_result(self) -> Result<ResourceOutput, ToolError> {
        self.map_err(Into::into)?.into_resource_result()
    }
}
