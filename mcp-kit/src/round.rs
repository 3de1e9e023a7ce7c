//! A call answered in rounds (SEP-2322, the 2026-07-28 revision): a question the client has
//! not answered yet ends the call with an input-required result; the client answers and
//! sends the request again with the answers and the sealed `requestState`, and the handler
//! runs again from the start, finding its earlier questions answered.
//!
//! The state holds the answers of earlier rounds and the keys asked last, bound to the
//! caller, the request and its arguments, and to an expiry; any replica with the key opens
//! it. Without a state, answers are read by key alone, so a client may answer a question it
//! knows by name without being asked.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::pin::pin;
use std::sync::Mutex;
use std::task::Poll;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::interaction::Question;
use crate::lock::lock;
use crate::log_level::LogLevel;
use crate::sealed::StateKeys;

/// How long a client has to answer a round.
const STATE_TTL_SECS: u64 = 900;

/// The request a state belongs to: the caller, the method and item, and a digest of the
/// arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding {
    subject: Option<String>,
    call: String,
    arguments: String,
}

impl Binding {
    /// `subject` is `None` when anonymous; `name` is the tool or prompt name, or the URI.
    pub(crate) fn new(
        subject: Option<&str>,
        method: &str,
        name: &str,
        arguments: Option<&Map<String, Value>>,
    ) -> Self {
        let arguments = serde_json::to_string(&arguments).expect("JSON serializes");
        Self {
            subject: subject.map(str::to_owned),
            call: format!("{method} `{name}`"),
            arguments: crate::auth::sha256_hex(&arguments),
        }
    }
}

/// The client capabilities a request declared, of those a question needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Declared {
    pub(crate) elicitation: bool,
    pub(crate) sampling: bool,
    pub(crate) roots: bool,
    /// The least severe log message the request wants; none without `logLevel`.
    #[serde(skip)]
    pub(crate) log_level: Option<LogLevel>,
    /// Whether it can be answered with a task (the tasks extension).
    #[serde(skip)]
    pub(crate) tasks: bool,
}

/// What the sealed `requestState` holds.
#[derive(Serialize, Deserialize)]
struct State {
    #[serde(flatten)]
    binding: StoredBinding,
    expires: u64,
    answers: Map<String, Value>,
    asked: BTreeSet<String>,
}

#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct StoredBinding {
    subject: Option<String>,
    call: String,
    arguments: String,
}

impl From<&Binding> for StoredBinding {
    fn from(binding: &Binding) -> Self {
        Self {
            subject: binding.subject.clone(),
            call: binding.call.clone(),
            arguments: binding.arguments.clone(),
        }
    }
}

/// Why a call stopped before finishing, besides a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// It asked for something the client did not declare it can answer.
    Undeclared(&'static str),
    /// The client's answer under `key` is not an answer to the question.
    BadAnswer { key: String, problem: String },
}

/// How a call run in a round ended.
#[derive(Debug)]
pub(crate) enum Ended<T> {
    /// It finished.
    Done(T),
    /// It asked these questions, and the client must answer them with this state.
    Asked(Vec<(String, Question)>, String),
    /// It cannot go on.
    Fault(Fault),
}

/// An answer found for a question.
#[derive(Debug)]
pub(crate) struct Answered {
    pub(crate) key: String,
    pub(crate) value: Value,
}

/// What stops a call run in a round before it finishes.
#[derive(Debug)]
pub(crate) enum Stop {
    /// It cannot go on.
    Fault(Fault),
    /// It asked these questions, which the answers at hand lack.
    Asked(Vec<(String, Question)>),
}

/// Where a call stands towards a task (see [`crate::task`]).
#[cfg_attr(not(feature = "tasks"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A plain call: every question is asked of the request.
    Call,
    /// A call that becomes a task: only questions asked with `before_task` are asked of the
    /// request; the others wait for the task.
    BeforeTask,
    /// A task: every question is asked of the task.
    Task,
}

/// One round of a call: the answers at hand, and what the call asks that they lack.
pub(crate) struct Round {
    binding: Binding,
    answers: Map<String, Value>,
    declared: Declared,
    asked: Mutex<Asked>,
}

struct Asked {
    phase: Phase,
    /// Questions asked so far per kind, for keys by order.
    counts: [usize; 3],
    questions: Vec<(String, Question)>,
    /// Questions for the task, asked before it started.
    for_task: Vec<(String, Question)>,
    used: Map<String, Value>,
    fault: Option<Fault>,
}

