//! Starting, running and resuming tasks.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::store::{Row, now_ms};
use super::{Finish, Shape, Status, TaskError, TaskView, Tasks, error_object, subject_of};
use crate::auth::Principal;
use crate::context::{ClientAddr, ClientChannel, Context};
use crate::dispatch::{CallError, Quota};
use crate::error::{ErrorKind, ToolError};
use crate::interaction::{Elicitation, Root, Sampled, SamplingRequest};
use crate::lock::lock;
use crate::result::ToolOutput;
use crate::round::{self, Binding, Declared, Ended, Fault, Round, Stop};
use crate::sealed::StateKeys;
use crate::tool::TaskSupport;

/// What the dispatcher makes of a call, the tool's error kept apart.
type Outcome = Result<Result<ToolOutput, ToolError>, CallError>;

/// A `tools/call` of a tool that runs as a task, from a client that supports tasks.
pub(crate) struct TaskCall {
    pub(crate) name: String,
    pub(crate) arguments: Option<Map<String, Value>>,
    pub(crate) principal: Option<Principal>,
    pub(crate) client: Option<ClientAddr>,
    pub(crate) support: TaskSupport,
    pub(crate) declared: Declared,
    /// The run resumes a task with its answers: the task's creation took the rate limit.
    pub(crate) resumed: bool,
}

/// How a task call was answered.
#[derive(Debug)]
pub(crate) enum Started {
    /// A tool that may run as a task finished in its first steps: its answer, as a call's.
    Answered(Result<ToolOutput, CallError>),
    /// It stopped before its task started, as a round stops: at questions asked with
    /// `before_task`, or at a fault.
    Stopped(Ended<Infallible>),
    /// The task.
    Task(TaskView),
}

/// How a run of a task ended.
enum Ran {
    Done(Outcome),
    Stopped(Stop),
}

impl Tasks {
    /// Runs `call` up to its first wait, in `round` (the answers its request carries): it
    /// finishes, stops at questions for the request, or goes on as a task.
    pub(crate) async fn start(
        self: &Arc<Self>,
        call: TaskCall,
        round: Round,
        keys: &StateKeys,
        shape: Shape,
    ) -> Result<Started, TaskError> {
        let subject = subject_of(call.principal.as_ref());
        let live = self.store.live(&subject).await?;
        if live >= self.settings.max_live_per_caller {
            return Err(TaskError::TooMany(live));
        }
        let round = Arc::new(round.before_task());
        let token = CancellationToken::new();
        let id = crate::sealed::random_id();
        let arguments = call.arguments.clone();
        // The row is written only if the call goes on as a task: until then, progress waits.
        let (stored, stored_yet) = watch::channel(false);
        let mut future = self.run(&id, &call, arguments, (&round, &token), stored_yet);
        let first = std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
        if let Poll::Ready(outcome) = first {
            if call.support == TaskSupport::Optional {
                let answer =
                    outcome.map(|result| result.unwrap_or_else(|e| ToolOutput::from_error(&e)));
                return Ok(Started::Answered(answer));
            }
            let mut row = self.new_row(id, &call, subject, round.answers().clone());
            self.finish_of(outcome, shape).apply(&mut row);
            self.store.insert(&row).await?;
            return Ok(Started::Task(row.view(self.settings.poll_interval_ms)));
        }
        if let Some(stop) = round.stop() {
            return Ok(Started::Stopped(round::ended(&round, keys, stop)));
        }
        round.start_task();
        let row = self.new_row(id, &call, subject, round.answers().clone());
        self.store.insert(&row).await?;
        stored.send_replace(true);
        let view = row.view(self.settings.poll_interval_ms);
        self.spawn(row.id, &row.tool, future, round, token, shape);
        Ok(Started::Task(view))
    }

    /// Files `responses` for the task `id` of `principal`: answers to questions it has not
    /// asked, or has had answered, are ignored. Once none is left, the task runs again.
    pub(crate) async fn update(
        self: &Arc<Self>,
        id: &str,
        principal: Option<Principal>,
        client: Option<ClientAddr>,
        responses: Map<String, Value>,
        shape: Shape,
    ) -> Result<(), TaskError> {
        let subject = subject_of(principal.as_ref());
        let resumed = loop {
            let mut row = self.store.get(id, &subject).await?;
            let Some(pending) = row.input_requests.as_mut() else {
                return Ok(());
            };
            let mut answered = false;
            for (key, answer) in &responses {
                if pending.remove(key).is_some() {
                    row.answers.insert(key.clone(), answer.clone());
                    answered = true;
                }
            }
            if !answered {
                return Ok(());
            }
            let resume = pending.is_empty();
            if resume {
                row.input_requests = None;
                row.status = Status::Working;
                row.status_message = None;
                row.owner = Some(self.owner.clone());
                row.heartbeat_at = now_ms();
            }
            if self.replace(&mut row).await? {
                break resume.then_some(row);
            }
        };
        if let Some(row) = resumed {
            let call = TaskCall {
                name: row.tool,
                arguments: row.arguments,
                principal,
                client,
                support: TaskSupport::Required,
                declared: row.declared,
                resumed: true,
            };
            let binding = Binding::new(
                Some(subject.as_str()),
                "tools/call",
                &call.name,
                call.arguments.as_ref(),
            );
            let round = Arc::new(Round::for_task(binding, call.declared, row.answers));
            let token = CancellationToken::new();
            let arguments = call.arguments.clone();
            let stored = watch::channel(true).1;
            let future = self.run(&row.id, &call, arguments, (&round, &token), stored);
            self.spawn(row.id, &call.name, future, round, token, shape);
        }
        Ok(())
    }

