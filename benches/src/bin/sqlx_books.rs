//! `books_list` written by hand with axum and sqlx: the same SQL the bookshop's model tool
//! runs, answered with the same JSON-RPC result (the page as a text block and as
//! `structuredContent`). The baseline of `benches/model.sh`.
//!
//!   sqlx_books PORT sqlite:path|postgres://…
//!
//! Its cursor is the last row's `[title, id]` as JSON text, unsealed.
//!
//! With `SQLX_BOOKS_TUNED=1` its pools are set up as mcp-kit's `Database::connect` sets up its
//! own (a connection pinged before use only after a second idle; SQLite's worker sending up to
//! 256 rows ahead; SQLite's memory statistics off), to tell that tuning apart from the rest.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

#[derive(Serialize, sqlx::FromRow)]
struct Book {
    id: i64,
    title: String,
    isbn: String,
    author_id: i64,
    year: i32,
    price: f64,
    in_stock: bool,
    #[serde(serialize_with = "rfc3339")]
    added_at: DateTime<Utc>,
}

fn rfc3339<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

#[derive(Serialize)]
struct Page {
    items: Vec<Book>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Request {
    id: Value,
    params: Params,
}

#[derive(Deserialize)]
struct Params {
    arguments: Arguments,
}

#[derive(Deserialize)]
struct Arguments {
    limit: i64,
    cursor: Option<String>,
}

#[derive(Serialize)]
struct Response<'a> {
    jsonrpc: &'static str,
    id: Value,
    result: CallResult<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CallResult<'a> {
    content: [TextBlock; 1],
    structured_content: &'a Page,
    is_error: bool,
}

#[derive(Serialize)]
struct TextBlock {
    r#type: &'static str,
    text: String,
}

/// The page after `cursor`, one row more than asked to know whether another follows.
macro_rules! page {
    ($pool:expr, $first:literal, $after:literal, $arguments:expr) => {{
        let arguments = $arguments;
        let after = match &arguments.cursor {
            Some(cursor) => Some(serde_json::from_str::<(String, i64)>(cursor).map_err(bad)?),
            None => None,
        };
        let mut rows: Vec<Book> = match after {
            None => {
                sqlx::query_as($first)
                    .bind(arguments.limit + 1)
                    .fetch_all($pool)
                    .await
            }
            Some((title, id)) => {
                sqlx::query_as($after)
                    .bind(title)
                    .bind(id)
                    .bind(arguments.limit + 1)
                    .fetch_all($pool)
                    .await
            }
        }
        .map_err(bad)?;
        let next_cursor = if rows.len() > arguments.limit as usize {
            rows.truncate(arguments.limit as usize);
            let last = rows.last().expect("a full page");
            Some(serde_json::to_string(&(&last.title, last.id)).map_err(bad)?)
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }};
}

async fn sqlite(
    State(pool): State<sqlx::SqlitePool>,
    Json(request): Json<Request>,
) -> Result<impl IntoResponse, (StatusCode, String)> {
    let page = page!(
        &pool,
        "SELECT id, title, isbn, author_id, year, price, in_stock, added_at FROM books \
         ORDER BY title ASC, id ASC LIMIT ?",
        "SELECT id, title, isbn, author_id, year, price, in_stock, added_at FROM books \
         WHERE (title, id) > (?, ?) ORDER BY title ASC, id ASC LIMIT ?",
        request.params.arguments
    );
    respond(request.id, &page)
}

async fn postgres(
    State(pool): State<sqlx::PgPool>,
    Json(request): Json<Request>,
) -> Result<impl IntoResponse, (StatusCode, String)> {
    let page = page!(
        &pool,
        "SELECT id, title, isbn, author_id, year, price, in_stock, added_at FROM books \
         ORDER BY title ASC, id ASC LIMIT $1",
        "SELECT id, title, isbn, author_id, year, price, in_stock, added_at FROM books \
         WHERE (title, id) > ($1, $2) ORDER BY title ASC, id ASC LIMIT $3",
        request.params.arguments
    );
    respond(request.id, &page)
}

fn respond(id: Value, page: &Page) -> Result<impl IntoResponse + use<>, (StatusCode, String)> {
    let text = serde_json::to_string(page).map_err(bad)?;
    let response = Response {
        jsonrpc: "2.0",
        id,
        result: CallResult {
            content: [TextBlock {
                r#type: "text",
                text,
            }],
            structured_content: page,
            is_error: false,
        },
    };
    let body = serde_json::to_vec(&response).map_err(bad)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

fn bad(error: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::BAD_REQUEST, error.to_string())
}

fn pool_options<DB: sqlx::Database>(tuned: bool) -> sqlx::pool::PoolOptions<DB> {
    use sqlx::Connection as _;
    let options = sqlx::pool::PoolOptions::new();
    if !tuned {
        return options;
    }
    options
        .test_before_acquire(false)
        .before_acquire(|connection: &mut DB::Connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= std::time::Duration::from_secs(1) {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}

#[tokio::main]
async fn main() {
    let port = mcp_kit_benches::port_from_args();
    let url = std::env::args()
        .nth(2)
        .expect("usage: sqlx_books PORT DATABASE_URL");
    let tuned = std::env::var_os("SQLX_BOOKS_TUNED").is_some();
    let app = if url.starts_with("sqlite:") {
        let mut options: sqlx::sqlite::SqliteConnectOptions = url.parse().expect("a SQLite URL");
        if tuned {
            options = options.row_buffer_size(256);
            // SAFETY: one `int`, before this process starts SQLite.
            unsafe {
                libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0);
            }
        }
        let pool = pool_options(tuned)
            .connect_with(options)
            .await
            .expect("connect");
        axum::Router::new()
            .route("/mcp", axum::routing::post(sqlite))
            .with_state(pool)
    } else {
        let pool = pool_options(tuned).connect(&url).await.expect("connect");
        axum::Router::new()
            .route("/mcp", axum::routing::post(postgres))
            .with_state(pool)
    };
    mcp_kit_benches::serve(app, port).await;
}
