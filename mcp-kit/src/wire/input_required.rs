//! Calls of the 2026-07-28 revision, run in rounds ([`crate::round`]) and answered with an
//! input-required result when the handler asked the client something.

use std::sync::Arc;

use rmcp::model::{
    ClientCapabilities, ErrorData, InputRequest, InputRequests, InputRequiredResult,
    InputResponses, ProtocolVersion, RequestMetaObject,
};
use serde_json::{Map, Value, json};

use crate::context::Context;
use crate::interaction::Question;
use crate::round::{self, Binding, Declared, Ended, Fault, Round};
use crate::sealed::StateKeys;

/// What a 2026-07-28 request declares it can answer; `None` for an older request, which
/// asks the client over its session instead.
pub(super) fn declared(meta: &RequestMetaObject) -> Option<Declared> {
    let version = meta.protocol_version()?;
    if version.as_str() < ProtocolVersion::V_2026_07_28.as_str() {
        return None;
    }
    let capabilities = meta.client_capabilities().unwrap_or_default();
    Some(Declared {
        elicitation: capabilities.elicitation.is_some(),
        sampling: capabilities.sampling.is_some(),
        roots: capabilities.roots.is_some(),
        log_level: meta.log_level().map(super::convert::log_level),
        tasks: capabilities.supports_tasks(),
    })
}

/// The request a call runs for, as the round sees it.
pub(super) struct Request<'a> {
    pub(super) method: &'static str,
    /// The tool or prompt name, or the resource URI.
    pub(super) name: &'a str,
    pub(super) arguments: Option<Map<String, Value>>,
    /// The answers a retried request carries.
    pub(super) responses: Option<InputResponses>,
    /// The sealed state it echoes.
    pub(super) state: Option<String>,
}

/// Runs `call` with `context` and the request's arguments: as it is for an older request;
/// in rounds for a 2026-07-28 one, where a question ends it with an input-required result.
pub(super) async fn run<T, F>(
    keys: &StateKeys,
    declared: Option<Declared>,
    request: Request<'_>,
    context: Context,
    call: impl FnOnce(Context, Option<Map<String, Value>>) -> F,
) -> Result<Result<T, InputRequiredResult>, ErrorData>
where
    F: Future<Output = Result<T, ErrorData>>,
{
    let Some(declared) = declared else {
        return call(context, request.arguments).await.map(Ok);
    };
    let subject = context.principal().map(|p| p.subject.as_str());
    let round = Arc::new(open(keys, declared, subject, &request)?);
    let context = context.in_round(round.clone());
    answer(round::run(&round, keys, call(context, request.arguments)).await)
}

/// The round `request` opens: the answers it carries, checked against its state.
pub(super) fn open(
    keys: &StateKeys,
    declared: Declared,
    subject: Option<&str>,
    request: &Request<'_>,
) -> Result<Round, ErrorData> {
    let binding = Binding::new(
        subject,
        request.method,
        request.name,
        request.arguments.as_ref(),
    );
    let responses = request
        .responses
        .clone()
        .map(|responses| responses.into_iter().collect::<Map<String, Value>>());
    Round::open(keys, binding, declared, responses, request.state.as_deref())
        .map_err(|problem| ErrorData::invalid_params(problem, None))
}

/// The answer of a call that `ended`: its result, an input-required result, or an error.
pub(super) fn answer<T>(
    ended: Ended<Result<T, ErrorData>>,
) -> Result<Result<T, InputRequiredResult>, ErrorData> {
    match ended {
        Ended::Done(result) => result.map(Ok),
        Ended::Asked(questions, state) => {
            let requests: InputRequests = questions
                .into_iter()
                .map(|(key, question)| Ok((key, input_request(question)?)))
                .collect::<Result<_, ErrorData>>()?;
            Ok(Err(InputRequiredResult::new(Some(requests), Some(state))))
        }
        Ended::Fault(Fault::Undeclared(capability)) => {
            let mut required = Map::new();
            required.insert(capability.to_owned(), json!({}));
            let required: ClientCapabilities = serde_json::from_value(Value::Object(required))
                .expect("a capability with no options parses");
            let mut error = ErrorData::missing_required_client_capability(required);
            error.message = format!(
                "the client did not declare the `{capability}` capability, which this request needs"
            )
            .into();
            Err(error)
        }
        Ended::Fault(Fault::BadAnswer { key, problem }) => Err(ErrorData::invalid_params(
            format!("inputResponses.{key} {problem}"),
            None,
        )),
    }
}

/// A question as the request the client is asked to run.
pub(super) fn input_request(question: Question) -> Result<InputRequest, ErrorData> {
    serde_json::from_value(question.to_request()).map_err(|e| {
        ErrorData::internal_error(
            format!("a question could not be put to the client: {e}"),
            None,
        )
    })
}
