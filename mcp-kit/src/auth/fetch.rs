//! Requests to an identity provider: short timeouts and a bounded answer, so a slow or hostile
//! provider cannot stall or exhaust the server.

use std::time::Duration;

use serde_json::Value;

use super::AuthError;

/// The largest answer read from a provider.
const MAX_BODY: usize = 1024 * 1024;

/// A client for identity-provider requests.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .expect("the TLS backend is compiled in")
}

/// Sends `request` and reads its answer as a JSON object. `what` names the document in errors.
pub(crate) async fn json_object(
    request: reqwest::RequestBuilder,
    what: &str,
) -> Result<serde_json::Map<String, Value>, AuthError> {
    let fail = |problem: String| AuthError(format!("{what}: {problem}"));
    let mut response = request
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| fail(describe(&e)))?;
    if !response.status().is_success() {
        return Err(fail(format!("answered HTTP {}", response.status())));
    }
    let body = match body_within(&mut response, MAX_BODY).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return Err(fail(format!("answer is larger than {MAX_BODY} bytes")));
        }
        Err(BodyError::Failed(e)) => return Err(fail(describe(&e))),
    };
    match serde_json::from_slice(&body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(fail("answer is not a JSON object".into())),
        Err(e) => Err(fail(format!("answer is not JSON ({e})"))),
    }
}

/// Why [`body_within`] gave no body.
pub(crate) enum BodyError {
    /// The body is longer than allowed.
    TooLarge,
    /// Reading it failed.
    Failed(reqwest::Error),
}

/// The body of `response`, read no further than `max` bytes (nor at all when its length
/// says it is longer), so a hostile server cannot make this one buffer without bound.
pub(crate) async fn body_within(
    response: &mut reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Failed)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The error with its causes ("error sending request: connection refused"), which reqwest's
/// own message leaves out.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
