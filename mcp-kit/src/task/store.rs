//! The tasks' rows. Every change is one conditional `UPDATE` on the row's `revision`, so two
//! replicas (or a runner and a `tasks/cancel`) never overwrite each other: the one that lost
//! reads the row again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use sqlx::AnyPool;
use sqlx::any::AnyRow;

use super::{Finish, Status, TaskError, TaskView};
use crate::database::{Database, Schema};
use crate::lock::lock;
use crate::round::Declared;

static SCHEMA: Schema = Schema {
    table: "mcp_tasks_schema",
    migrations: &[&[
        // Times are milliseconds since the epoch; JSON is text. `subject` is '' for an
        // anonymous caller, so that equality finds its tasks on both databases.
        "CREATE TABLE IF NOT EXISTS mcp_tasks (
            task_id TEXT PRIMARY KEY,
            subject TEXT NOT NULL,
            tool TEXT NOT NULL,
            arguments TEXT NOT NULL,
            declared TEXT NOT NULL,
            status TEXT NOT NULL,
            status_message TEXT,
            answers TEXT NOT NULL,
            input_requests TEXT,
            result TEXT,
            error TEXT,
            owner TEXT,
            heartbeat_at BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            revision BIGINT NOT NULL
        )",
        "CREATE INDEX IF NOT EXISTS mcp_tasks_live ON mcp_tasks (subject, status)",
        "CREATE INDEX IF NOT EXISTS mcp_tasks_expiry ON mcp_tasks (expires_at)",
    ]],
};

const COLUMNS: &str = "task_id, subject, tool, arguments, declared, status, status_message, \
    answers, input_requests, result, error, owner, heartbeat_at, created_at, updated_at, \
    expires_at, revision";

/// How often expired tasks are deleted.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// A task's row.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) id: String,
    pub(super) subject: String,
    pub(super) tool: String,
    pub(super) arguments: Option<Map<String, Value>>,
    pub(super) declared: Declared,
    pub(super) status: Status,
    pub(super) status_message: Option<String>,
    pub(super) answers: Map<String, Value>,
    pub(super) input_requests: Option<Map<String, Value>>,
    pub(super) result: Option<Map<String, Value>>,
    pub(super) error: Option<Map<String, Value>>,
    pub(super) owner: Option<String>,
    pub(super) heartbeat_at: i64,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
    pub(super) expires_at: i64,
    pub(super) revision: i64,
}

impl Row {
    pub(super) fn view(&self, poll_interval_ms: u64) -> TaskView {
        TaskView {
            id: self.id.clone(),
            status: self.status,
            status_message: self.status_message.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            ttl_ms: u64::try_from(self.expires_at - self.created_at).unwrap_or(0),
            poll_interval_ms,
            input_requests: self.input_requests.clone(),
            result: self.result.clone(),
            error: self.error.clone(),
        }
    }
}

pub(super) struct Store {
    database: Database,
    swept: Mutex<Option<Instant>>,
}

impl Store {
    pub(super) fn open(url: &str) -> Result<Self, String> {
        Ok(Self {
            database: Database::open(url, "tasks.database_url", &SCHEMA)?,
            swept: Mutex::new(None),
        })
    }

    async fn pool(&self) -> Result<&AnyPool, TaskError> {
        let pool = self.database.pool().await.map_err(unavailable)?;
        let due = {
            let mut swept = lock(&self.swept);
            let due = swept.is_none_or(|at| at.elapsed() >= SWEEP_EVERY);
            if due {
                *swept = Some(Instant::now());
            }
            due
        };
        if due {
            let pool = pool.clone();
            tokio::spawn(async move {
                let swept = sqlx::query("DELETE FROM mcp_tasks WHERE expires_at < $1")
                    .bind(now_ms())
                    .execute(&pool)
                    .await;
                if let Err(error) = swept {
                    tracing::warn!(%error, "could not delete expired tasks");
                }
            });
        }
        Ok(pool)
    }

