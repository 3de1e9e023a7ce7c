//! The tasks extension on the wire: a task tool's `tools/call`, and `tasks/get`,
//! `tasks/update` and `tasks/cancel`, over [`crate::task`].

use std::convert::Infallible;
use std::sync::Arc;

use rmcp::model::{
    CallToolResponse, ClientCapabilities, CreateTaskResult, DetailedTask, ErrorCode, ErrorData,
    GetTaskResult, Task, TaskPayload, TaskStatus,
};
use serde_json::{Map, Value};

use super::convert;
use super::input_required::{self, Request};
use crate::context::Context;
use crate::dispatch::CallError;
use crate::error::ToolError;
use crate::result::ToolOutput;
use crate::round::{Declared, Ended};
use crate::sealed::StateKeys;
use crate::task::{Started, Status, TaskCall, TaskError, TaskView, Tasks, iso8601};
use crate::tool::TaskSupport;

/// A tool's result as a task keeps it: the `CallToolResult` a call would answer.
fn shape(output: ToolOutput) -> Map<String, Value> {
    let mut result = convert::call_result(output);
    convert::parse_structured(&mut result);
    match serde_json::to_value(result) {
        Ok(Value::Object(result)) => result,
        _ => unreachable!("a tool result serializes to an object"),
    }
}

/// Whether a call of a tool with `support` goes to the tasks: `None` when it is a plain call.
pub(super) fn route(
    support: TaskSupport,
    declared: Option<Declared>,
) -> Option<Result<(), ErrorData>> {
    let supported = declared.is_some_and(|declared| declared.tasks);
    match support {
        TaskSupport::Required if !supported => Some(Err(missing_extension())),
        TaskSupport::Required | TaskSupport::Optional if supported => Some(Ok(())),
        _ => None,
    }
}

/// `tools/call` of a task tool by a client that supports tasks.
pub(super) async fn call(
    tasks: &Arc<Tasks>,
    keys: &StateKeys,
    request: Request<'_>,
    context: &Context,
    support: TaskSupport,
    declared: Declared,
) -> Result<CallToolResponse, ErrorData> {
    let principal = context.principal().cloned();
    let subject = principal.as_ref().map(|p| p.subject.as_str());
    let round = input_required::open(keys, declared, subject, &request)?;
    let call = TaskCall {
        name: request.name.to_owned(),
        arguments: request.arguments,
        principal,
        client: context.client(),
        support,
        declared,
        resumed: false,
    };
    match tasks.start(call, round, keys, shape).await {
        Ok(Started::Answered(Ok(output))) => Ok(convert::call_result(output).into()),
        Ok(Started::Answered(Err(error @ CallError::UnknownTool(_)))) => {
            Err(ErrorData::invalid_params(error.to_string(), None))
        }
        Ok(Started::Answered(Err(CallError::Cancelled))) => {
            Err(ErrorData::new(ErrorCode(-32800), "request cancelled", None))
        }
        Ok(Started::Stopped(ended)) => {
            let ended = match ended {
                Ended::Done(never) => match never {},
                Ended::Asked(questions, state) => Ended::Asked(questions, state),
                Ended::Fault(fault) => Ended::Fault(fault),
            };
            match input_required::answer::<Infallible>(ended)? {
                Ok(never) => match never {},
                Err(input_required) => Ok(input_required.into()),
            }
        }
        Ok(Started::Task(view)) => Ok(CreateTaskResult::new(task(&view)).into()),
        // The tool could not start: the model reads why, as it reads a tool's own failure.
        Err(error) => Ok(convert::call_result(ToolOutput::from_error(&refusal(error))).into()),
    }
}

/// `tasks/get`.
pub(super) async fn get(
    tasks: &Tasks,
    id: &str,
    context: &Context,
) -> Result<GetTaskResult, ErrorData> {
    let view = tasks.get(id, &subject(context)).await.map_err(task_error)?;
    let payload = match view.status {
        Status::Working => TaskPayload::Working,
        Status::Cancelled => TaskPayload::Cancelled,
        Status::InputRequired => TaskPayload::InputRequired {
            input_requests: parse(view.input_requests.clone())?,
        },
        Status::Completed => TaskPayload::Completed {
            result: view.result.clone().unwrap_or_default(),
        },
        Status::Failed => TaskPayload::Failed {
            error: view.error.clone().unwrap_or_default(),
        },
    };
    Ok(GetTaskResult::new(DetailedTask::new(task(&view), payload)))
}

/// `tasks/update`.
pub(super) async fn update(
    tasks: &Arc<Tasks>,
    id: &str,
    responses: Map<String, Value>,
    context: &Context,
) -> Result<(), ErrorData> {
    let principal = context.principal().cloned();
    tasks
        .update(id, principal, context.client(), responses, shape)
        .await
        .map_err(task_error)
}

/// `tasks/cancel`.
pub(super) async fn cancel(tasks: &Tasks, id: &str, context: &Context) -> Result<(), ErrorData> {
    tasks
        .cancel(id, &subject(context))
        .await
        .map(drop)
        .map_err(task_error)
}

fn subject(context: &Context) -> String {
    crate::task::subject_of(context.principal())
}

fn task(view: &TaskView) -> Task {
    let status = match view.status {
        Status::Working => TaskStatus::Working,
        Status::InputRequired => TaskStatus::InputRequired,
        Status::Completed => TaskStatus::Completed,
        Status::Failed => TaskStatus::Failed,
        Status::Cancelled => TaskStatus::Cancelled,
    };
    let mut task = Task::new(
        view.id.clone(),
        status,
        iso8601(view.created_at),
        iso8601(view.updated_at),
    )
    .with_ttl_ms(view.ttl_ms)
    .with_poll_interval_ms(view.poll_interval_ms);
    task.status_message = view.status_message.clone();
    task
}

fn parse<T: serde::de::DeserializeOwned + Default>(
    stored: Option<Map<String, Value>>,
) -> Result<T, ErrorData> {
    stored.map_or_else(
        || Ok(T::default()),
        |stored| {
            serde_json::from_value(Value::Object(stored)).map_err(|e| {
                ErrorData::internal_error(format!("a stored task does not parse: {e}"), None)
            })
        },
    )
}

/// The error the extension names for a client that did not declare it.
pub(super) fn missing_extension() -> ErrorData {
    let mut error = ErrorData::missing_required_client_capability(
        ClientCapabilities::builder().enable_tasks().build(),
    );
    error.message = "this tool runs as a task: declare the io.modelcontextprotocol/tasks \
                     extension in the request's client capabilities"
        .into();
    error
}

fn task_error(error: TaskError) -> ErrorData {
    match error {
        TaskError::NotFound => ErrorData::invalid_params(error.to_string(), None),
        error => ErrorData::new(ErrorCode(-32004), error.to_string(), None),
    }
}

fn refusal(error: TaskError) -> ToolError {
    match error {
        TaskError::TooMany(_) => ToolError::bad_request(error.to_string()),
        error => ToolError::unavailable(error.to_string()),
    }
}
