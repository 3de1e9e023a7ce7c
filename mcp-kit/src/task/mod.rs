//! Tools that run as tasks (the `io.modelcontextprotocol/tasks` extension, SEP-2663): the
//! call is answered at once with a task id, and the client polls `tasks/get`, answers the
//! task's questions with `tasks/update`, or cancels it with `tasks/cancel`.
//!
//! A task is a row in a [`store`] any replica reads. The process that starts it runs it,
//! writing a sign of life every `heartbeat`; a task whose process died is reported failed
//! by whichever replica reads it next. A question the task asks suspends it
//! (`input_required`) with no future kept: once every question is answered, the replica
//! that received the last answer runs the handler again from the start with the answers in
//! hand, as a 2026-07-28 call runs again in rounds (see [`crate::round`]).

pub(crate) mod commands;
mod run;
mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use crate::config::TaskSettings;
use crate::dispatch::Dispatcher;
use crate::lock::lock;
use crate::result::ToolOutput;

pub(crate) use run::{Started, TaskCall};
use store::{Row, Store, now_ms};

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Working,
    InputRequired,
    Completed,
    Failed,
    Cancelled,
}

impl Status {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Working => "working",
            Self::InputRequired => "input_required",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Working,
            Self::InputRequired,
            Self::Completed,
            Self::Failed,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    const fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// A task as `tasks/get` reports it. Times are milliseconds since the epoch.
#[derive(Debug, Clone)]
pub(crate) struct TaskView {
    pub(crate) id: String,
    pub(crate) status: Status,
    pub(crate) status_message: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) ttl_ms: u64,
    pub(crate) poll_interval_ms: u64,
    /// While `input_required`: the questions, as the requests the client is to run.
    pub(crate) input_requests: Option<Map<String, Value>>,
    /// Once `completed`: the tool's result.
    pub(crate) result: Option<Map<String, Value>>,
    /// Once `failed`: the JSON-RPC error.
    pub(crate) error: Option<Map<String, Value>>,
}

impl TaskView {
    /// As `tasks/get` reads, without the times: the id, the status, and what it carries.
    pub(crate) fn to_json(&self) -> Value {
        let mut task = Map::new();
        task.insert("taskId".into(), self.id.clone().into());
        task.insert("status".into(), self.status.as_str().into());
        let carried = [
            (
                "statusMessage",
                self.status_message.clone().map(Value::from),
            ),
            (
                "inputRequests",
                self.input_requests.clone().map(Value::Object),
            ),
            ("result", self.result.clone().map(Value::Object)),
            ("error", self.error.clone().map(Value::Object)),
        ];
        for (key, value) in carried {
            if let Some(value) = value {
                task.insert(key.into(), value);
            }
        }
        Value::Object(task)
    }
}

/// Why a task request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TaskError {
    /// No such task for this caller (or it expired).
    NotFound,
    /// The caller has this many tasks live already.
    TooMany(u64),
    /// The store cannot be used; the message says so without detail.
    Unavailable(String),
}

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("no task has this id (or it has expired)"),
            Self::TooMany(live) => write!(
                f,
                "you have {live} tasks working or waiting for answers, the most allowed; wait \
                 for one to finish or cancel one"
            ),
            Self::Unavailable(message) => f.write_str(message),
        }
    }
}

/// How a task ended.
#[derive(Debug, Clone)]
pub(crate) enum Finish {
    Completed(Map<String, Value>),
    Failed(Map<String, Value>),
    Cancelled,
}

/// How a task stores a tool's result: the transport's shape of a `CallToolResult`, so that
/// `tasks/get` hands back the bytes a call would have.
pub(crate) type Shape = fn(ToolOutput) -> Map<String, Value>;