impl Asked {
    fn new(phase: Phase) -> Self {
        Self {
            phase,
            counts: [0; 3],
            questions: Vec::new(),
            for_task: Vec::new(),
            used: Map::new(),
            fault: None,
        }
    }
}

impl Round {
    /// The round a request opens: the answers it carries, checked against its state.
    /// The error says what is wrong with the state; the handler never runs on it.
    pub(crate) fn open(
        keys: &StateKeys,
        binding: Binding,
        declared: Declared,
        responses: Option<Map<String, Value>>,
        state: Option<&str>,
    ) -> Result<Self, String> {
        let mut responses = responses.unwrap_or_default();
        let answers = match state {
            None => responses,
            Some(sealed) => {
                let state = keys
                    .open(sealed)
                    .map_err(|problem| format!("requestState {problem}"))?;
                let state: State = serde_json::from_slice(&state)
                    .map_err(|_| "requestState was not issued by this server".to_owned())?;
                check(&state, &binding)?;
                // Answers count only for what was asked last; earlier ones come from the
                // state, so a client cannot change them.
                responses.retain(|key, _| state.asked.contains(key));
                let mut answers = state.answers;
                answers.extend(responses);
                answers
            }
        };
        Ok(Self {
            binding,
            answers,
            declared,
            asked: Mutex::new(Asked::new(Phase::Call)),
        })
    }

    /// The first round of a call that becomes a task once it has the answers to the
    /// questions it asks with `before_task`.
    #[cfg(feature = "tasks")]
    pub(crate) fn before_task(self) -> Self {
        lock(&self.asked).phase = Phase::BeforeTask;
        self
    }

    /// A run of a task, with the answers it has been given so far.
    #[cfg(feature = "tasks")]
    pub(crate) fn for_task(
        binding: Binding,
        declared: Declared,
        answers: Map<String, Value>,
    ) -> Self {
        Self {
            binding,
            answers,
            declared,
            asked: Mutex::new(Asked::new(Phase::Task)),
        }
    }

    /// The call is a task from now on: the questions it asked for the task are asked.
    #[cfg(feature = "tasks")]
    pub(crate) fn start_task(&self) {
        let mut asked = lock(&self.asked);
        asked.phase = Phase::Task;
        let for_task = std::mem::take(&mut asked.for_task);
        asked.questions.extend(for_task);
    }

    /// The answers at hand.
    #[cfg(feature = "tasks")]
    pub(crate) fn answers(&self) -> &Map<String, Value> {
        &self.answers
    }

    /// What stops the call now, if anything: a fault, or questions not answered yet.
    pub(crate) fn stop(&self) -> Option<Stop> {
        let mut asked = lock(&self.asked);
        if let Some(fault) = asked.fault.take() {
            return Some(Stop::Fault(fault));
        }
        if asked.questions.is_empty() {
            return None;
        }
        Some(Stop::Asked(std::mem::take(&mut asked.questions)))
    }

    /// Whether the request asked for log messages of `level`.
    pub(crate) fn wants_log(&self, level: LogLevel) -> bool {
        self.declared.log_level.is_some_and(|least| level >= least)
    }

    /// The least severe level the request asked to be sent, if any.
    #[cfg(feature = "client")]
    pub(crate) fn log_level(&self) -> Option<LogLevel> {
        self.declared.log_level
    }

    /// Whether the request declared `capability`.
    pub(crate) fn declares(&self, capability: &str) -> bool {
        match capability {
            "elicitation" => self.declared.elicitation,
            "sampling" => self.declared.sampling,
            "roots" => self.declared.roots,
            _ => false,
        }
    }

    /// The answer to `question`, filed under `key` or the next key of its kind. Without
    /// one, the question is noted and the call waits for ever: [`run`] ends it. A question
    /// `before_task` is asked of the request when the call is to become a task.
    pub(crate) async fn answer(
        &self,
        key: Option<String>,
        question: Question,
        before_task: bool,
    ) -> Answered {
        match self.lookup(key, question, before_task) {
            Some(answered) => answered,
            None => std::future::pending().await,
        }
    }

