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
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| fail(describe(&e)))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(fail(format!("answer is larger than {MAX_BODY} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    match serde_json::from_slice(&body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(fail("answer is not a JSON object".into())),
        Err(e) => Err(fail(format!("answer is not JSON ({e})"))),
    }
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