    /// How many tasks `subject` has working or waiting for answers.
    pub(super) async fn live(&self, subject: &str) -> Result<u64, TaskError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM mcp_tasks
             WHERE subject = $1 AND status IN ('working', 'input_required') AND expires_at > $2",
        )
        .bind(subject)
        .bind(now_ms())
        .fetch_one(self.pool().await?)
        .await
        .map_err(unavailable)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub(super) async fn insert(&self, row: &Row) -> Result<(), TaskError> {
        let statement = format!(
            "INSERT INTO mcp_tasks ({COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        );
        let insert = sqlx::query(&statement)
            .bind(&row.id)
            .bind(&row.subject)
            .bind(&row.tool)
            .bind(json(&row.arguments))
            .bind(json(&row.declared));
        bind_state(insert, row)
            .bind(row.created_at)
            .bind(row.updated_at)
            .bind(row.expires_at)
            .bind(row.revision)
            .execute(self.pool().await?)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// The task `id` of `subject`, unless it has expired: another caller's task is not found,
    /// as an unknown one is.
    pub(super) async fn get(&self, id: &str, subject: &str) -> Result<Row, TaskError> {
        let row: Option<AnyRow> = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM mcp_tasks WHERE task_id = $1 AND subject = $2 AND expires_at > $3"
        ))
        .bind(id)
        .bind(subject)
        .bind(now_ms())
        .fetch_optional(self.pool().await?)
        .await
        .map_err(unavailable)?;
        found(row)
    }

    /// Writes `row` over the stored one, if nothing changed it since it was read; `false`
    /// when something did.
    pub(super) async fn replace(&self, row: &mut Row) -> Result<bool, TaskError> {
        let read = row.revision;
        row.revision += 1;
        row.updated_at = now_ms().max(row.updated_at);
        let update = sqlx::query(
            "UPDATE mcp_tasks SET status = $1, status_message = $2, answers = $3,
                input_requests = $4, result = $5, error = $6, owner = $7, heartbeat_at = $8,
                updated_at = $9, revision = $10
             WHERE task_id = $11 AND revision = $12",
        );
        let done = bind_state(update, row)
            .bind(row.updated_at)
            .bind(row.revision)
            .bind(&row.id)
            .bind(read)
            .execute(self.pool().await?)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    /// Notes that `owner` still runs `id`; the task's status, for the runner to see a
    /// cancellation made elsewhere.
    pub(super) async fn beat(&self, id: &str, owner: &str) -> Result<Option<Status>, TaskError> {
        let pool = self.pool().await?;
        sqlx::query("UPDATE mcp_tasks SET heartbeat_at = $1 WHERE task_id = $2 AND owner = $3")
            .bind(now_ms())
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await
            .map_err(unavailable)?;
        let status: Option<(String,)> =
            sqlx::query_as("SELECT status FROM mcp_tasks WHERE task_id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(unavailable)?;
        Ok(status.and_then(|(status,)| Status::parse(&status)))
    }

    /// Sets the status message of `id` while `owner` runs it.
    pub(super) async fn note(&self, id: &str, owner: &str, message: &str) -> Result<(), TaskError> {
        sqlx::query(
            "UPDATE mcp_tasks SET status_message = $1, updated_at = $2, revision = revision + 1
             WHERE task_id = $3 AND owner = $4 AND status = 'working'",
        )
        .bind(message)
        .bind(now_ms())
        .bind(id)
        .bind(owner)
        .execute(self.pool().await?)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    /// Every task of `subject`, or of everyone, newest first, for the command line.
    pub(super) async fn list(&self, subject: Option<&str>) -> Result<Vec<Row>, TaskError> {
        let rows: Vec<AnyRow> = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM mcp_tasks
             WHERE ($1 = '' OR subject = $2) AND expires_at > $3
             ORDER BY created_at DESC"
        ))
        .bind(subject.unwrap_or_default())
        .bind(subject.unwrap_or_default())
        .bind(now_ms())
        .fetch_all(self.pool().await?)
        .await
        .map_err(unavailable)?;
        rows.iter().map(read_row).collect()
    }

    /// The task `id`, whoever it belongs to, for the command line.
    pub(super) async fn find(&self, id: &str) -> Result<Row, TaskError> {
        let row: Option<AnyRow> = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM mcp_tasks WHERE task_id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool().await?)
        .await
        .map_err(unavailable)?;
        found(row)
    }
}

impl Finish {
    /// Writes this end into `row`.
    pub(super) fn apply(self, row: &mut Row) {
        row.input_requests = None;
        row.owner = None;
        match self {
            Self::Completed(result) => {
                row.status = Status::Completed;
                row.result = Some(result);
            }
            Self::Failed(error) => {
                row.status = Status::Failed;
                row.status_message = error
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                row.error = Some(error);
            }
            Self::Cancelled => {
                row.status = Status::Cancelled;
                row.status_message = Some("cancelled by the client".into());
            }
        }
    }
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds what a task's run changes, in the order of the columns from `status` to
/// `heartbeat_at`.
fn bind_state<'q>(query: Query<'q>, row: &Row) -> Query<'q> {
    query
        .bind(row.status.as_str())
        .bind(row.status_message.clone())
        .bind(json(&row.answers))
        .bind(row.input_requests.as_ref().map(json))
        .bind(row.result.as_ref().map(json))
        .bind(row.error.as_ref().map(json))
        .bind(row.owner.clone())
        .bind(row.heartbeat_at)
}

/// The row a query for one task found.
fn found(row: Option<AnyRow>) -> Result<Row, TaskError> {
    row.as_ref()
        .map(read_row)
        .transpose()?
        .ok_or(TaskError::NotFound)
}

fn read_row(row: &AnyRow) -> Result<Row, TaskError> {
    use sqlx::Row as _;
    let text = |column: &str| row.try_get::<String, _>(column).map_err(unavailable);
    let optional = |column: &str| {
        row.try_get::<Option<String>, _>(column)
            .map_err(unavailable)
    };
    let object = |column: &str| -> Result<Option<Map<String, Value>>, TaskError> {
        optional(column)?
            .map(|text| serde_json::from_str(&text).map_err(corrupt))
            .transpose()
    };
    let number = |column: &str| row.try_get::<i64, _>(column).map_err(unavailable);
    let status = text("status")?;
    Ok(Row {
        id: text("task_id")?,
        subject: text("subject")?,
        tool: text("tool")?,
        arguments: serde_json::from_str(&text("arguments")?).map_err(corrupt)?,
        declared: serde_json::from_str(&text("declared")?).map_err(corrupt)?,
        status: Status::parse(&status)
            .ok_or_else(|| TaskError::Unavailable(format!("a task has the status `{status}`")))?,
        status_message: optional("status_message")?,
        answers: serde_json::from_str(&text("answers")?).map_err(corrupt)?,
        input_requests: object("input_requests")?,
        result: object("result")?,
        error: object("error")?,
        owner: optional("owner")?,
        heartbeat_at: number("heartbeat_at")?,
        created_at: number("created_at")?,
        updated_at: number("updated_at")?,
        expires_at: number("expires_at")?,
        revision: number("revision")?,
    })
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("JSON serializes")
}

fn unavailable(error: sqlx::Error) -> TaskError {
    tracing::error!(%error, "the task store failed");
    TaskError::Unavailable("the task store cannot be reached right now".into())
}

fn corrupt(error: serde_json::Error) -> TaskError {
    tracing::error!(%error, "a stored task does not parse");
    TaskError::Unavailable("a stored task does not parse".into())
}

pub(super) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