    /// The call's run through the dispatcher, in `round`, cancelled by `token`; its progress
    /// is written once `stored` says the task's row is.
    fn run(
        self: &Arc<Self>,
        id: &str,
        call: &TaskCall,
        arguments: Option<Map<String, Value>>,
        (round, token): (&Arc<Round>, &CancellationToken),
        stored: watch::Receiver<bool>,
    ) -> BoxFuture<'static, Outcome> {
        // A task sends no notifications (the extension forbids them): its progress becomes its
        // status message, read with `tasks/get`.
        let progress = Arc::new(Progress {
            tasks: self.clone(),
            id: id.to_owned(),
            stored,
        });
        let progress_token = Some(Value::String(id.to_owned()));
        let principal = call.principal.clone();
        let context = Context::new(
            principal,
            call.client,
            progress_token,
            Some(progress),
            token.clone(),
        )
        .in_round(round.clone());
        let dispatcher = self.dispatcher.clone();
        let name = call.name.clone();
        let quota = if call.resumed {
            Quota::Taken
        } else {
            Quota::Take
        };
        async move {
            dispatcher
                .call_tool_outcome(&name, arguments, context, quota)
                .await
        }
        .boxed()
    }

    fn new_row(
        &self,
        id: String,
        call: &TaskCall,
        subject: String,
        answers: Map<String, Value>,
    ) -> Row {
        let now = now_ms();
        let ttl = i64::try_from(self.settings.ttl.saturating_mul(1000)).unwrap_or(i64::MAX);
        Row {
            id,
            subject,
            tool: call.name.clone(),
            arguments: call.arguments.clone(),
            declared: call.declared,
            status: Status::Working,
            status_message: None,
            answers,
            input_requests: None,
            result: None,
            error: None,
            owner: Some(self.owner.clone()),
            heartbeat_at: now,
            created_at: now,
            updated_at: now,
            expires_at: now.saturating_add(ttl),
            revision: 0,
        }
    }

    /// Runs the task `id` on the runtime until it ends or asks, and records that.
    fn spawn(
        self: &Arc<Self>,
        id: String,
        tool: &str,
        future: BoxFuture<'static, Outcome>,
        round: Arc<Round>,
        token: CancellationToken,
        shape: Shape,
    ) {
        // The task goes on in the trace of the request that started (or resumed) it, in a
        // span of its own: the request's ends when it is answered, this one with the task.
        let span = tracing::debug_span!(
            target: "mcp_kit::operation",
            "task",
            otel.name = %format_args!("task {tool}"),
            gen_ai.tool.name = tool,
            mcp.task.id = id.as_str(),
        );
        lock(&self.running).insert(id.clone(), token.clone());
        let tasks = self.clone();
        let run = async move {
            let ran = tasks.drive(&id, future, &round, &token).await;
            tasks.record(&id, ran, &round, shape).await;
            lock(&tasks.running).remove(&id);
        };
        tokio::spawn(run.instrument(span));
    }

    /// Polls the task's future, writing a sign of life every heartbeat and reading whether
    /// it was cancelled through another replica.
    async fn drive(
        &self,
        id: &str,
        mut future: BoxFuture<'static, Outcome>,
        round: &Round,
        token: &CancellationToken,
    ) -> Ran {
        let mut beats = tokio::time::interval(Duration::from_secs(self.settings.heartbeat.max(1)));
        beats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        beats.tick().await;
        loop {
            let step = std::future::poll_fn(|cx| {
                if let Poll::Ready(outcome) = future.as_mut().poll(cx) {
                    return Poll::Ready(Ran::Done(outcome));
                }
                round
                    .stop()
                    .map_or(Poll::Pending, |stop| Poll::Ready(Ran::Stopped(stop)))
            });
            tokio::select! {
                ran = step => return ran,
                _ = beats.tick() => match self.store.beat(id, &self.owner).await {
                    Ok(Some(status)) if !status.is_terminal() => {}
                    Ok(_) => token.cancel(),
                    // The store is down: the task runs on, and its end is recorded if it can be.
                    Err(_) => {}
                },
            }
        }
    }

    /// Writes how the run ended, unless the task ended otherwise meanwhile (cancelled).
    async fn record(&self, id: &str, ran: Ran, round: &Round, shape: Shape) {
        let asked = match ran {
            Ran::Done(outcome) => Err(self.finish_of(outcome, shape)),
            Ran::Stopped(Stop::Fault(fault)) => Err(Finish::Failed(fault_error(fault))),
            Ran::Stopped(Stop::Asked(questions)) => Ok(questions
                .into_iter()
                .map(|(key, question)| (key, question.to_request()))
                .collect::<Map<String, Value>>()),
        };
        loop {
            let mut row = match self.store.find(id).await {
                Ok(row) => row,
                Err(error) => {
                    tracing::error!(task = id, %error, "a task's end could not be recorded");
                    return;
                }
            };
            if row.status.is_terminal() || row.owner.as_deref() != Some(self.owner.as_str()) {
                return;
            }
            match &asked {
                Ok(requests) => {
                    row.status = Status::InputRequired;
                    row.status_message = Some("waiting for the client's answers".into());
                    row.input_requests = Some(requests.clone());
                    row.answers = round.answers().clone();
                    row.owner = None;
                }
                Err(finish) => finish.clone().apply(&mut row),
            }
            match self.replace(&mut row).await {
                Ok(true) => return,
                Ok(false) => {}
                Err(error) => {
                    tracing::error!(task = id, %error, "a task's end could not be recorded");
                    return;
                }
            }
        }
    }

    /// How a run's `outcome` ends its task. A server fault (a panic, an internal error) fails
    /// it; the tool's own errors complete it with an error result, as a call reports them.
    fn finish_of(&self, outcome: Outcome, shape: Shape) -> Finish {
        let result = match outcome {
            Ok(Ok(output)) => shape(output),
            Ok(Err(error)) if error.kind() == ErrorKind::Internal => {
                return Finish::Failed(error_object(-32603, &error.client_message()));
            }
            Ok(Err(error)) => shape(ToolOutput::from_error(&error)),
            Err(CallError::Cancelled) => return Finish::Cancelled,
            Err(error @ CallError::UnknownTool(_)) => {
                return Finish::Failed(error_object(-32602, &error.to_string()));
            }
        };
        let size = serde_json::to_vec(&result).map_or(usize::MAX, |bytes| bytes.len());
        let most = self.settings.max_result_bytes;
        if size > most {
            return Finish::Failed(error_object(
                -32603,
                &format!(
                    "the result is {size} bytes of JSON, more than the {most} a task may keep \
                     (tasks.max_result_bytes)"
                ),
            ));
        }
        Finish::Completed(result)
    }
}