    fn lookup(
        &self,
        key: Option<String>,
        question: Question,
        before_task: bool,
    ) -> Option<Answered> {
        let mut asked = lock(&self.asked);
        let key = key.unwrap_or_else(|| {
            let kind = match question {
                Question::Elicit { .. } => 0,
                Question::Sample(_) => 1,
                Question::ListRoots => 2,
            };
            asked.counts[kind] += 1;
            format!("{}-{}", question.capability(), asked.counts[kind])
        });
        if let Some(value) = self.answers.get(&key) {
            asked.used.insert(key.clone(), value.clone());
            return Some(Answered {
                key,
                value: value.clone(),
            });
        }
        if self.declares(question.capability()) {
            if asked.phase == Phase::BeforeTask && !before_task {
                asked.for_task.push((key, question));
            } else {
                asked.questions.push((key, question));
            }
        } else {
            asked
                .fault
                .get_or_insert(Fault::Undeclared(question.capability()));
        }
        None
    }

    /// Stops the call: the answer under `key` is not an answer to its question.
    pub(crate) async fn refuse(&self, key: String, problem: String) -> Infallible {
        lock(&self.asked)
            .fault
            .get_or_insert(Fault::BadAnswer { key, problem });
        std::future::pending().await
    }

    /// The state for the next round: the answers used so far, and the keys just asked.
    pub(crate) fn seal(&self, keys: &StateKeys, asked: &[(String, Question)]) -> String {
        let state = State {
            binding: StoredBinding::from(&self.binding),
            expires: now() + STATE_TTL_SECS,
            answers: lock(&self.asked).used.clone(),
            asked: asked.iter().map(|(key, _)| key.clone()).collect(),
        };
        keys.seal(&serde_json::to_vec(&state).expect("a state serializes"))
    }
}

/// Runs `call` in `round` until it finishes, or stops at questions the client has yet to
/// answer (sealing the state for the next round), or at a fault.
pub(crate) async fn run<T>(
    round: &Round,
    keys: &StateKeys,
    call: impl Future<Output = T>,
) -> Ended<T> {
    let mut call = pin!(call);
    let stopped = std::future::poll_fn(|cx| {
        if let Poll::Ready(done) = call.as_mut().poll(cx) {
            return Poll::Ready(Ok(done));
        }
        round
            .stop()
            .map_or(Poll::Pending, |stop| Poll::Ready(Err(stop)))
    })
    .await;
    match stopped {
        Ok(done) => Ended::Done(done),
        Err(stop) => ended(round, keys, stop),
    }
}

/// How a call stopped by `stop` ended.
pub(crate) fn ended<T>(round: &Round, keys: &StateKeys, stop: Stop) -> Ended<T> {
    match stop {
        Stop::Fault(fault) => Ended::Fault(fault),
        Stop::Asked(questions) => {
            let state = round.seal(keys, &questions);
            Ended::Asked(questions, state)
        }
    }
}

