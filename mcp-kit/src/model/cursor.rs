//! Keyset cursors: where the next page starts, as the ordering column's value and the primary
//! key of the last row sent, so a deep page costs what the first does. Sealed with the
//! server's `request_state_keys`, so a client can neither read nor alter one.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::ToolError;
use crate::sealed::StateKeys;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cursor {
    /// The ordering column's value in the last row sent.
    #[serde(rename = "v")]
    pub(crate) value: Value,
    /// The last row's primary key.
    #[serde(rename = "k")]
    pub(crate) pk: Value,
    /// What the query asked, so a cursor is not reused with other filters or ordering.
    #[serde(rename = "q")]
    pub(crate) query: String,
}

impl Cursor {
    pub(crate) fn encode(&self, keys: &StateKeys) -> String {
        let json = serde_json::to_vec(self).expect("a cursor serializes");
        keys.seal(&json)
    }

    pub(crate) fn decode(text: &str, query: &str, keys: &StateKeys) -> Result<Self, ToolError> {
        let invalid = || {
            ToolError::invalid_field(
                "cursor",
                "is not a cursor this tool gave out; start again without one",
            )
        };
        let bytes = keys.open(text).map_err(|_| invalid())?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if cursor.query != query {
            return Err(ToolError::invalid_field(
                "cursor",
                "belongs to a listing with other filters, search or ordering",
            ));
        }
        Ok(cursor)
    }
}

/// A short digest of the arguments that shape a listing (not `cursor` or `limit`).
pub(crate) fn query_digest(shape: &Value) -> String {
    let digest = Sha256::digest(serde_json::to_vec(shape).expect("a JSON value serializes"));
    URL_SAFE_NO_PAD.encode(&digest[..9])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cursor() -> Cursor {
        Cursor {
            value: json!("Dune"),
            pk: json!(7),
            query: query_digest(&json!({"order_by": "title"})),
        }
    }

    #[test]
    fn round_trips() {
        let (c, keys) = (cursor(), StateKeys::random());
        assert_eq!(
            Cursor::decode(&c.encode(&keys), &c.query, &keys).unwrap(),
            c
        );
    }

    #[test]
    fn refuses_tampering_forgery_and_other_queries() {
        let (c, keys) = (cursor(), StateKeys::random());
        let mut text = c.encode(&keys);
        text.insert(3, 'x');
        let error = Cursor::decode(&text, &c.query, &keys).unwrap_err();
        assert_eq!(error.fields()[0].field, "cursor");
        // A well-formed cursor the client wrote itself, or another server sealed.
        let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
        assert!(Cursor::decode(&forged, &c.query, &keys).is_err());
        let elsewhere = c.encode(&StateKeys::random());
        assert!(Cursor::decode(&elsewhere, &c.query, &keys).is_err());
        let other = query_digest(&json!({"order_by": "-title"}));
        let error = Cursor::decode(&c.encode(&keys), &other, &keys).unwrap_err();
        assert!(error.fields()[0].message.contains("other filters"));
    }
}
