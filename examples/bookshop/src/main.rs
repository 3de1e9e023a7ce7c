//! `cargo run -p bookshop -- serve`: the catalogue's tools on http://127.0.0.1:8830/mcp.
//! `DATABASE_URL=postgres://…` serves the same tools from PostgreSQL.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = bookshop::database_url();
    // Tables and seed data first, in a short runtime; the server connects again in its own.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            bookshop::open(&url).await?.close().await;
            Ok::<_, sqlx::Error>(())
        })?;
    bookshop::server(mcp_kit::model::Database::connect_lazy(&url)?).run()?;
    Ok(())
}
