//! The command line every server gets from `mcp_kit::run!()`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use crate::config::{LogFormat, Settings, Transport};
use crate::context::Context;
use crate::log_filter;
use crate::server::{Error, Server, ServerBuilder};

#[derive(Debug, Parser)]
#[command(about = "An MCP server built with mcp-kit", version)]
struct Cli {
    /// Settings file (default: ./mcp-kit.toml when present)
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve MCP over Streamable HTTP (the default) or stdio
    Serve(ServeArgs),
    /// Inspect the tools this binary serves
    #[command(subcommand)]
    Tools(ToolsCommand),
    /// Run one tool in-process and print its result as JSON
    Call {
        /// Tool name
        name: String,
        /// Arguments, as a JSON object
        #[arg(long, default_value = "{}", value_name = "JSON")]
        args: String,
    },
    /// Inspect the resources and resource templates this binary serves
    #[command(subcommand)]
    Resources(ListCommand),
    /// Read one resource in-process and print its contents as JSON
    Read {
        /// The resource's URI
        uri: String,
    },
    /// Inspect the prompts this binary serves
    #[command(subcommand)]
    Prompts(ListCommand),
    /// Render one prompt in-process and print its messages as JSON
    Prompt {
        /// Prompt name
        name: String,
        /// Arguments, as a JSON object of strings
        #[arg(long, default_value = "{}", value_name = "JSON")]
        args: String,
    },
    /// Manage the OAuth clients of the built-in authorization server
    #[cfg(feature = "oauth-server")]
    #[command(subcommand, name = "oauth-client")]
    OauthClient(crate::oauth_server::commands::ClientCommand),
    /// Manage the users of the built-in login
    #[cfg(feature = "oauth-server")]
    #[command(subcommand)]
    User(crate::oauth_server::commands::UserCommand),
    /// Manage the keys that sign access tokens
    #[cfg(feature = "oauth-server")]
    #[command(subcommand, name = "oauth-key")]
    OauthKey(crate::oauth_server::commands::KeyCommand),
    /// Inspect and cancel the tasks of the tools that run as tasks
    #[cfg(feature = "tasks")]
    #[command(subcommand)]
    Tasks(crate::task::commands::TaskCommand),
}

#[derive(Debug, Subcommand)]
enum ListCommand {
    /// List them
    List {
        /// Print JSON, as the protocol's list would
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Default, ClapArgs, Serialize)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<std::net::IpAddr>,
    /// Port to listen on [default: 8810]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
    /// Serve on standard input and output instead of HTTP
    #[arg(long)]
    #[serde(skip)]
    stdio: bool,
    /// Serve the developer console at /_dev (loopback addresses only)
    #[arg(long)]
    #[serde(rename = "dev_console", skip_serializing_if = "std::ops::Not::not")]
    dev: bool,
    /// Seconds in-flight calls get to finish after SIGINT/SIGTERM [default: 30]
    #[arg(long, value_name = "SECS")]
    #[serde(
        rename = "graceful_shutdown_timeout",
        skip_serializing_if = "Option::is_none"
    )]
    timeout_graceful_shutdown: Option<u64>,
    #[arg(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    transport: Option<Transport>,
}

#[derive(Debug, Subcommand)]
enum ToolsCommand {
    /// List the tools found in this binary
    List {
        /// Print JSON, as `tools/list` would
        #[arg(long)]
        json: bool,
    },
    /// Print a tool's input and output schemas
    Schema {
        /// Tool name
        name: String,
    },
}

impl ServerBuilder {
    /// Runs the command line: `serve`, `tools list`, `tools schema`, `call`. See [`run!`](crate::run).
    pub fn run(self) -> Result<(), Error> {
        run_with_args(self, std::env::args_os())
    }
}

fn run_with_args(
    builder: ServerBuilder,
    args: impl IntoIterator<Item = OsString>,
) -> Result<(), Error> {
    let cli = Cli::parse_from(args);
    // One runtime for the whole run: the sessions of mounted servers live in it.
    let runtime = runtime()?;
    let mut serve = match cli.command {
        Some(Command::Serve(serve)) => serve,
        None => ServeArgs::default(),
        Some(command) => {
            let settings = builder.load_settings(cli.config.as_deref(), ServeArgs::default())?;
            init_logs("warn", settings.log_format);
            return inspect(&runtime, build(&runtime, builder, settings)?, command);
        }
    };
    if serve.stdio {
        serve.transport = Some(Transport::Stdio);
    }
    let settings = builder.load_settings(cli.config.as_deref(), &serve)?;
    #[cfg(feature = "otel")]
    let _exporters = {
        let service = settings.server_name.as_deref().unwrap_or(builder.name());
        init_traces("info", settings.log_format, service)?
    };
    #[cfg(not(feature = "otel"))]
    init_logs("info", settings.log_format);
    let server = build(&runtime, builder, settings)?;
    runtime.block_on(async {
        match server.settings().transport {
            Transport::StreamableHttp => server.serve().await,
            Transport::Stdio => {
                let stop = CancellationToken::new();
                tokio::spawn(crate::http::shutdown_signal(stop.clone()));
                crate::wire::serve_stdio(&server, stop)
                    .await
                    .map_err(Error::from)
            }
        }
    })?;
    Ok(())
}

