//! The conformance suite's resources.

use mcp_kit::prelude::*;
use serde_json::{Value, json};

/// A static text resource.
#[resource("test://static-text", name = "static-text", mime = "text/plain")]
fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource: a PNG image.
#[resource("test://static-binary", name = "static-binary", mime = "image/png")]
fn static_binary() -> Vec<u8> {
    super::png()
}

/// A resource clients subscribe to.
#[resource(
    "test://watched-resource",
    name = "watched-resource",
    mime = "text/plain"
)]
fn watched_resource() -> &'static str {
    "Watched resource content"
}

/// Data for one id.
#[resource(
    "test://template/{id}/data",
    name = "template",
    mime = "application/json"
)]
fn template(id: String) -> Json<Value> {
    Json(json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")}))
}
