//! A stateless call that may talk to its client, run by the fast path as rmcp would run it.
//!
//! Its log lines are notifications. When one comes before the answer, the response becomes an
//! event stream from that moment; otherwise it is one JSON body. There is no session for the
//! client's answers, so sampling and elicitation are refused, with rmcp's words.

// Logging notifications are deprecated by SEP-2577; clients still read them.
#![allow(deprecated)]

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt as _, StreamExt as _};
use rmcp::model::{
    ErrorData, JsonRpcNotification, JsonRpcVersion2_0, LoggingMessageNotification,
    ServerJsonRpcMessage, ServerNotification, ServerResult,
};
use serde_json::{Map, Value};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::channel::{log_message, undeclared};
use crate::auth::Principal;
use crate::context::{ClientAddr, ClientChannel, Context, LogLevel};
use crate::error::ToolError;
use crate::interaction::{Elicitation, Root, Sampled, SamplingRequest};
use crate::lock::lock;

/// What a call returns.
pub(super) type Answer = Result<ServerResult, ErrorData>;

/// Notifications a call may queue before the client reads them; past that it waits, as it
/// does on rmcp's bounded channel.
const QUEUE: usize = 64;

/// An event stream with nothing to send says `:` this often, as rmcp's does.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Runs `call` and answers with what `finish` makes of its result, after any log lines it
/// sent. The event stream ends early when `shutdown` fires.
pub(super) async fn run<F>(
    principal: Option<&Principal>,
    client: Option<ClientAddr>,
    shutdown: &CancellationToken,
    call: impl FnOnce(Context) -> F,
    finish: impl FnOnce(Answer) -> Last + Send + 'static,
) -> Response
where
    F: Future<Output = Answer> + Send + 'static,
{
    let channel = Arc::new(StatelessChannel::default());
    let cancellation = CancellationToken::new();
    let context = Context::new(
        principal.cloned(),
        client,
        None,
        Some(channel.clone()),
        cancellation.clone(),
    );
    let mut running = Running {
        future: Some(call(context).boxed()),
        cancellation: cancellation.clone(),
    };
    // Most calls finish in their first poll, and need not wait on the channel.
    if let Poll::Ready(answer) = futures_util::poll!(&mut running) {
        return answered(finish(answer), &channel);
    }
    loop {
        tokio::select! {
            biased;
            answer = &mut running => return answered(finish(answer), &channel),
            () = channel.notify.notified() => {
                if !lock(&channel.queue).is_empty() {
                    break;
                }
            }
        }
    }
    // A notification came first: stream it, and the rest, while the call goes on.
    let streaming = channel.clone();
    tokio::spawn(async move {
        let last = finish(running.await);
        streaming.push_last(last.into_message());
    });
    // The client going away, or the server shutting down, cancels the call.
    let guard = cancellation.drop_guard();
    let events = futures_util::stream::unfold((channel, guard), |(channel, guard)| async move {
        loop {
            let batch = channel.take();
            if !batch.is_empty() {
                return Some((events(batch), (channel, guard)));
            }
            if channel.closed.load(Ordering::Acquire) && lock(&channel.queue).is_empty() {
                return None;
            }
            let waited = tokio::time::timeout(KEEP_ALIVE, channel.notify.notified()).await;
            if waited.is_err() {
                return Some((Bytes::from_static(b":\n\n"), (channel, guard)));
            }
        }
    })
    .take_until(shutdown.clone().cancelled_owned())
    .map(Ok::<_, std::convert::Infallible>);
    event_stream(Body::from_stream(events))
}

/// The response to a call that has finished: its answer, after the log lines it sent if any.
fn answered(last: Last, channel: &StatelessChannel) -> Response {
    channel.closed.store(true, Ordering::Release);
    let mut notes = channel.take();
    if notes.is_empty() {
        return last.into_response();
    }
    notes.push(last.into_message());
    event_stream(Body::from(events(notes)))
}

/// The answer to a request, as it goes out.
pub(super) struct Last {
    pub(super) status: StatusCode,
    pub(super) message: ServerJsonRpcMessage,
    /// The JSON text of a tool result's structured content, taken out of `message` to be
    /// written into its bytes as it is, rather than parsed and serialized again.
    pub(super) structured: Option<String>,
}

