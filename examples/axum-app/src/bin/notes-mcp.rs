//! The notes tools as a process of their own, beside the app, on the same database:
//! `cargo run -p axum-app --bin notes-mcp -- serve --port 8821`. The whole mcp-kit command line
//! (`serve`, `tools list`, `call`, …) comes with it.

use axum_app::{Notes, database_path, mcp_builder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The app creates the table; so does this process, so either may start first. The pool
    // that does it belongs to this short runtime; the server's opens in its own.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(Notes::open(&database_path())?.migrate())?;
    mcp_builder(Notes::open(&database_path())?).run()?;
    Ok(())
}