fn check(state: &State, binding: &Binding) -> Result<(), String> {
    let stored = &state.binding;
    if stored.subject != binding.subject {
        return Err("requestState belongs to another caller".into());
    }
    if stored.call != binding.call {
        return Err(format!(
            "requestState was issued for another request, not {}",
            binding.call
        ));
    }
    if stored.arguments != binding.arguments {
        return Err(
            "requestState was issued for other arguments; send the arguments unchanged".into(),
        );
    }
    if state.expires <= now() {
        return Err("requestState has expired; send the request again without it".into());
    }
    Ok(())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::interaction::SamplingRequest;

    const ALL: Declared = Declared {
        elicitation: true,
        sampling: true,
        roots: true,
        log_level: None,
        tasks: false,
    };

    fn binding(subject: Option<&str>, arguments: &Map<String, Value>) -> Binding {
        Binding::new(subject, "tools/call", "greet", Some(arguments))
    }

    fn form(message: &str) -> Question {
        Question::Elicit {
            message: message.into(),
            schema: Map::new(),
        }
    }

    /// Asks for a name, then a colour; answers with both.
    async fn two_questions(round: &Round) -> String {
        let name = round.answer(None, form("name?"), false).await.value;
        let colour = round.answer(None, form("colour?"), false).await.value;
        format!("{name} {colour}")
    }

    fn answered<T: std::fmt::Debug>(ended: Ended<T>) -> (Vec<String>, String) {
        let Ended::Asked(questions, state) = ended else {
            panic!("not asked: {ended:?}")
        };
        (questions.into_iter().map(|(key, _)| key).collect(), state)
    }

    #[tokio::test]
    async fn each_round_asks_the_next_question_and_keeps_the_earlier_answers() {
        let keys = StateKeys::random();
        let arguments = Map::new();
        let binding = binding(Some("alice"), &arguments);
        let first = Round::open(&keys, binding.clone(), ALL, None, None).unwrap();
        let (asked, state) = answered(run(&first, &keys, two_questions(&first)).await);
        assert_eq!(asked, ["elicitation-1"]);

        let responses = json!({"elicitation-1": "Alice"}).as_object().cloned();
        let second = Round::open(&keys, binding.clone(), ALL, responses, Some(&state)).unwrap();
        let (asked, second_state) = answered(run(&second, &keys, two_questions(&second)).await);
        assert_eq!(asked, ["elicitation-2"]);
        assert_ne!(second_state, state);

        // The client cannot change the first answer now, only give the one asked last.
        let responses = json!({"elicitation-1": "Mallory", "elicitation-2": "blue"});
        let third = Round::open(
            &keys,
            binding.clone(),
            ALL,
            responses.as_object().cloned(),
            Some(&second_state),
        )
        .unwrap();
        let ended = run(&third, &keys, two_questions(&third)).await;
        assert!(
            matches!(ended, Ended::Done(ref s) if s == r#""Alice" "blue""#),
            "{ended:?}"
        );
    }

    #[tokio::test]
    async fn questions_asked_together_are_asked_in_one_round() {
        let keys = StateKeys::random();
        let arguments = Map::new();
        let binding = binding(None, &arguments);
        let round = Round::open(&keys, binding.clone(), ALL, None, None).unwrap();
        let both = async {
            futures_util::join!(
                round.answer(Some("user_name".into()), form("name?"), false),
                round.answer(
                    None,
                    Question::Sample(SamplingRequest::new("hi", 10)),
                    false
                ),
                round.answer(None, Question::ListRoots, false),
            )
        };
        let (asked, _) = answered(run(&round, &keys, both).await);
        assert_eq!(asked, ["user_name", "sampling-1", "roots-1"]);
    }

    #[tokio::test]
    async fn a_question_the_client_cannot_answer_is_a_fault_not_a_question() {
        let keys = StateKeys::random();
        let arguments = Map::new();
        let binding = binding(None, &arguments);
        let sampling_only = Declared {
            sampling: true,
            ..Declared::default()
        };
        let round = Round::open(&keys, binding.clone(), sampling_only, None, None).unwrap();
        let ended = run(&round, &keys, two_questions(&round)).await;
        assert!(
            matches!(ended, Ended::Fault(Fault::Undeclared("elicitation"))),
            "{ended:?}"
        );
    }

    #[tokio::test]
    async fn a_state_is_refused_for_another_caller_request_or_arguments() {
        let keys = StateKeys::random();
        let arguments = Map::new();
        let alice = binding(Some("alice"), &arguments);
        let round = Round::open(&keys, alice.clone(), ALL, None, None).unwrap();
        let (_, state) = answered(run(&round, &keys, two_questions(&round)).await);
        let refused = |binding: Binding| {
            Round::open(&keys, binding, ALL, None, Some(&state))
                .err()
                .expect("refused")
        };
        assert!(refused(binding(Some("bob"), &arguments)).contains("another caller"));
        assert!(refused(binding(None, &arguments)).contains("another caller"));
        let other_tool = Binding::new(Some("alice"), "tools/call", "other", Some(&arguments));
        assert!(refused(other_tool).contains("another request, not tools/call `other`"));
        let changed = json!({"x": 1}).as_object().cloned().unwrap();
        assert!(refused(binding(Some("alice"), &changed)).contains("other arguments"));
        let tampered = Round::open(
            &keys,
            alice.clone(),
            ALL,
            None,
            Some(&format!("{state}-TAMPERED")),
        );
        assert!(tampered.err().unwrap().contains("altered"));
        let foreign = Round::open(&StateKeys::random(), alice.clone(), ALL, None, Some(&state));
        assert!(foreign.err().unwrap().contains("not issued by this server"));
    }
}

#[cfg(test)]
mod expiry {
    use super::*;

    #[test]
    fn an_expired_state_is_refused() {
        let keys = StateKeys::random();
        let binding = Binding::new(None, "tools/call", "greet", None);
        let state = State {
            binding: StoredBinding::from(&binding),
            expires: now() - 1,
            answers: Map::new(),
            asked: BTreeSet::new(),
        };
        let sealed = keys.seal(&serde_json::to_vec(&state).unwrap());
        let refused = Round::open(&keys, binding, Declared::default(), None, Some(&sealed));
        assert!(refused.err().unwrap().contains("expired"));
    }
}