/// The server, with the upstreams its settings declare mounted.
fn build(
    runtime: &tokio::runtime::Runtime,
    builder: ServerBuilder,
    settings: Settings,
) -> Result<Server, Error> {
    #[cfg(feature = "client")]
    let builder = runtime.block_on(builder.mount_declared_in(&settings))?;
    #[cfg(not(feature = "client"))]
    let _ = runtime;
    builder.build_with(settings)
}

fn inspect(
    runtime: &tokio::runtime::Runtime,
    server: Server,
    command: Command,
) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    let registry = server.registry();
    match command {
        Command::Tools(ToolsCommand::List { json: true }) => {
            let tools: Vec<Value> = registry.tools().iter().map(crate::Tool::to_json).collect();
            print_json(&mut out, &Value::Array(tools))?;
        }
        Command::Tools(ToolsCommand::List { json: false }) => {
            let rows = registry
                .tools()
                .iter()
                .map(|tool| (tool.name(), tool.get_description()));
            table(&mut out, "NAME", rows, "tools")?;
        }
        Command::Resources(ListCommand::List { json }) => {
            let resources = registry.resources();
            if json {
                let listed: Vec<Value> = resources.iter().map(crate::Resource::to_json).collect();
                print_json(&mut out, &Value::Array(listed))?;
            } else {
                let rows = resources
                    .iter()
                    .map(|r| (r.uri(), r.description.as_deref()));
                table(&mut out, "URI", rows, "resources and templates")?;
            }
        }
        Command::Prompts(ListCommand::List { json }) => {
            let prompts = registry.prompts();
            if json {
                let listed: Vec<Value> = prompts.iter().map(crate::Prompt::to_json).collect();
                print_json(&mut out, &Value::Array(listed))?;
            } else {
                let rows = prompts.iter().map(|p| (p.name(), p.description.as_deref()));
                table(&mut out, "NAME", rows, "prompts")?;
            }
        }
        Command::Read { uri } => {
            let contents = runtime
                .block_on(
                    server
                        .dispatcher()
                        .read_resource(&uri, Context::detached(None)),
                )
                .map_err(|e| Error::Command(e.to_string()))?;
            let contents: Vec<Value> = contents.iter().map(|c| c.to_json()).collect();
            print_json(&mut out, &serde_json::json!({ "contents": contents }))?;
        }
        Command::Prompt { name, args } => {
            let arguments: Map<String, Value> = serde_json::from_str(&args)
                .map_err(|e| Error::Command(format!("--args must be a JSON object: {e}")))?;
            let output = runtime
                .block_on(
                    server
                        .dispatcher()
                        .get_prompt(&name, arguments, Context::detached(None)),
                )
                .map_err(|e| Error::Command(e.to_string()))?;
            print_json(&mut out, &output.to_json())?;
        }
        Command::Tools(ToolsCommand::Schema { name }) => {
            let tool = registry
                .tool(&name)
                .ok_or_else(|| unknown_tool(&server, &name))?;
            let schemas = serde_json::json!({
                "inputSchema": tool.input_schema(),
                "outputSchema": tool.output_schema(),
            });
            print_json(&mut out, &schemas)?;
        }
        Command::Call { name, args } => {
            let arguments: Map<String, Value> = serde_json::from_str(&args)
                .map_err(|e| Error::Command(format!("--args must be a JSON object: {e}")))?;
            let output = runtime
                .block_on(server.dispatcher().call_tool(
                    &name,
                    Some(arguments),
                    Context::detached(None),
                ))
                .map_err(|_| unknown_tool(&server, &name))?;
            print_json(&mut out, &output.to_json())?;
            if output.is_error {
                return Err(Error::Command(format!("tool `{name}` returned an error")));
            }
        }
        #[cfg(feature = "oauth-server")]
        Command::OauthClient(command) => oauth(runtime, &server, |o| {
            Box::pin(crate::oauth_server::commands::client(o, command))
        })?,
        #[cfg(feature = "oauth-server")]
        Command::User(command) => oauth(runtime, &server, |o| {
            Box::pin(crate::oauth_server::commands::user(o, command))
        })?,
        #[cfg(feature = "oauth-server")]
        Command::OauthKey(command) => oauth(runtime, &server, |o| {
            Box::pin(crate::oauth_server::commands::key(o, command))
        })?,
        #[cfg(feature = "tasks")]
        Command::Tasks(command) => {
            let tasks = server
                .tasks
                .as_deref()
                .ok_or_else(|| Error::Command("no tool of this server runs as a task".into()))?;
            runtime
                .block_on(crate::task::commands::run(tasks, command, &mut out))
                .map_err(Error::Command)?;
        }
        Command::Serve(_) => unreachable!("serve is handled by run"),
    }
    Ok(())
}

