//! The tools of the `hello` example server. They live in a library so that tests can link
//! them too; `src/main.rs` serves them.

use mcp_kit::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

/// Add two integers.
#[tool(annotations(read_only, idempotent))]
async fn add(
    #[arg(description = "First term")] a: i64,
    #[arg(description = "Second term")] b: i64,
) -> i64 {
    a + b
}

/// Echo the message back, unchanged.
#[tool(annotations(read_only))]
async fn echo(message: String) -> String {
    message
}

/// Reverse a string. A plain `fn`: it runs on the blocking pool.
#[tool(annotations(read_only))]
fn reverse(text: String) -> String {
    text.chars().rev().collect()
}

/// Summary statistics of a list of numbers.
#[derive(Debug, Serialize, JsonSchema)]
struct Stats {
    /// How many numbers there are.
    count: usize,
    /// Their sum.
    sum: f64,
    /// Their mean, absent for an empty list.
    mean: Option<f64>,
}

/// Count, sum and mean of some numbers, as structured output.
#[tool(annotations(read_only))]
async fn stats(numbers: Vec<f64>) -> Json<Stats> {
    let sum: f64 = numbers.iter().sum();
    let mean = (!numbers.is_empty()).then(|| sum / numbers.len() as f64);
    Json(Stats {
        count: numbers.len(),
        sum,
        mean,
    })
}

/// A one-pixel PNG image.
#[tool(annotations(read_only))]
async fn pixel() -> Content {
    Content::image(include_bytes!("pixel.png"), "image/png")
}

/// Divide `a` by `b`; fails when `b` is zero.
#[tool(annotations(read_only))]
async fn divide(a: f64, b: f64) -> Result<f64, ToolError> {
    if b == 0.0 {
        return Err(ToolError::bad_request("division by zero"));
    }
    Ok(a / b)
}

/// Count to `to`, reporting progress along the way.
#[tool(annotations(read_only))]
async fn count(
    context: Context,
    #[arg(description = "Where to stop (at most 100)")] to: u32,
) -> Result<String, ToolError> {
    if to > 100 {
        return Err(ToolError::invalid_field("to", "must be at most 100"));
    }
    for step in 1..=to {
        context
            .progress(f64::from(step), Some(f64::from(to)), None)
            .await?;
    }
    Ok(format!("counted to {to}"))
}

/// Wait `ms` milliseconds (at most 10,000), reporting progress when asked. A cancelled call
/// stops waiting.
#[tool(annotations(read_only))]
async fn sleep(context: Context, ms: u64) -> Result<String, ToolError> {
    if ms > 10_000 {
        return Err(ToolError::invalid_field("ms", "must be at most 10000"));
    }
    context
        .progress(0.0, Some(ms as f64), Some("started"))
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    context
        .progress(ms as f64, Some(ms as f64), Some("done"))
        .await?;
    Ok(format!("slept {ms} ms"))
}

/// Who the server thinks you are.
#[derive(Debug, Serialize, JsonSchema)]
struct Identity {
    /// Your subject.
    subject: String,
    /// The scopes your token carries.
    scopes: Vec<String>,
}

/// Who you are, as the server sees it. Needs a token.
#[tool(annotations(read_only), permission = IsAuthenticated)]
async fn whoami(principal: Principal) -> Json<Identity> {
    Json(Identity {
        subject: principal.subject,
        scopes: principal.scopes.into_iter().collect(),
    })
}

/// A counter shared by every caller.
#[derive(Debug, Default)]
pub struct Counter(std::sync::atomic::AtomicU64);

/// Add one to the shared counter and return it. Needs the `hello:write` scope; as a tool
/// that writes, it is rate-limited per caller (`write_rate_limit`).
#[tool(permission = HasScope("hello:write"))]
async fn increment(counter: State<Counter>) -> u64 {
    counter.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
}
