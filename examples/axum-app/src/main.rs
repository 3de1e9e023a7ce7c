//! `cargo run -p axum-app`: the notes API on http://127.0.0.1:8820/api/notes, and its MCP
//! tools on http://127.0.0.1:8820/mcp (token `axum-app-token`), in one process.

use axum_app::{Notes, app, mcp_server};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let notes = Notes::default();
    let mcp = mcp_server(notes.clone(), None)?;
    let shutdown = CancellationToken::new();
    let app = app(notes, &mcp, shutdown.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8820").await?;
    println!("notes API on http://127.0.0.1:8820/api/notes, MCP on http://127.0.0.1:8820/mcp");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.cancel();
        })
        .await?;
    Ok(())
}