/// Runs an authorization-server command, which needs `oauth_server.enabled`.
#[cfg(feature = "oauth-server")]
fn oauth(
    runtime: &tokio::runtime::Runtime,
    server: &Server,
    command: impl for<'a> FnOnce(
        &'a crate::oauth_server::AuthorizationServer,
    ) -> futures_util::future::BoxFuture<'a, Result<(), String>>,
) -> Result<(), Error> {
    let oauth = server.oauth.as_deref().ok_or_else(|| {
        Error::Command("the OAuth server is off: set oauth_server.enabled = true".into())
    })?;
    runtime.block_on(command(oauth)).map_err(Error::Command)
}

fn print_json(out: &mut impl std::io::Write, value: &Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    writeln!(out, "{text}")
}

/// Two columns (a key and the first line of a description), then a count of `what`.
fn table<'a>(
    out: &mut impl std::io::Write,
    key: &str,
    rows: impl Iterator<Item = (&'a str, Option<&'a str>)>,
    what: &str,
) -> std::io::Result<()> {
    let rows: Vec<(&str, &str)> = rows
        .map(|(name, description)| {
            (
                name,
                description.and_then(|d| d.lines().next()).unwrap_or(""),
            )
        })
        .collect();
    let width = rows
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0)
        .max(key.len());
    writeln!(out, "{key:width$}  DESCRIPTION")?;
    for (name, summary) in &rows {
        writeln!(out, "{name:width$}  {summary}")?;
    }
    writeln!(out, "\n{} {what}", rows.len())
}

fn unknown_tool(server: &Server, name: &str) -> Error {
    let registry = server.registry();
    let known: Vec<&str> = registry.tools().iter().map(crate::Tool::name).collect();
    Error::Command(format!(
        "no tool named `{name}`; this binary has: {}",
        known.join(", ")
    ))
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Logs go to stderr, so stdout stays free for stdio transport and command output.
/// rmcp logs every stateless request at `info`; that is noise (and costs a third of a
/// request's CPU), so it is held to `warn` unless `RUST_LOG` says otherwise.
fn init_logs(default: &str, format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let _ = tracing_subscriber::registry()
        .with(log_layer(default, format))
        .try_init();
}

fn log_layer<S>(default: &str, format: LogFormat) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    use tracing_subscriber::Layer as _;
    // Colour only for a person at a terminal, never into a file or a log collector.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let logs = tracing_subscriber::fmt::layer()
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    let logs = match format {
        LogFormat::Text => logs.boxed(),
        LogFormat::Json => logs.json().flatten_event(true).boxed(),
    };
    logs.with_filter(log_filter::Fresh(log_filter::from_env(default)))
}

/// Logs as [`init_logs`], and spans to OpenTelemetry when the `OTEL_*` variables ask for
/// export: what `RUST_LOG` lets through, and always each request's span. The exporters
/// send what they hold when the returned value is dropped.
#[cfg(feature = "otel")]
fn init_traces(
    default: &str,
    format: LogFormat,
    service: &str,
) -> Result<Option<crate::otel::Telemetry>, Error> {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let telemetry = crate::otel::Telemetry::from_env(service)?;
    let operations = format!("{}=debug", crate::otel::OPERATION_TARGET)
        .parse()
        .expect("a valid directive");
    let traces = telemetry
        .as_ref()
        .and_then(|telemetry| telemetry.layer())
        .map(|layer| {
            let filter = log_filter::from_env(default).add_directive(operations);
            layer.with_filter(log_filter::Fresh(filter))
        });
    let _ = tracing_subscriber::registry()
        .with(log_layer(default, format))
        .with(traces)
        .try_init();
    Ok(telemetry)
}
