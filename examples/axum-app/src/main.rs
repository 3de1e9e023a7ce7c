//! `cargo run -p axum-app --bin axum-app`: the notes API on http://127.0.0.1:8820/api/notes,
//! and its MCP tools on http://127.0.0.1:8820/mcp (token `axum-app-token`), in one process.
//! `NOTES_ADDR` picks another address.

use axum_app::{Notes, app, database_path, mcp_builder};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let notes = Notes::open(&database_path())?;
    notes.migrate().await?;
    let mcp = mcp_builder(notes.clone()).build()?;
    let shutdown = CancellationToken::new();
    let app = app(notes, &mcp, shutdown.clone());
    let addr = std::env::var("NOTES_ADDR").unwrap_or_else(|_| "127.0.0.1:8820".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("notes API on http://{addr}/api/notes, MCP on http://{addr}/mcp");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.cancel();
        })
        .await?;
    Ok(())
}