/// The tasks of one server.
pub(crate) struct Tasks {
    store: Store,
    settings: TaskSettings,
    dispatcher: Arc<Dispatcher>,
    /// This process, as the owner of the tasks it runs.
    owner: String,
    /// The tasks this process runs, to cancel them without waiting for a heartbeat.
    running: Mutex<HashMap<String, CancellationToken>>,
    /// Told whenever this process changes a task, for those in it who wait on one.
    changed: tokio::sync::Notify,
}

impl Tasks {
    pub(crate) fn new(
        settings: &TaskSettings,
        dispatcher: Arc<Dispatcher>,
    ) -> Result<Self, String> {
        Ok(Self {
            store: Store::open(&settings.database_url)?,
            settings: settings.clone(),
            dispatcher,
            owner: crate::sealed::random_id(),
            running: Mutex::default(),
            changed: tokio::sync::Notify::new(),
        })
    }

    /// The task `id` of `subject` (`""` when anonymous). A task still `working` whose process
    /// has shown no sign of life for three heartbeats is failed here, for good.
    pub(crate) async fn get(&self, id: &str, subject: &str) -> Result<TaskView, TaskError> {
        let row = self.read(id, subject).await?;
        Ok(row.view(self.settings.poll_interval_ms))
    }

    /// The row of [`get`](Self::get).
    async fn read(&self, id: &str, subject: &str) -> Result<Row, TaskError> {
        loop {
            let mut row = self.store.get(id, subject).await?;
            if !self.is_orphan(&row) {
                return Ok(row);
            }
            Finish::Failed(error_object(
                -32603,
                "the server running this task stopped before it finished (a crash or a \
                 restart); call the tool again",
            ))
            .apply(&mut row);
            if self.replace(&mut row).await? {
                return Ok(row);
            }
        }
    }

    /// Writes `row` over the stored one unless it changed meanwhile, telling those waiting.
    async fn replace(&self, row: &mut Row) -> Result<bool, TaskError> {
        let replaced = self.store.replace(row).await?;
        if replaced {
            self.changed.notify_waiters();
        }
        Ok(replaced)
    }

    /// Completes once this process next changes a task.
    pub(crate) fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    fn is_orphan(&self, row: &Row) -> bool {
        let silent_for = now_ms() - row.heartbeat_at;
        let heartbeat =
            i64::try_from(self.settings.heartbeat.saturating_mul(1000)).unwrap_or(i64::MAX);
        row.status == Status::Working && silent_for > heartbeat.saturating_mul(3)
    }

    /// Cancels the task `id` of `subject`, unless it has ended already (then nothing changes);
    /// the status it ends with.
    pub(crate) async fn cancel(&self, id: &str, subject: &str) -> Result<Status, TaskError> {
        loop {
            let mut row = self.store.get(id, subject).await?;
            if row.status.is_terminal() {
                return Ok(row.status);
            }
            Finish::Cancelled.apply(&mut row);
            if self.replace(&mut row).await? {
                break;
            }
        }
        if let Some(token) = lock(&self.running).get(id) {
            token.cancel();
        }
        Ok(Status::Cancelled)
    }
}

/// Whose tasks a caller sees: its subject, or `""` when anonymous.
pub(crate) fn subject_of(principal: Option<&crate::auth::Principal>) -> String {
    principal.map(|p| p.subject.clone()).unwrap_or_default()
}

/// A JSON-RPC error object.
fn error_object(code: i32, message: &str) -> Map<String, Value> {
    let mut error = Map::new();
    error.insert("code".into(), code.into());
    error.insert("message".into(), message.into());
    error
}

/// `ms` since the epoch as an ISO 8601 time in UTC, to the millisecond.
pub(crate) fn iso8601(ms: i64) -> String {
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Civil from days, after Howard Hinnant's algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let (hours, minutes) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60);
    let (seconds, millis) = (ms_of_day / 1000 % 60, ms_of_day % 1000);
    format!("{year:04}-{month:02}-{day:02}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_iso_8601_in_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601(1_785_196_800_000), "2026-07-28T00:00:00.000Z");
        assert_eq!(iso8601(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
    }
}
