//! A model toolset's list, over a real SQLite file: any JSON object as `items_list`'s
//! arguments (filters, lookups, ordering, search, page size, cursor) and any text as its
//! cursor. A bad argument is a tool error naming it; nothing panics, and no text reaches the
//! SQL other than as a bound value.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mcp_kit::model::Database;
use mcp_kit::prelude::*;
use mcp_kit::{Context, Server};
use serde_json::{Map, Value};

#[derive(ModelToolset)]
#[toolset(
    table = "items",
    filter(kind, year, price, in_stock, note),
    order(title, year, price),
    search(title, note),
    page_size = 3,
    max_page_size = 20
)]
pub struct Item {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub year: i32,
    pub price: f64,
    pub in_stock: bool,
    pub note: Option<String>,
}

fn shared() -> &'static (tokio::runtime::Runtime, Server) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, Server)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let file = std::env::temp_dir().join(format!("mcp-kit-fuzz-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let db = runtime.block_on(async {
            let db = Database::connect(&format!("sqlite:{}", file.display()))
                .await
                .expect("the database opens");
            let pool = db.sqlite().expect("SQLite");
            sqlx::query(
                "CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
                 kind TEXT NOT NULL, year INTEGER NOT NULL, price REAL NOT NULL,
                 in_stock BOOLEAN NOT NULL, note TEXT)",
            )
            .execute(pool)
            .await
            .expect("the table is made");
            for i in 0..12_i64 {
                sqlx::query("INSERT INTO items VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(i)
                    .bind(format!("title {i} %_'\"\\"))
                    .bind(["book", "map", "disc"][i as usize % 3])
                    .bind(1990 + i)
                    .bind(i as f64 * 1.5)
                    .bind(i % 2 == 0)
                    .bind((i % 4 != 0).then(|| format!("note {i}")))
                    .execute(pool)
                    .await
                    .expect("a row is added");
            }
            db
        });
        let mut settings = mcp_kit::Settings::default();
        settings.write_rate_limit = (0, 0);
        let server = Server::builder()
            .settings(settings)
            .state(db)
            .build()
            .expect("the server builds");
        (runtime, server)
    })
}

fn list(arguments: Map<String, Value>) {
    let (runtime, server) = shared();
    let called = runtime.block_on(server.dispatcher().call_tool(
        "items_list",
        Some(arguments),
        Context::detached(None),
    ));
    let output = called.expect("a known tool is always answered");
    if output.is_error {
        assert!(!output.text().is_empty(), "an error names what was wrong");
    }
}

fuzz_target!(|data: &[u8]| {
    match serde_json::from_slice::<Value>(data) {
        Ok(Value::Object(arguments)) => list(arguments),
        _ => {
            // Any text as a cursor.
            let mut arguments = Map::new();
            let cursor = String::from_utf8_lossy(data).into_owned();
            arguments.insert("cursor".into(), Value::String(cursor));
            list(arguments);
        }
    }
});
