//! OpenAPI operations as tools (feature `openapi`): each operation of an OpenAPI 3.0 or 3.1
//! document, JSON or YAML, becomes a tool that calls the REST API.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use mcp_kit::openapi::OpenApi;
//!
//! let pets = OpenApi::from_path("openapi.json")?
//!     .prefix("pets")
//!     .base_url("https://pets.example.com/v1")
//!     .bearer_from_env("PETS_TOKEN")
//!     .exclude_tags(["admin"]);
//! mcp_kit::Server::builder().tools(pets.tools()?).run()?;
//! # Ok(()) }
//! ```
//!
//! - **Names.** `prefix_operationId`, or `prefix_get_pets_id` from the method and path when the
//!   operation has no id; characters a tool name may not hold become `_`. A name over 64
//!   characters is cut and ends in 8 hex digits of a hash of the whole name, so it is stable.
//!   Two operations that end up with one name are an error naming both.
//! - **Arguments.** Path, query and header parameters, and the properties of a JSON object
//!   body, are the tool's arguments; a body that is not an object is one `body` argument. A
//!   name used in two places is prefixed with its place in each (`path_id`, `query_id`).
//! - **Schemas.** Component `$ref`s become `$defs` entries, so recursive schemas work; 3.0's
//!   `nullable`, boolean `exclusiveMinimum` and `example` are written as JSON Schema 2020-12.
//!   The first 2xx answer's JSON object schema is the output schema.
//! - **Hints.** `GET`/`HEAD` are read-only and idempotent, `PUT` idempotent, `DELETE`
//!   destructive; every operation is open-world. Rate limits and permissions work as for any
//!   tool: [`Tool::permission`] on the tools [`OpenApi::tools`] returns, or
//!   [`OpenApi::permission`] for all of them.
//! - **Calls.** One HTTP client per document, with a timeout (30 s) for the whole exchange, a
//!   limit on the answer's size (10 MiB) and no redirects. The server's own credential is sent,
//!   replacing any argument of the same name; the caller's token never is. Header parameters
//!   named `Accept`, `Content-Type` or `Authorization` are ignored, as OpenAPI says. An error answer becomes a tool error naming the operation, the status and the
//!   first 500 characters of what the upstream said.
//! - **What is not translated** (cookie parameters, `content`-described or non-default-style
//!   parameters, object-valued parameters, headers the HTTP client sets such as `Host`,
//!   non-JSON bodies, `$ref`s outside the document) skips
//!   its operation with a warning; [`OpenApi::skipped`] lists them. Nothing is published half
//!   right.

mod call;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};

pub use mcp_kit_openapi::{MAX_NAME, OpenApiError, Skipped};

use call::{Credential, Upstream};
use mcp_kit_openapi::{Document, Hints, Select, Translation};

use crate::permission::Permission;
use crate::tool::{Tool, ToolAnnotations};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_BODY_LIMIT: usize = 10 << 20;

/// An OpenAPI document and how to publish its operations as tools. See the [module
/// docs](self).
#[derive(Clone)]
#[must_use = "an OpenApi does nothing until its tools() are registered"]
pub struct OpenApi {
    document: Arc<Document>,
    source: String,
    prefix: Option<String>,
    base_url: Option<String>,
    credential: Option<CredentialSource>,
    select: Select,
    timeout: Duration,
    body_limit: usize,
    permission: Option<Arc<dyn Permission>>,
}

impl std::fmt::Debug for OpenApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApi")
            .field("source", &self.source)
            .field("prefix", &self.prefix)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
enum CredentialSource {
    Header {
        name: String,
        value: String,
    },
    HeaderFromEnv {
        name: String,
        prefix: &'static str,
        variable: String,
    },
    Query {
        name: String,
        value: String,
    },
}

impl OpenApi {
    /// The document `text`, JSON or YAML.
    pub fn parse(text: &str) -> Result<Self, OpenApiError> {
        Self::with_source(text, "the OpenAPI document")
    }