impl Last {
    /// The answer as the whole response.
    pub(super) fn into_response(self) -> Response {
        let mut body = serde_json::to_vec(&self.message).expect("a message serializes");
        if let Some(text) = self.structured {
            // The result is the message's last member, and a call result is never empty:
            // the message ends `}}`, and the structured content goes in before them.
            debug_assert!(body.ends_with(b"}}"), "a call result ends its message");
            body.truncate(body.len() - 2);
            body.reserve(text.len() + 24);
            body.extend_from_slice(br#","structuredContent":"#);
            body.extend_from_slice(text.as_bytes());
            body.extend_from_slice(b"}}");
        }
        json(self.status, body)
    }

    /// The answer as one message, its structured content parsed back in.
    fn into_message(self) -> ServerJsonRpcMessage {
        let mut message = self.message;
        if let (Some(text), ServerJsonRpcMessage::Response(response)) =
            (self.structured, &mut message)
            && let ServerResult::CallToolResult(result) = &mut response.result
        {
            result.structured_content =
                Some(serde_json::from_str(&text).expect("structured content is JSON text"));
        }
        message
    }
}

pub(super) fn json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Messages as server-sent events, framed as rmcp frames them.
fn events(messages: Vec<ServerJsonRpcMessage>) -> Bytes {
    let mut bytes = Vec::new();
    for message in &messages {
        bytes.extend_from_slice(b"data: ");
        serde_json::to_writer(&mut bytes, message).expect("a message serializes");
        bytes.extend_from_slice(b"\n\n");
    }
    Bytes::from(bytes)
}

fn event_stream(body: Body) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// The call's future. Dropped before it finishes (the client went away), it is cancelled rather
/// than dropped: it runs on to see the cancellation, as under rmcp, so its own clean-up, its
/// metrics and its log line happen.
struct Running {
    future: Option<BoxFuture<'static, Answer>>,
    cancellation: CancellationToken,
}

impl Future for Running {
    type Output = Answer;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Answer> {
        let future = self
            .future
            .as_mut()
            .expect("a call is not polled once answered");
        let answer = std::task::ready!(future.as_mut().poll(cx));
        self.future = None;
        Poll::Ready(answer)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(future) = self.future.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            self.cancellation.cancel();
            runtime.spawn(future);
        }
    }
}

/// The client channel of a stateless call: log lines queue up for the response.
#[derive(Default)]
struct StatelessChannel {
    queue: Mutex<Vec<ServerJsonRpcMessage>>,
    /// The answer has been sent, or queued as the last message: nothing more goes out.
    closed: AtomicBool,
    /// A message was queued, or the queue closed.
    notify: Notify,
    /// The queue was emptied.
    drained: Notify,
}

impl StatelessChannel {
    fn take(&self) -> Vec<ServerJsonRpcMessage> {
        let taken = std::mem::take(&mut *lock(&self.queue));
        self.drained.notify_waiters();
        taken
    }

    fn push_last(&self, message: ServerJsonRpcMessage) {
        lock(&self.queue).push(message);
        self.closed.store(true, Ordering::Release);
        self.notify.notify_one();
    }

    async fn send(&self, message: ServerJsonRpcMessage) -> Result<(), ToolError> {
        loop {
            let drained = self.drained.notified();
            {
                let mut queue = lock(&self.queue);
                if self.closed.load(Ordering::Acquire) {
                    return Err(ToolError::internal(
                        "log message not sent: the call has already been answered",
                    ));
                }
                if queue.len() < QUEUE {
                    queue.push(message);
                    break;
                }
            }
            drained.await;
        }
        self.notify.notify_one();
        Ok(())
    }
}

impl ClientChannel for StatelessChannel {
    /// Never called: a request with a progress token goes to rmcp.
    fn progress(
        &self,
        _token: Value,
        _progress: f64,
        _total: Option<f64>,
        _message: Option<String>,
    ) -> BoxFuture<'_, Result<(), ToolError>> {
        async { Ok(()) }.boxed()
    }

    fn log(
        &self,
        level: LogLevel,
        logger: Option<String>,
        data: Value,
    ) -> BoxFuture<'_, Result<(), ToolError>> {
        let notification = LoggingMessageNotification::new(log_message(level, logger, data));
        let message = ServerJsonRpcMessage::Notification(JsonRpcNotification {
            jsonrpc: JsonRpcVersion2_0,
            notification: ServerNotification::LoggingMessageNotification(notification),
        });
        self.send(message).boxed()
    }

    fn elicit(
        &self,
        _message: String,
        _schema: Map<String, Value>,
    ) -> BoxFuture<'_, Result<Elicitation<Map<String, Value>>, ToolError>> {
        async { Err(undeclared("elicitation")) }.boxed()
    }

    fn sample(&self, _request: SamplingRequest) -> BoxFuture<'_, Result<Sampled, ToolError>> {
        async { Err(undeclared("sampling")) }.boxed()
    }

    fn list_roots(&self) -> BoxFuture<'_, Result<Vec<Root>, ToolError>> {
        async { Err(undeclared("roots")) }.boxed()
    }

    fn declares(&self, _capability: &str) -> bool {
        false
    }
}
