//! [`Ask`]: a question for the client, asked the way the request allows. In a 2025-11-25
//! session it is a request on the call's stream; in a 2026-07-28 request it ends the call
//! with an input-required result and is answered when the client sends the call again (see
//! [`crate::round`]). The handler's code is the same in both.

use std::future::IntoFuture;
use std::marker::PhantomData;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::context::{ClientChannel, Context};
use crate::error::ToolError;
use crate::interaction::{Elicitation, Question, Root, Sampled, SamplingRequest};

/// A question for the client, answered when awaited. Name it with [`key`](Self::key) when
/// the client should be able to answer it without having seen it (the key is what the
/// answer is filed under); otherwise keys follow the order questions are asked in.
#[must_use = "a question is asked when awaited"]
pub struct Ask<'c, T> {
    context: &'c Context,
    key: Option<String>,
    question: Question,
    before_task: bool,
    by_channel: ByChannel<T>,
    from_answer: fn(Value) -> Result<T, String>,
    _answer: PhantomData<fn() -> T>,
}

type ByChannel<T> =
    for<'a> fn(&'a dyn ClientChannel, Question) -> BoxFuture<'a, Result<T, ToolError>>;

impl<'c, T> Ask<'c, T> {
    /// Files the question, and its answer, under `key`.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Files the question under `key` when there is one, as [`key`](Self::key) does.
    #[cfg(feature = "client")]
    pub(crate) fn key_if(mut self, key: Option<String>) -> Self {
        if key.is_some() {
            self.key = key;
        }
        self
    }

    /// In a tool that runs as a task, asks the question of the call itself, before the task
    /// starts (in rounds, as a 2026-07-28 call asks): the task starts with the answer in hand,
    /// once the handler waits on anything else. Without it, a task tool's questions are
    /// asked of the task. Elsewhere it changes nothing.
    pub fn before_task(mut self) -> Self {
        self.before_task = true;
        self
    }
}

impl<'c, T: Send + 'c> IntoFuture for Ask<'c, T> {
    type Output = Result<T, ToolError>;
    type IntoFuture = BoxFuture<'c, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        async move {
            if let Some(round) = self.context.round() {
                let answer = round
                    .answer(self.key, self.question, self.before_task)
                    .await;
                return match (self.from_answer)(answer.value) {
                    Ok(answer) => Ok(answer),
                    Err(problem) => match round.refuse(answer.key, problem).await {},
                };
            }
            let channel = self.context.channel(self.question.capability())?;
            (self.by_channel)(channel, self.question).await
        }
        .boxed()
    }
}

impl Context {
    /// Asks the user to fill a form with `T`'s fields (primitive types: strings, numbers,
    /// booleans, enums), showing `message`.
    ///
    /// In a 2026-07-28 request the call ends here with an input-required result, and runs
    /// again from the start once the client answers: code before the question runs once
    /// per round. A client that did not declare `elicitation` gets the error the revision
    /// names (-32021) rather than a question it cannot answer.
    pub fn elicit<T: DeserializeOwned + schemars::JsonSchema + Send>(
        &self,
        message: &str,
    ) -> Ask<'_, Elicitation<T>> {
        self.ask(
            Question::Elicit {
                message: message.to_owned(),
                schema: crate::interaction::form_schema::<T>(),
            },
            |channel, question| {
                let Question::Elicit { message, schema } = question else {
                    unreachable!("an elicitation asks a form")
                };
                async move { channel.elicit(message, schema).await?.parse() }.boxed()
            },
            |answer| elicitation(answer)?.parse().map_err(|e| e.to_string()),
        )
    }

    /// Like [`elicit`](Self::elicit), with a hand-written form schema (defaults, titled
    /// enums, …); the values come back as they were sent.
    pub fn elicit_with_schema(
        &self,
        message: &str,
        schema: Map<String, Value>,
    ) -> Ask<'_, Elicitation<Map<String, Value>>> {
        self.ask(
            Question::Elicit {
                message: message.to_owned(),
                schema,
            },
            |channel, question| {
                let Question::Elicit { message, schema } = question else {
                    unreachable!("an elicitation asks a form")
                };
                channel.elicit(message, schema)
            },
            elicitation,
        )
    }

    /// Asks the client's model to write a message (sampling).
    pub fn sample(&self, request: SamplingRequest) -> Ask<'_, Sampled> {
        self.ask(
            Question::Sample(request),
            |channel, question| {
                let Question::Sample(request) = question else {
                    unreachable!("sampling asks for a message")
                };
                channel.sample(request)
            },
            sampled,
        )
    }

    /// Asks the client for its roots: the directories or files it lets servers work in.
    pub fn list_roots(&self) -> Ask<'_, Vec<Root>> {
        self.ask(
            Question::ListRoots,
            |channel, _| channel.list_roots(),
            roots,
        )
    }

    fn ask<T>(
        &self,
        question: Question,
        by_channel: ByChannel<T>,
        from_answer: fn(Value) -> Result<T, String>,
    ) -> Ask<'_, T> {
        Ask {
            context: self,
            key: None,
            question,
            before_task: false,
            by_channel,
            from_answer,
            _answer: PhantomData,
        }
    }
}

