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
    let body = send_for_json(request, MAX_BODY).await.map_err(|error| {
        fail(match error {
            FetchError::Failed(e) => describe(&e),
            FetchError::Status(status) => format!("answered HTTP {status}"),
            FetchError::TooLarge => format!("answer is larger than {MAX_BODY} bytes"),
        })
    })?;
    match serde_json::from_slice(&body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(fail("answer is not a JSON object".into())),
        Err(e) => Err(fail(format!("answer is not JSON ({e})"))),
    }
}

/// Why [`send_for_json`] gave no body.
pub(crate) enum FetchError {
    /// Sending the request, or reading its answer, failed.
    Failed(reqwest::Error),
    /// The answer's status is not a success.
    Status(reqwest::StatusCode),
    /// The body is longer than allowed.
    TooLarge,
}

/// Sends `request` asking for JSON and reads the body of a successful answer, no further than
/// `max` bytes (nor at all when its length says it is longer), so a hostile server cannot make
/// this one buffer without bound.
pub(crate) async fn send_for_json(
    request: reqwest::RequestBuilder,
    max: usize,
) -> Result<Vec<u8>, FetchError> {
    let mut response = request
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(FetchError::Failed)?;
    if !response.status().is_success() {
        return Err(FetchError::Status(response.status()));
    }
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(FetchError::Failed)? {
        if body.len() + chunk.len() > max {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The error with its causes ("error sending request: connection refused"), which reqwest's
/// own message leaves out.
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
