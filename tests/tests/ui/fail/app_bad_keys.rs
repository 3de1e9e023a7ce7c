use mcp_kit::prelude::*;

/// Not a `ui://` URI.
#[resource("https://example.com/view", app)]
fn web_view() -> &'static str {
    ""
}

/// A template, and a media type of its own.
#[resource("ui://books/{id}", app(prefers_border = true), mime = "text/html")]
fn book_view(id: String) -> String {
    id
}

/// An unknown setting.
#[resource("ui://settings", app(permissions(teleport)))]
fn settings_view() -> &'static str {
    ""
}

/// A view that is not a `ui://` URI.
#[tool(ui = "https://example.com/view")]
fn shown() -> &'static str {
    ""
}

/// Visible to no one the extension knows.
#[tool(visibility = "everyone")]
fn hidden() -> &'static str {
    ""
}

fn main() {}
