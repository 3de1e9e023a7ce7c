//! Questions a tool asks while the console calls it (elicitation): each goes to the open
//! console pages as an event, and the first answer posted back is the user's.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::{broadcast, oneshot};

use crate::context::ClientChannel;
use crate::error::ToolError;
use crate::interaction::{Elicitation, Root, Sampled, SamplingRequest};

/// A question shown to the console's pages.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Question {
    id: u64,
    message: String,
    schema: Map<String, Value>,
}

/// What the user did with a question.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub(super) enum Answer {
    Accept {
        #[serde(default)]
        content: Map<String, Value>,
    },
    Decline,
    Cancel,
}

/// The questions waiting for an answer.
pub(super) struct Questions {
    next: AtomicU64,
    waiting: Mutex<HashMap<u64, oneshot::Sender<Answer>>>,
    shown: broadcast::Sender<Question>,
}

impl Questions {
    pub(super) fn new() -> Self {
        Self {
            next: AtomicU64::new(1),
            waiting: Mutex::default(),
            shown: broadcast::channel(64).0,
        }
    }

    /// The questions asked from now on.
    pub(super) fn subscribe(&self) -> broadcast::Receiver<Question> {
        self.shown.subscribe()
    }

    /// Gives `answer` to question `id`; false when no one waits for it any more.
    pub(super) fn answer(&self, id: u64, answer: Answer) -> bool {
        let waiting = self
            .waiting
            .lock()
            .expect("no panic holds the lock")
            .remove(&id);
        waiting.is_some_and(|sender| sender.send(answer).is_ok())
    }

    async fn ask(
        &self,
        message: String,
        schema: Map<String, Value>,
    ) -> Result<Elicitation<Map<String, Value>>, ToolError> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (sender, answered) = oneshot::channel();
        self.waiting
            .lock()
            .expect("no panic holds the lock")
            .insert(id, sender);
        // Forgotten however the wait ends, a dropped call included.
        let _forget = Forget {
            questions: self,
            id,
        };
        if self
            .shown
            .send(Question {
                id,
                message,
                schema,
            })
            .is_err()
        {
            return Err(ToolError::unavailable(
                "the tool asked a question, and no console page is open to answer it",
            ));
        }
        Ok(match answered.await {
            Ok(Answer::Accept { content }) => Elicitation::Accepted(content),
            Ok(Answer::Decline) => Elicitation::Declined,
            Ok(Answer::Cancel) | Err(_) => Elicitation::Cancelled,
        })
    }
}

struct Forget<'a> {
    questions: &'a Questions,
    id: u64,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.questions.waiting.lock() {
            waiting.remove(&self.id);
        }
    }
}

/// The console as the client of a call: it answers questions, and nothing else.
pub(super) struct ConsoleChannel(pub(super) Arc<Questions>);

impl ClientChannel for ConsoleChannel {
    fn progress(
        &self,
        _: Value,
        _: f64,
        _: Option<f64>,
        _: Option<String>,
    ) -> BoxFuture<'_, Result<(), ToolError>> {
        Box::pin(async { Ok(()) })
    }

    fn elicit(
        &self,
        message: String,
        schema: Map<String, Value>,
    ) -> BoxFuture<'_, Result<Elicitation<Map<String, Value>>, ToolError>> {
        Box::pin(self.0.ask(message, schema))
    }

    fn sample(&self, _: SamplingRequest) -> BoxFuture<'_, Result<Sampled, ToolError>> {
        Box::pin(async {
            Err(ToolError::unavailable(
                "the console does not answer sampling requests",
            ))
        })
    }

    fn list_roots(&self) -> BoxFuture<'_, Result<Vec<Root>, ToolError>> {
        Box::pin(async { Err(ToolError::unavailable("the console has no roots")) })
    }

    fn declares(&self, capability: &str) -> bool {
        capability == "elicitation"
    }
}
