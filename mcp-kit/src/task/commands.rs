//! `tasks list`, `tasks show ID`, `tasks cancel ID` on the server's command line: they read
//! and write the task store directly, so they work on a live server's tasks from another
//! process (a cancellation reaches the running task at its next heartbeat).

use clap::Subcommand;
use serde_json::{Value, json};

use super::store::Row;
use super::{Tasks, iso8601};

#[derive(Debug, Subcommand)]
pub(crate) enum TaskCommand {
    /// List the tasks kept, newest first
    List {
        /// Only this caller's tasks (a token's subject)
        #[arg(long)]
        subject: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Print one task, its answers and its result, as JSON
    Show {
        /// The task id
        id: String,
    },
    /// Cancel a task that is working or waiting for answers
    Cancel {
        /// The task id
        id: String,
    },
}

pub(crate) async fn run(
    tasks: &Tasks,
    command: TaskCommand,
    out: &mut impl std::io::Write,
) -> Result<(), String> {
    let written = match command {
        TaskCommand::List { subject, json } => {
            let rows = tasks
                .store
                .list(subject.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            if json {
                let rows: Vec<Value> = rows.iter().map(describe).collect();
                print(out, &Value::Array(rows))
            } else {
                list(out, &rows)
            }
        }
        TaskCommand::Show { id } => {
            let subject = tasks.store.find(&id).await.map_err(missing(&id))?.subject;
            // Read as `tasks/get` reads it, so a task whose process died shows as failed.
            let row = tasks.read(&id, &subject).await.map_err(missing(&id))?;
            print(out, &describe(&row))
        }
        TaskCommand::Cancel { id } => {
            let subject = tasks.store.find(&id).await.map_err(missing(&id))?.subject;
            let status = tasks.cancel(&id, &subject).await.map_err(missing(&id))?;
            writeln!(out, "task {id} is {}", status.as_str())
        }
    };
    written.map_err(|e| e.to_string())
}

fn missing(id: &str) -> impl Fn(super::TaskError) -> String + '_ {
    move |error| match error {
        super::TaskError::NotFound => format!("no task has the id `{id}`"),
        error => error.to_string(),
    }
}

/// Everything kept about a task, the arguments and answers included: for its operator.
fn describe(row: &Row) -> Value {
    json!({
        "taskId": row.id,
        "status": row.status.as_str(),
        "statusMessage": row.status_message,
        "tool": row.tool,
        "subject": (!row.subject.is_empty()).then_some(&row.subject),
        "arguments": row.arguments,
        "answers": row.answers,
        "inputRequests": row.input_requests,
        "result": row.result,
        "error": row.error,
        "createdAt": iso8601(row.created_at),
        "lastUpdatedAt": iso8601(row.updated_at),
        "expiresAt": iso8601(row.expires_at),
    })
}

fn list(out: &mut impl std::io::Write, rows: &[Row]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:22}  {:14}  {:24}  {:24}  SUBJECT",
        "ID", "STATUS", "TOOL", "CREATED"
    )?;
    for row in rows {
        let subject = if row.subject.is_empty() {
            "(anonymous)"
        } else {
            &row.subject
        };
        writeln!(
            out,
            "{:22}  {:14}  {:24}  {:24}  {subject}",
            row.id,
            row.status.as_str(),
            row.tool,
            iso8601(row.created_at),
        )?;
    }
    writeln!(out, "\n{} tasks", rows.len())
}

fn print(out: &mut impl std::io::Write, value: &Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    writeln!(out, "{text}")
}