/// Where a task's `Context::progress` goes: its status message.
struct Progress {
    tasks: Arc<Tasks>,
    id: String,
    /// Whether the task's row is written yet.
    stored: watch::Receiver<bool>,
}

impl ClientChannel for Progress {
    fn progress(
        &self,
        _token: Value,
        progress: f64,
        total: Option<f64>,
        message: Option<String>,
    ) -> BoxFuture<'_, Result<(), ToolError>> {
        let count = match total {
            Some(total) => format!("{progress}/{total}"),
            None => progress.to_string(),
        };
        let note = match message {
            Some(message) => format!("{message} ({count})"),
            None => count,
        };
        let mut stored = self.stored.clone();
        async move {
            // Reported in the call's first steps, before the row exists: written once it does.
            // A call that never became a task has nowhere to write it.
            if stored.wait_for(|stored| *stored).await.is_err() {
                return Ok(());
            }
            let noted = self
                .tasks
                .store
                .note(&self.id, &self.tasks.owner, &note)
                .await;
            noted.map_err(|error| ToolError::unavailable(error.to_string()))
        }
        .boxed()
    }

    // The rest is never reached: a task's context runs in a round, which answers questions
    // and drops log messages (the extension forbids them).
    fn elicit(
        &self,
        _: String,
        _: Map<String, Value>,
    ) -> BoxFuture<'_, Result<Elicitation<Map<String, Value>>, ToolError>> {
        async { Err(ToolError::internal("a task asks in rounds")) }.boxed()
    }

    fn sample(&self, _: SamplingRequest) -> BoxFuture<'_, Result<Sampled, ToolError>> {
        async { Err(ToolError::internal("a task asks in rounds")) }.boxed()
    }

    fn list_roots(&self) -> BoxFuture<'_, Result<Vec<Root>, ToolError>> {
        async { Err(ToolError::internal("a task asks in rounds")) }.boxed()
    }

    fn declares(&self, _: &str) -> bool {
        false
    }
}

/// The JSON-RPC error a task that cannot go on fails with.
fn fault_error(fault: Fault) -> Map<String, Value> {
    match fault {
        Fault::Undeclared(capability) => {
            let mut error = error_object(
                -32021,
                &format!(
                    "the client did not declare the `{capability}` capability, which this task \
                     needs"
                ),
            );
            error.insert(
                "data".into(),
                json!({"requiredCapabilities": {capability: {}}}),
            );
            error
        }
        Fault::BadAnswer { key, problem } => {
            error_object(-32602, &format!("inputResponses.{key} {problem}"))
        }
    }
}
