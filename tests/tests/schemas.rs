//! Input schemas reach `tools/list` whole: composition (`allOf`, `anyOf`), conditionals
//! (`if`/`then`/`else`), `$defs` and `$anchor` written on a schemars type are neither
//! stripped nor rewritten, in both protocol revisions.

use mcp_kit::prelude::*;
use mcp_kit_tests::{post_mcp_with, spawn, test_settings};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Where to send things.
#[derive(Deserialize, JsonSchema)]
#[schemars(extend("$anchor" = "addressDef"))]
struct Address {
    street: String,
    city: String,
}

/// How to reach someone: by phone or by email, whichever `contact_method` says.
#[derive(Deserialize, JsonSchema)]
#[schemars(extend(
    "allOf" = [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if" = {"properties": {"contact_method": {"const": "phone"}}, "required": ["contact_method"]},
    "then" = {"required": ["phone"]},
    "else" = {"required": ["email"]},
))]
struct Contact {
    name: String,
    address: Option<Address>,
    contact_method: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// Stores a contact.
#[tool]
async fn save_contact(contact: Args<Contact>) -> String {
    let contact = contact.0;
    let address = contact
        .address
        .map(|a| format!("{}, {}", a.street, a.city))
        .unwrap_or_default();
    let reach = match contact.contact_method.as_deref() {
        Some("phone") => contact.phone,
        _ => contact.email,
    };
    format!("saved {} at {address}, reached at {reach:?}", contact.name)
}

async fn listed_schema(revision: &str) -> Value {
    let server = Server::builder()
        .settings(test_settings())
        .build()
        .expect("builds");
    let http = spawn(server).await;
    let mut params = json!({});
    if revision == "2026-07-28" {
        params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": revision,
                                 "io.modelcontextprotocol/clientCapabilities": {}});
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": params});
    let response = post_mcp_with(
        http.addr,
        &[
            ("mcp-protocol-version", revision),
            ("mcp-method", "tools/list"),
        ],
        body.to_string(),
    )
    .await;
    let body = response.json();
    let tools = body["result"]["tools"].as_array().expect("tools").clone();
    let tool = tools
        .into_iter()
        .find(|tool| tool["name"] == "save_contact")
        .expect("save_contact is listed");
    tool["inputSchema"].clone()
}

#[tokio::test]
async fn composition_conditionals_and_anchors_reach_tools_list() {
    for revision in ["2025-11-25", "2026-07-28"] {
        let schema = listed_schema(revision).await;
        assert_eq!(
            schema["allOf"],
            json!([{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}]),
            "{revision}: {schema}"
        );
        assert_eq!(
            schema["if"]["properties"]["contact_method"]["const"], "phone",
            "{revision}: {schema}"
        );
        assert_eq!(schema["then"], json!({"required": ["phone"]}), "{revision}");
        assert_eq!(schema["else"], json!({"required": ["email"]}), "{revision}");
        assert_eq!(
            schema["$defs"]["Address"]["$anchor"], "addressDef",
            "{revision}: {schema}"
        );
        let reference = schema["properties"]["address"].to_string();
        assert!(
            reference.contains("#/$defs/Address"),
            "{revision}: {schema}"
        );
    }
}
