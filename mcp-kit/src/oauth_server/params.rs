//! OAuth request parameters, from a query string or a form body. Each may appear at most
//! once (RFC 6749 §3.1, §3.2): a repeated one is refused, never picked from.

use std::collections::HashMap;

/// The parameters of `encoded`, or the name of one given more than once.
pub(crate) fn single_valued(encoded: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(encoded) {
        if params.insert(key.to_string(), value.into_owned()).is_some() {
            return Err(key.into_owned());
        }
    }
    Ok(params)
}