    /// The document in the file at `path`, JSON or YAML.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, OpenApiError> {
        let path = path.as_ref();
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| OpenApiError::at("", format!("cannot be read: {e}")).in_source(&source))?;
        Self::with_source(&text, &source)
    }

    /// The document served at `url`, fetched once (10 s timeout, 10 MiB limit). Its
    /// operations are called relative to `url` unless the document's `servers` or
    /// [`base_url`](Self::base_url) say otherwise.
    pub async fn from_url(url: &str) -> Result<Self, OpenApiError> {
        let failed = |message: String| OpenApiError::at("", message).in_source(url);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| failed(e.to_string()))?;
        let mut response = client
            .get(url)
            .send()
            .await
            .map_err(|e| failed(format!("cannot be fetched: {}", e.without_url())))?;
        if !response.status().is_success() {
            return Err(failed(format!("answered {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| failed(format!("cannot be fetched: {}", e.without_url())))?
        {
            if body.len() + chunk.len() > DEFAULT_BODY_LIMIT {
                return Err(failed(format!("is over {DEFAULT_BODY_LIMIT} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(body).map_err(|_| failed("is not UTF-8 text".into()))?;
        let mut api = Self::with_source(&text, url)?;
        // A relative `servers` URL (`/v1`) is relative to where the document was found.
        let base = Url::parse(url)
            .and_then(|here| here.join(api.servers_url().unwrap_or(url)))
            .map_err(|e| failed(format!("is not a URL: {e}")))?;
        api.base_url = Some(base.into());
        Ok(api)
    }

    fn with_source(text: &str, source: &str) -> Result<Self, OpenApiError> {
        let document = Document::parse(text).map_err(|e| e.in_source(source))?;
        Ok(Self {
            document: Arc::new(document),
            source: source.to_owned(),
            prefix: None,
            base_url: None,
            credential: None,
            select: Select::default(),
            timeout: DEFAULT_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            permission: None,
        })
    }

    /// Starts every tool name with `prefix_`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Where the API is served; by default the document's first `servers` URL.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sends `Authorization: Bearer <token>` with every call.
    pub fn bearer(self, token: impl Into<String>) -> Self {
        self.header("authorization", format!("Bearer {}", token.into()))
    }

    /// Sends `Authorization: Bearer <token>` with the token read from the environment
    /// variable `variable` when [`tools`](Self::tools) is called; unset is an error.
    pub fn bearer_from_env(mut self, variable: impl Into<String>) -> Self {
        self.credential = Some(CredentialSource::HeaderFromEnv {
            name: "authorization".into(),
            prefix: "Bearer ",
            variable: variable.into(),
        });
        self
    }

    /// Sends the header `name: value` with every call (an API key header).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.credential = Some(CredentialSource::Header {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// Sends the header `name` with its value read from the environment variable `variable`.
    pub fn header_from_env(mut self, name: impl Into<String>, variable: impl Into<String>) -> Self {
        self.credential = Some(CredentialSource::HeaderFromEnv {
            name: name.into(),
            prefix: "",
            variable: variable.into(),
        });
        self
    }

    /// Adds `name=value` to every call's query (an API key parameter).
    pub fn query_key(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.credential = Some(CredentialSource::Query {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// Publishes only operations with one of these tags.
    pub fn include_tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.select
            .include_tags
            .extend(tags.into_iter().map(Into::into));
        self
    }

    /// Leaves out operations with any of these tags.
    pub fn exclude_tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.select
            .exclude_tags
            .extend(tags.into_iter().map(Into::into));
        self
    }

    /// Publishes only operations at these paths (`/pets`, or `/pets/*` for a subtree).
    pub fn include_paths<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        self.select
            .include_paths
            .extend(paths.into_iter().map(Into::into));
        self
    }

    /// Leaves out operations at these paths (`/admin/*` for a subtree).
    pub fn exclude_paths<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        self.select
            .exclude_paths
            .extend(paths.into_iter().map(Into::into));
        self
    }

    /// Publishes only the operations with these `operationId`s.
    pub fn include_operations<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.select
            .include_operations
            .extend(ids.into_iter().map(Into::into));
        self
    }

    /// Leaves out the operations with these `operationId`s.
    pub fn exclude_operations<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.select
            .exclude_operations
            .extend(ids.into_iter().map(Into::into));
        self
    }

    /// How long one call may take, answer included (30 s by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest answer read, in bytes (10 MiB by default); a larger one is a tool error.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Who may see and call every tool of this document.
    pub fn permission(mut self, permission: impl Permission) -> Self {
        self.permission = Some(Arc::new(permission));
        self
    }

    /// The operations left out because they use something that is not translated.
    pub fn skipped(&self) -> Result<Vec<Skipped>, OpenApiError> {
        Ok(self.translate()?.skipped)
    }

    /// One tool per selected operation, by path, then in the order `get`, `put`, `post`,
    /// `delete`, `options`, `head`, `patch`, `trace`. Skipped operations are logged as
    /// warnings.
    pub fn tools(&self) -> Result<Vec<Tool>, OpenApiError> {
        let Translation {
            operations,
            skipped,
        } = self.translate()?;
        for skipped in &skipped {
            tracing::warn!(document = %self.source, "{skipped}");
        }
        let upstream = Arc::new(self.upstream()?);
        let tools = operations
            .into_iter()
            .map(|(name, mut operation)| {
                // The schemas go to the tool; the call needs only where arguments go.
                let input_schema = std::mem::take(&mut operation.input_schema);
                let output_schema = operation.output_schema.take();
                let operation = Arc::new(operation);
                let mut tool = Tool::from_schema(name, input_schema, {
                    let upstream = upstream.clone();
                    let operation = operation.clone();
                    move |arguments| upstream.clone().call(operation.clone(), arguments)
                })
                .annotations(annotations(operation.annotations));
                if let Some(title) = &operation.title {
                    tool = tool.title(title.clone());
                }
                if let Some(description) = &operation.description {
                    tool = tool.description(description.clone());
                }
                if let Some(permission) = &self.permission {
                    tool.access.permission = Some(permission.clone());
                }
                tool.output_schema = output_schema.map(Arc::new);
                tool.location.module = "<openapi>";
                tool
            })
            .collect();
        Ok(tools)
    }

    fn translate(&self) -> Result<Translation, OpenApiError> {
        mcp_kit_openapi::translate(&self.document, self.prefix.as_deref(), &self.select)
            .map_err(|e| e.in_source(&self.source))
    }

    fn servers_url(&self) -> Option<&str> {
        self.document.servers_url()
    }

    fn upstream(&self) -> Result<Upstream, OpenApiError> {
        let fail = |message: String| OpenApiError::at("", message).in_source(&self.source);
        let base = self
            .base_url
            .as_deref()
            .or_else(|| self.servers_url())
            .ok_or_else(|| {
                fail("no base URL: the document has no `servers`; set one with base_url".into())
            })?;
        let base = Url::parse(base)
            .map_err(|e| fail(format!("the base URL `{base}` is not a URL: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(fail(format!("the base URL `{base}` is not http or https")));
        }
        let credential = match &self.credential {
            None => None,
            Some(CredentialSource::Query { name, value }) => {
                Some(Credential::Query(name.clone(), value.clone()))
            }
            Some(CredentialSource::Header { name, value }) => {
                Some(header_credential(name, value).map_err(fail)?)
            }
            Some(CredentialSource::HeaderFromEnv {
                name,
                prefix,
                variable,
            }) => {
                let value = std::env::var(variable).map_err(|_| {
                    fail(format!("the environment variable `{variable}` is not set"))
                })?;
                Some(header_credential(name, &format!("{prefix}{value}")).map_err(fail)?)
            }
        };
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| fail(format!("the HTTP client could not be built: {e}")))?;
        Ok(Upstream {
            client,
            label: base.host_str().unwrap_or("the upstream").to_owned(),
            base,
            credential,
            body_limit: self.body_limit,
            timeout: self.timeout,
        })
    }
}

fn header_credential(name: &str, value: &str) -> Result<Credential, String> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("`{name}` is not a header name"))?;
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        format!("the value of the `{name}` header holds characters a header may not")
    })?;
    value.set_sensitive(true);
    Ok(Credential::Header(name, value))
}

/// The document `text` from the file `source`, which `openapi_tools!` checked when it compiled.
#[doc(hidden)]
pub fn checked(text: &str, source: &str) -> OpenApi {
    OpenApi::with_source(text, source)
        .expect("openapi_tools! checked the document when it compiled")
}

fn annotations(hints: Hints) -> ToolAnnotations {
    let stated = |hint: bool| hint.then_some(true);
    ToolAnnotations {
        read_only: stated(hints.read_only),
        destructive: stated(hints.destructive),
        idempotent: stated(hints.idempotent),
        open_world: stated(hints.open_world),
    }
}
