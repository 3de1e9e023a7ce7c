//! One replica of a server with a write tool, for tests that run several side by side.

use mcp_kit::Notifier;
use mcp_kit::prelude::*;

/// Not read-only, so the server's write rate limit applies.
#[tool]
async fn stamp(caller: Principal) -> String {
    format!("stamped for {}", caller.subject)
}

/// Read-only: never counted.
#[tool(annotations(read_only))]
async fn peek() -> &'static str {
    "peeked"
}

/// A document the replicas share.
#[resource("replica://doc")]
fn doc() -> &'static str {
    "the document"
}

/// Announces that the document changed, from this replica to listeners on every replica.
#[tool(annotations(read_only), no_rate_limit)]
async fn touch(notifier: State<Notifier>) -> &'static str {
    notifier.notify_resource_updated("replica://doc").await;
    "touched"
}

/// Ends the process in the middle of the call, as a server that crashes does.
#[tool(annotations(read_only), no_rate_limit)]
fn vanish() -> &'static str {
    std::process::exit(3)
}

fn main() -> Result<(), mcp_kit::Error> {
    let builder = Server::builder().info(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
    let notifier = builder.notifier();
    builder.state(notifier).run()
}
