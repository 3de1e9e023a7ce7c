//! An existing axum application (a small notes REST API) that adds MCP in a few lines: the
//! tools share the app's state, and the MCP router is merged into the app's router.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State as AppState;
use axum::routing::get;
use mcp_kit::prelude::*;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// One note.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Note {
    /// Its id, given by the store.
    pub id: u64,
    /// Its text.
    pub text: String,
}

/// The app's store, shared by the REST handlers and the MCP tools.
#[derive(Debug, Clone, Default)]
pub struct Notes(Arc<Mutex<Vec<Note>>>);

impl Notes {
    /// Stores a note and returns it with its id.
    pub fn add(&self, text: String) -> Note {
        let mut notes = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let note = Note {
            id: notes.len() as u64 + 1,
            text,
        };
        notes.push(note.clone());
        note
    }

    /// Every note, oldest first.
    pub fn all(&self) -> Vec<Note> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The body of `POST /api/notes`.
#[derive(Debug, Deserialize)]
pub struct NewNote {
    /// The note's text.
    pub text: String,
}

async fn list_notes_route(AppState(notes): AppState<Notes>) -> axum::Json<Vec<Note>> {
    axum::Json(notes.all())
}

async fn add_note_route(
    AppState(notes): AppState<Notes>,
    axum::Json(new): axum::Json<NewNote>,
) -> (axum::http::StatusCode, axum::Json<Note>) {
    (
        axum::http::StatusCode::CREATED,
        axum::Json(notes.add(new.text)),
    )
}

/// The notes, newest last.
#[tool(annotations(read_only))]
async fn list_notes(notes: mcp_kit::State<Notes>) -> Json<NoteList> {
    Json(NoteList { notes: notes.all() })
}

/// Every note.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct NoteList {
    /// The notes, oldest first.
    pub notes: Vec<Note>,
}

/// Adds a note.
#[tool]
async fn add_note(
    notes: mcp_kit::State<Notes>,
    #[arg(description = "the note's text")] text: String,
) -> Json<Note> {
    Json(notes.add(text))
}

/// The MCP server over `notes`, with settings from this example's `mcp-kit.toml`.
pub fn mcp_server(
    notes: Notes,
    settings: Option<mcp_kit::Settings>,
) -> Result<Server, mcp_kit::Error> {
    let builder = Server::builder()
        .info(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
        .state(notes);
    match settings {
        Some(settings) => builder.settings(settings).build(),
        None => builder
            .config_file(concat!(env!("CARGO_MANIFEST_DIR"), "/mcp-kit.toml"))
            .build(),
    }
}

/// The whole application: its REST routes with their own state, and MCP merged in
/// (`/mcp`, `/healthz`, `/.well-known/oauth-protected-resource`).
pub fn app(notes: Notes, mcp: &Server, shutdown: CancellationToken) -> Router {
    Router::new()
        .route("/api/notes", get(list_notes_route).post(add_note_route))
        .with_state(notes)
        .merge(mcp.router(shutdown))
}
