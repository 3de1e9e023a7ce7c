//! Write [Model Context Protocol](https://modelcontextprotocol.io) servers by annotating
//! functions.
//!
//! ```no_run
//! use mcp_kit::prelude::*;
//!
//! /// Add two integers.
//! #[tool(annotations(read_only, idempotent))]
//! async fn add(a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! fn main() -> Result<(), mcp_kit::Error> {
//!     mcp_kit::run!()
//! }
//! ```
//!
//! Every `#[tool]` in every crate linked into the binary is found at link time: there is no
//! registration list. A crate none of whose items the binary uses is dropped by the linker
//! with its tools; `use that_crate as _;` in the binary keeps it. `your-server tools list`
//! shows what was found.

mod access;
mod app;
mod ask;
pub mod auth;
mod cache;
mod cli;
#[cfg(feature = "client")]
pub mod client;
mod coerce;
mod completion;
mod config;
mod content;
mod context;
#[cfg(any(feature = "oauth-server", feature = "tasks"))]
mod database;
mod dispatch;
mod error;
mod extract;
mod health;
mod http;
mod interaction;
mod jsonrpc;
mod locate;
mod lock;
mod log_filter;
mod log_level;
#[cfg(feature = "metrics")]
mod metrics;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod model;
#[cfg(feature = "client")]
pub mod mount;
mod notifier;
#[cfg(feature = "oauth-server")]
pub mod oauth_server;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(feature = "otel")]
pub mod otel;
pub mod permission;
mod prompt;
pub mod ratelimit;
mod registrar;
mod registry;
#[cfg(feature = "client")]
mod relayed_question;
mod resource;
mod result;
mod role;
mod round;
mod schema;
mod sealed;
mod server;
#[cfg(feature = "tasks")]
mod task;
mod telemetry;
pub mod testing;
mod tool;
mod uri_template;
mod wire;

pub use access::{Enabled, RateLimitSpec};
pub use app::{APP_EXTENSION, APP_MIME_TYPE, App, Visibility};
pub use ask::Ask;
pub use auth::Principal;
pub use cache::{CacheHint, CacheScope};
pub use completion::Completion;
pub use config::{
    AuthSettings, ConfigError, DEFAULT_CONFIG_FILE, IntrospectionSettings, JwtSettings, LogFormat,
    OAuthServerSettings, Secrets, Settings, TaskSettings, Transport, UpstreamSettings,
};
pub use content::{Content, ResourceBody, ResourceContents, ResourceLink};
pub use context::{Context, LogLevel};
pub use dispatch::{BeforeCall, CallError, CallInfo, CompletionTarget, Dispatcher, ItemError};
pub use error::{ErrorKind, FieldError, ToolError};
pub use extract::{Args, State};
pub use interaction::{Elicitation, Root, Sampled, SamplingRequest};
#[cfg(feature = "openapi")]
pub use mcp_kit_macros::openapi_tools;
pub use mcp_kit_macros::{ModelToolset, prompt, resource, tool, toolset};
pub use notifier::Notifier;
pub use prompt::{IntoPromptResult, Prompt, PromptArgument, PromptMessage, PromptOutput, Role};
pub use registry::{Registry, RegistryError, is_valid_name};
pub use resource::{IntoResourceResult, Resource, ResourceOutput};
pub use result::{IntoToolResult, Json, ToolOutput};
pub use server::{Error, Server, ServerBuilder, ServerInfo};
pub use tool::{Location, TaskSupport, Tool, ToolAnnotations};
pub use uri_template::{TemplateError, UriTemplate};

/// The shutdown signal [`Server::router`] takes, so that mounting needs no `tokio-util` of
/// its own.
pub use tokio_util::sync::CancellationToken;

/// Runs the command line (`serve`, `tools list`, `tools schema`, `call`) for the tools linked
/// into this binary, reporting the calling crate's name and version as `serverInfo`.
///
/// `run!()` is `Server::builder().info(<crate name>, <crate version>).run()`; use the
/// builder when the server needs state or hand-registered tools.
#[macro_export]
macro_rules! run {
    () => {
        $crate::Server::builder()
            .info(
                ::core::env!("CARGO_PKG_NAME"),
                ::core::env!("CARGO_PKG_VERSION"),
            )
            .run()
    };
}

/// The names most servers need.
pub mod prelude {
    pub use crate::permission::{AllowAny, HasPerm, HasScope, IsAuthenticated, Permission};
    pub use crate::{
        Args, Content, Context, IntoToolResult, Json, Principal, PromptMessage, Resource,
        ResourceContents, Server, State, Tool, ToolError,
    };
    pub use mcp_kit_macros::{ModelToolset, prompt, resource, tool, toolset};
}

/// What generated code uses. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::__location as location;
    pub use crate::access::{AccessDef, RateLimitSpec, is_enabled};
    pub use crate::app::{AppDef, ToolUi, Visibility};
    pub use crate::cache::{CacheHint, CacheScope};
    pub use crate::completion::{CompleteFn, boxed as boxed_completion};
    pub use crate::extract::StateMap;
    pub use crate::extract::{
        Call, Extract, InputDef, MaybePrincipal, Param, ParamDef, ParamKind, Prepared, call_async,
        call_blocking, check_params, extract, extract_or_default, is_injected, kind,
        optional_principal,
    };
    pub use crate::jsonrpc::method_names;
    #[cfg(feature = "openapi")]
    pub use crate::openapi::checked as openapi_checked;
    pub use crate::permission::{All, Permission};
    pub use crate::prompt::{IntoPromptResult, PromptDef};
    pub use crate::ratelimit::Rate;
    pub use crate::registry::{PROMPTS, RESOURCES, TOOLS};
    pub use crate::resource::{IntoResourceResult, ResourceDef};
    pub use crate::result::IntoToolResult;
    pub use crate::tool::{Location, TaskSupport, ToolAnnotations, ToolDef};
    pub use crate::{ToolError, ToolOutput};
    pub use futures_util::future::BoxFuture;
    pub use schemars::{Schema, SchemaGenerator};
    pub use std::boxed::Box;
    pub use std::option::Option::{None, Some};
    pub use std::string::String;
    pub use std::vec::Vec;

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub mod model {
        pub use crate::model::{
            Column, ColumnSpec, IncludeSpec, ModelSpec, create, create_schema, destroy,
            destroy_schema, has_exposed_column, include_fits, list, list_output_schema,
            list_schema, partial_update, partial_update_schema, read_resource, resource_schema,
            retrieve, retrieve_schema, row_schema, update, update_schema, written_row_schema,
        };
        pub use crate::resource::ResourceDef;
    }
}
