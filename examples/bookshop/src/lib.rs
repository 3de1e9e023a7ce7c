//! A bookshop's catalogue as MCP tools: each struct below is a table, and
//! `#[derive(ModelToolset)]` publishes it. Authors and books are open to every caller to read;
//! books are written only with the `books:write` scope; each reader's shelf is their own.

use chrono::{DateTime, NaiveDate, Utc};
use mcp_kit::model::{Database, Scope};
use mcp_kit::prelude::*;
use sqlx::migrate::Migrator;

/// A writer in the catalogue.
#[derive(ModelToolset)]
#[toolset(
    table = "authors",
    order(name),
    search(name),
    filter(country),
    as_resource
)]
// A second toolset over the same table, for editors only, naming a row by `pk`.
#[toolset(
    prefix = "edit_authors",
    actions(retrieve, create, partial_update, destroy),
    lookup = "pk",
    permission = HasScope("authors:write")
)]
pub struct Author {
    pub id: i64,
    pub name: String,
    /// ISO 3166 country code, when known.
    pub country: Option<String>,
}

/// A book in the catalogue.
#[derive(ModelToolset)]
#[toolset(
    table = "books",
    actions(list, retrieve, create, update, partial_update, destroy),
    filter(author_id, year, price, in_stock, added_at),
    order(title, year, price),
    search(title, isbn),
    read_only_fields(added_at),
    write_permissions(HasScope("books:write")),
    page_size = 20,
    max_page_size = 100,
    as_resource
)]
pub struct Book {
    pub id: i64,
    pub title: String,
    /// ISBN-13, unique in the catalogue.
    pub isbn: String,
    /// The `id` of the book's author.
    pub author_id: i64,
    /// Year of first publication.
    pub year: i32,
    /// Price in euros.
    pub price: f64,
    #[toolset(default)]
    pub in_stock: bool,
    /// When the book joined the catalogue.
    pub added_at: DateTime<Utc>,
}

/// A book on the caller's reading shelf.
#[derive(ModelToolset)]
#[toolset(
    table = "shelf",
    actions(list, retrieve, create, partial_update, destroy),
    fields(id, book_id, status, note, finished_on),
    filter(status, book_id, finished_on, book__title, book__year),
    scope = own_shelf,
    permission = IsAuthenticated
)]
pub struct ShelfItem {
    pub id: i64,
    /// Whose shelf: set from the caller, never from arguments.
    pub owner: String,
    /// The book; its row is embedded as `book`.
    #[toolset(include(book = Book))]
    pub book_id: i64,
    /// `to-read` (the default), `reading` or `done`.
    #[toolset(default)]
    pub status: String,
    pub note: Option<String>,
    /// The day the reader finished the book.
    pub finished_on: Option<NaiveDate>,
}

/// The catalogue as a table to search and page through, in hosts that show MCP Apps; other
/// clients are pointed at `books_list`.
#[tool(ui = "ui://bookshop/catalogue", annotations(read_only, idempotent))]
fn catalogue(
    #[arg(description = "words to look for in titles and ISBNs")] search: Option<String>,
) -> String {
    let search = search.unwrap_or_default();
    format!(
        "The catalogue is open{}. Hosts without MCP Apps: call `books_list` with \
         `{{\"search\": {search:?}, \"order_by\": \"title\"}}`.",
        if search.is_empty() {
            String::new()
        } else {
            format!(" at “{search}”")
        }
    )
}

/// The catalogue's view: a table of books that searches and pages through `books_list`.
#[resource(
    "ui://bookshop/catalogue",
    title = "Catalogue",
    app(prefers_border = true)
)]
fn catalogue_view() -> &'static str {
    include_str!("../catalogue.html")
}

/// A caller sees and writes only the rows of its own shelf.
fn own_shelf(principal: Option<&Principal>) -> Scope {
    match principal {
        Some(principal) => Scope::all().eq("owner", principal.subject.clone()),
        None => Scope::none(),
    }
}

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// `DATABASE_URL`, or the SQLite file `bookshop.db` beside the process.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:bookshop.db".to_owned())
}

/// Connects and applies the migrations (tables and seed data) not yet applied.
pub async fn open(url: &str) -> Result<Database, sqlx::Error> {
    let db = Database::connect(url).await?;
    let migrator = if db.is_postgres() { &POSTGRES } else { &SQLITE };
    db.migrate(migrator).await?;
    Ok(db)
}

/// The MCP server over `db`.
pub fn server(db: Database) -> mcp_kit::ServerBuilder {
    Server::builder()
        .info(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
        .config_file(concat!(env!("CARGO_MANIFEST_DIR"), "/mcp-kit.toml"))
        .state(db)
}
