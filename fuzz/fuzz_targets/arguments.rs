//! Argument extraction and validation: any JSON object as a call's arguments, through the
//! dispatcher, to tools of every parameter style. A call may fail, as a tool error; it may
//! not panic or be lost.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mcp_kit::prelude::*;
use mcp_kit::{Args, Context, Server};
use serde_json::{Map, Value};

/// Many shapes at once.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Order {
    id: u32,
    lines: Vec<Line>,
    note: Option<String>,
    kind: Kind,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Line {
    sku: String,
    quantity: i16,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Pickup,
    Delivery { address: String },
}

#[tool]
async fn plain(a: i64, b: String, c: Option<bool>, #[arg(default)] d: Vec<f64>) -> String {
    format!("{a} {b} {c:?} {}", d.len())
}

#[tool]
async fn whole(order: Args<Order>) -> u32 {
    let items: i64 = order
        .lines
        .iter()
        .map(|line| i64::from(line.quantity) + line.sku.len() as i64)
        .sum();
    let address = match &order.kind {
        Kind::Pickup => 0,
        Kind::Delivery { address } => address.len(),
    };
    order.id + u32::from(order.note.is_some()) + items as u32 + address as u32
}

fn runtime() -> &'static (tokio::runtime::Runtime, Server) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, Server)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let mut settings = mcp_kit::Settings::default();
        settings.write_rate_limit = (0, 0);
        let server = Server::builder()
            .settings(settings)
            .build()
            .expect("the server builds");
        (runtime, server)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(arguments)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let (runtime, server) = runtime();
    for tool in ["plain", "whole"] {
        let arguments: Map<String, Value> = arguments.clone();
        let called = runtime.block_on(server.dispatcher().call_tool(
            tool,
            Some(arguments),
            Context::detached(None),
        ));
        let output = called.expect("a known tool is always answered");
        if output.is_error {
            assert!(!output.text().is_empty(), "an error names what was wrong");
        }
    }
});
