//! An axum application (a small notes REST API over SQLite) that adds MCP in a few lines: the
//! tools share the app's store, and the MCP router is merged into the app's router. The same
//! tools also run as a process of their own beside the app (`notes-mcp`), on the same database.

use std::path::Path;
use std::str::FromStr as _;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::State as AppState;
use axum::http::StatusCode;
use axum::routing::get;
use mcp_kit::prelude::*;
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};
use tokio_util::sync::CancellationToken;

/// One note.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Note {
    /// Its id, given by the database.
    pub id: i64,
    /// Its text.
    pub text: String,
}

/// The app's store, shared by the REST handlers and the MCP tools (and by every process
/// that opens the same file).
#[derive(Debug, Clone)]
pub struct Notes {
    options: SqliteConnectOptions,
    /// Made on first use, inside whichever runtime serves: `open` needs none.
    pool: Arc<OnceLock<SqlitePool>>,
}

impl Notes {
    /// The notes in the SQLite file at `path`, created when absent. Connects on first use.
    pub fn open(path: &Path) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            // Readers in other processes do not block the writer.
            .journal_mode(SqliteJournalMode::Wal);
        Ok(Self {
            options,
            pool: Arc::default(),
        })
    }

    fn pool(&self) -> &SqlitePool {
        self.pool
            .get_or_init(|| SqlitePool::connect_lazy_with(self.options.clone()))
    }

    /// Creates the table when absent.
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        sqlx::query("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)")
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores a note and returns it with its id.
    pub async fn add(&self, text: String) -> Result<Note, sqlx::Error> {
        let id = sqlx::query("INSERT INTO notes (text) VALUES (?)")
            .bind(&text)
            .execute(self.pool())
            .await?
            .last_insert_rowid();
        Ok(Note { id, text })
    }

    /// The note with this id, if there is one.
    pub async fn get(&self, id: i64) -> Result<Option<Note>, sqlx::Error> {
        let row = sqlx::query("SELECT id, text FROM notes WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|row| Note {
            id: row.get("id"),
            text: row.get("text"),
        }))
    }

    /// Every note, oldest first.
    pub async fn all(&self) -> Result<Vec<Note>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, text FROM notes ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|row| Note {
                id: row.get("id"),
                text: row.get("text"),
            })
            .collect())
    }
}

/// The body of `POST /api/notes`.
#[derive(Debug, Deserialize)]
pub struct NewNote {
    /// The note's text.
    pub text: String,
}

async fn list_notes_route(
    AppState(notes): AppState<Notes>,
) -> Result<axum::Json<Vec<Note>>, StatusCode> {
    notes
        .all()
        .await
        .map(axum::Json)
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)
}

async fn add_note_route(
    AppState(notes): AppState<Notes>,
    axum::Json(new): axum::Json<NewNote>,
) -> Result<(StatusCode, axum::Json<Note>), StatusCode> {
    let note = notes
        .add(new.text)
        .await
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    Ok((StatusCode::CREATED, axum::Json(note)))
}

async fn get_note_route(
    AppState(notes): AppState<Notes>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Result<axum::Json<Note>, (StatusCode, axum::Json<serde_json::Value>)> {
    match notes.get(id).await {
        Ok(Some(note)) => Ok(axum::Json(note)),
        Ok(None) => Err((
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({ "message": format!("no note {id}") })),
        )),
        Err(_) => Err((
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "message": "the database is unavailable" })),
        )),
    }
}

/// The API's OpenAPI document, which `notes-openapi` turns into tools.
pub const OPENAPI_DOCUMENT: &str = include_str!("../openapi.json");

/// Every note.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct NoteList {
    /// The notes, oldest first.
    pub notes: Vec<Note>,
}

/// The notes, oldest first.
#[tool(annotations(read_only))]
async fn list_notes(notes: mcp_kit::State<Notes>) -> Result<Json<NoteList>, ToolError> {
    Ok(Json(NoteList {
        notes: notes.all().await?,
    }))
}

/// Adds a note.
#[tool]
async fn add_note(
    notes: mcp_kit::State<Notes>,
    #[arg(description = "the note's text")] text: String,
) -> Result<Json<Note>, ToolError> {
    Ok(Json(notes.add(text).await?))
}

/// The database file: `NOTES_DATABASE`, or `notes.db` in the working directory.
pub fn database_path() -> std::path::PathBuf {
    std::env::var_os("NOTES_DATABASE").map_or_else(|| "notes.db".into(), Into::into)
}

/// The MCP server builder over `notes`, with this example's `mcp-kit.toml`.
pub fn mcp_builder(notes: Notes) -> mcp_kit::ServerBuilder {
    Server::builder()
        .info(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
        .config_file(concat!(env!("CARGO_MANIFEST_DIR"), "/mcp-kit.toml"))
        .state(notes)
}

/// The whole application: its REST routes (and their OpenAPI document) with their own state, and MCP merged in
/// (`/mcp`, `/healthz`, `/.well-known/oauth-protected-resource`).
pub fn app(notes: Notes, mcp: &Server, shutdown: CancellationToken) -> Router {
    Router::new()
        .route("/api/notes", get(list_notes_route).post(add_note_route))
        .route("/api/notes/{id}", get(get_note_route))
        .route(
            "/api/openapi.json",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    OPENAPI_DOCUMENT,
                )
            }),
        )
        .with_state(notes)
        .merge(mcp.router(shutdown))
}
