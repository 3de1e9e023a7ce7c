//! Keyset pagination cost: `books_list` page 1 against page 1,000 of a 100,000-row table, pages
//! of 50 ordered by title, through the dispatcher with the database underneath.
//!
//!   model_pages sqlite           a fresh SQLite file in a temporary directory
//!   model_pages postgres         a PostgreSQL cluster of its own (needs `postgresql` installed)
//!   model_pages postgres://…     an empty PostgreSQL database that outlives the run
//!
//! Prints p50 and p99 of each page over interleaved samples, and their ratio. With
//! `MODEL_PAGES_OUT=dir`, the page-1,000 cursor is written to `dir/cursor-1000.txt` (and the
//! SQLite file stays in `dir`), with the same position as `sqlx_books` takes it to
//! `dir/position-1000.txt`, for the HTTP benchmark (`benches/model.sh`).

use std::time::{Duration, Instant};

use mcp_kit::model::Database;
use serde_json::{Value, json};

const ROWS: usize = 100_000;
const PAGE: usize = 50;
const DEEP: usize = 1_000;
const SAMPLES: usize = 400;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let argument = std::env::args().nth(1).unwrap_or_else(|| "sqlite".into());
    let backend = if argument == "sqlite" {
        "sqlite"
    } else {
        "postgres"
    };
    let keep = std::env::var_os("MODEL_PAGES_OUT").map(std::path::PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("model-pages-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let _postgres;
    let url = match argument.as_str() {
        "sqlite" => {
            let file = dir.join("bookshop.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            format!("sqlite:{}", file.display())
        }
        "postgres" => {
            let pg = mcp_kit_tests::Postgres::start();
            let url = pg.url.clone();
            _postgres = pg;
            url
        }
        url if url.starts_with("postgres://") => url.to_owned(),
        other => {
            return Err(format!(
                "unknown backend `{other}`: sqlite, postgres or a postgres:// URL"
            )
            .into());
        }
    };
    let db = bookshop::open(&url).await?;
    let started = Instant::now();
    fill(&db).await?;
    eprintln!(
        "{backend}: {ROWS} rows inserted in {:.1?}",
        started.elapsed()
    );

    let mut settings = mcp_kit::Settings::default();
    settings.require_auth = false;
    // Cursors are sealed: the HTTP benchmark's servers open them with the same key.
    if let Ok(key) = std::env::var("MODEL_PAGES_KEY") {
        settings.request_state_keys = mcp_kit::Secrets(vec![key]);
    }
    let server = bookshop::server(db).settings(settings).build()?;
    let client = server.test_client();
    let list = |args: Value| {
        let client = &client;
        async move {
            let out = client
                .call("books_list", args)
                .await
                .expect("books_list exists");
            assert!(!out.is_error, "books_list failed: {:?}", out.content);
            out.structured_value().expect("structured")
        }
    };
    let first = json!({"order_by": "title", "limit": PAGE});
    let mut args = first.clone();
    let mut position = Value::Null;
    for _ in 1..DEEP {
        let page = list(args.clone()).await;
        args["cursor"] = page["next_cursor"].clone();
        let last = &page["items"][PAGE - 1];
        position = json!([last["title"], last["id"]]);
    }
    let deep = args;
    let page = list(deep.clone()).await;
    assert_eq!(
        page["items"].as_array().map(Vec::len),
        Some(PAGE),
        "page {DEEP} is full"
    );
    if let Some(keep) = &keep {
        std::fs::write(
            keep.join("cursor-1000.txt"),
            deep["cursor"].as_str().unwrap_or_default(),
        )?;
        // The same position as `sqlx_books` writes its cursors.
        std::fs::write(keep.join("position-1000.txt"), position.to_string())?;
    }

    let (mut shallow_times, mut deep_times) = (Vec::new(), Vec::new());
    for _ in 0..SAMPLES {
        for (args, times) in [(&first, &mut shallow_times), (&deep, &mut deep_times)] {
            let start = Instant::now();
            list(args.clone()).await;
            times.push(start.elapsed());
        }
    }
    let (p50_1, p99_1) = percentiles(&mut shallow_times);
    let (p50_k, p99_k) = percentiles(&mut deep_times);
    println!(
        "{backend:<8} page 1     p50 {:>8.1} us  p99 {:>8.1} us",
        us(p50_1),
        us(p99_1)
    );
    println!(
        "{backend:<8} page {DEEP}  p50 {:>8.1} us  p99 {:>8.1} us",
        us(p50_k),
        us(p99_k)
    );
    println!(
        "{backend:<8} page {DEEP} / page 1 p50: {:.2}x",
        us(p50_k) / us(p50_1)
    );
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// 100,000 books by the seed's authors, in transactions of 1,000 rows.
async fn fill(db: &Database) -> Result<(), sqlx::Error> {
    let postgres = db.is_postgres();
    for chunk in 0..ROWS / 1000 {
        let mut sql = String::from(
            "INSERT INTO books (title, isbn, author_id, year, price, in_stock) VALUES ",
        );
        for i in 0..1000 {
            let n = chunk * 1000 + i;
            // Titles in an order unrelated to insertion, so the index does the work.
            let title = format!("Volume {:05} {}", (n * 7919) % ROWS, n);
            let row = format!(
                "('{title}', 'bench-{n}', {}, {}, {}.5, {})",
                n % 5 + 1,
                1900 + n % 120,
                n % 40,
                if postgres {
                    if n % 3 == 0 { "FALSE" } else { "TRUE" }
                } else if n % 3 == 0 {
                    "0"
                } else {
                    "1"
                }
            );
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&row);
        }
        if let Some(pool) = db.postgres() {
            sqlx::raw_sql(&sql).execute(pool).await?;
        } else if let Some(pool) = db.sqlite() {
            sqlx::raw_sql(&sql).execute(pool).await?;
        }
    }
    if let Some(pool) = db.postgres() {
        sqlx::raw_sql("ANALYZE books").execute(pool).await?;
    } else if let Some(pool) = db.sqlite() {
        sqlx::raw_sql("ANALYZE").execute(pool).await?;
    }
    Ok(())
}

fn percentiles(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