/// An `ElicitResult`.
fn elicitation(answer: Value) -> Result<Elicitation<Map<String, Value>>, String> {
    #[derive(Deserialize)]
    struct Answer {
        action: String,
        #[serde(default)]
        content: Option<Map<String, Value>>,
    }
    let answer: Answer = serde_json::from_value(answer)
        .map_err(|e| format!("is not an elicitation result ({e})"))?;
    match answer.action.as_str() {
        "accept" => Ok(Elicitation::Accepted(answer.content.unwrap_or_default())),
        "decline" => Ok(Elicitation::Declined),
        "cancel" => Ok(Elicitation::Cancelled),
        other => Err(format!(
            "has the action `{other}`; an elicitation result's is accept, decline or cancel"
        )),
    }
}

/// A `CreateMessageResult`.
fn sampled(answer: Value) -> Result<Sampled, String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        content: Value,
        model: String,
        #[serde(default)]
        stop_reason: Option<String>,
    }
    let answer: Answer =
        serde_json::from_value(answer).map_err(|e| format!("is not a sampling result ({e})"))?;
    let text = match &answer.content {
        Value::Array(blocks) => blocks.iter().find_map(|b| b["text"].as_str()),
        block => block["text"].as_str(),
    };
    Ok(Sampled {
        text: text.map(str::to_owned),
        model: answer.model,
        stop_reason: answer.stop_reason,
    })
}

/// A `ListRootsResult`.
fn roots(answer: Value) -> Result<Vec<Root>, String> {
    #[derive(Deserialize)]
    struct Answer {
        roots: Vec<Root>,
    }
    let answer: Answer =
        serde_json::from_value(answer).map_err(|e| format!("is not a roots result ({e})"))?;
    Ok(answer.roots)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn answers_are_read_from_their_wire_shapes() {
        let accepted = elicitation(json!({"action": "accept", "content": {"name": "Alice"}}));
        let Ok(Elicitation::Accepted(values)) = accepted else {
            panic!("{accepted:?}")
        };
        assert_eq!(values["name"], "Alice");
        assert_eq!(
            elicitation(json!({"action": "decline"})),
            Ok(Elicitation::Declined)
        );
        let sampled = sampled(json!({"role": "assistant", "model": "m",
            "content": {"type": "text", "text": "Paris"}, "stopReason": "endTurn"}))
        .unwrap();
        assert_eq!(sampled.text.as_deref(), Some("Paris"));
        let roots = roots(json!({"roots": [{"uri": "file:///a", "name": "A"}]})).unwrap();
        assert_eq!(roots[0].uri, "file:///a");
    }

    #[test]
    fn a_malformed_answer_says_what_it_is_not() {
        assert!(
            elicitation(json!(12345))
                .unwrap_err()
                .contains("not an elicitation result")
        );
        assert!(
            elicitation(json!({"action": "maybe"}))
                .unwrap_err()
                .contains("`maybe`")
        );
        assert!(
            sampled(json!({"text": "x"}))
                .unwrap_err()
                .contains("not a sampling result")
        );
        assert!(roots(json!([])).unwrap_err().contains("not a roots result"));
    }
}
