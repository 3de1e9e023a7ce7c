//! An mcp-kit server with 1,000 tools, for `tools/list` under load (`benches/http.sh`).
//!
//!   many_tools PORT [PAGE_SIZE]     (PAGE_SIZE 0: all 1,000 in one answer; default 100)

use mcp_kit::{Server, Settings, Tool};
use serde_json::{Map, Value, json};

#[tokio::main]
async fn main() {
    let port = mcp_kit_benches::port_from_args();
    let mut settings = Settings::default();
    settings.require_auth = false;
    if let Some(size) = std::env::args().nth(2) {
        settings.page_size = size.parse().expect("PAGE_SIZE is a number");
    }
    let mut builder = Server::builder().without_linked_tools().settings(settings);
    for i in 0..1000 {
        let schema = json!({
            "type": "object",
            "properties": {
                "query": { "type": "string", "description": format!("What tool {i} looks for.") },
                "limit": { "type": "integer", "minimum": 1, "maximum": 100 },
                "exact": { "type": "boolean" }
            },
            "required": ["query"]
        });
        let Value::Object(schema) = schema else {
            unreachable!()
        };
        let tool = Tool::from_schema(format!("tool_{i}"), schema, |_: Map<String, Value>| async {
            "ok"
        })
        .description(format!("Tool number {i}, one of a thousand."));
        builder = builder.tool(tool);
    }
    let server = builder.build().expect("server builds");
    let app = server.router(tokio_util::sync::CancellationToken::new());
    mcp_kit_benches::serve(app, port).await;
}
