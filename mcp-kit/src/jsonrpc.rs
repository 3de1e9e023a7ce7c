//! The JSON-RPC envelope, checked the same way by both HTTP paths, and the one table of the
//! methods a client may call: which the server serves and which revision has each. The
//! 2026-07-28 revision dropped the handshake and the session's own methods; a request of that
//! revision for one of them is answered as an unknown method (HTTP 404, -32601), whatever an
//! older client may send.

use std::borrow::Cow;

/// The first revision without `initialize` and sessions.
pub(crate) const PER_REQUEST_REVISION: &str = "2026-07-28";

/// A request method the server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Initialize,
    Ping,
    Discover,
    ListTools,
    CallTool,
    ListResources,
    ListResourceTemplates,
    ReadResource,
    Subscribe,
    Unsubscribe,
    ListPrompts,
    GetPrompt,
    Complete,
    SetLogLevel,
    Listen,
    GetTask,
    UpdateTask,
    CancelTask,
}

impl Method {
    /// Every method, in the order the specification lists them.
    pub(crate) const ALL: [Self; 18] = [
        Self::Initialize,
        Self::Ping,
        Self::Discover,
        Self::ListTools,
        Self::CallTool,
        Self::ListResources,
        Self::ListResourceTemplates,
        Self::ReadResource,
        Self::Subscribe,
        Self::Unsubscribe,
        Self::ListPrompts,
        Self::GetPrompt,
        Self::Complete,
        Self::SetLogLevel,
        Self::Listen,
        Self::GetTask,
        Self::UpdateTask,
        Self::CancelTask,
    ];

    /// Its name on the wire.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Initialize => "initialize",
            Self::Ping => "ping",
            Self::Discover => "server/discover",
            Self::ListTools => "tools/list",
            Self::CallTool => "tools/call",
            Self::ListResources => "resources/list",
            Self::ListResourceTemplates => "resources/templates/list",
            Self::ReadResource => "resources/read",
            Self::Subscribe => "resources/subscribe",
            Self::Unsubscribe => "resources/unsubscribe",
            Self::ListPrompts => "prompts/list",
            Self::GetPrompt => "prompts/get",
            Self::Complete => "completion/complete",
            Self::SetLogLevel => "logging/setLevel",
            Self::Listen => "subscriptions/listen",
            Self::GetTask => "tasks/get",
            Self::UpdateTask => "tasks/update",
            Self::CancelTask => "tasks/cancel",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|method| method.name() == name)
    }

    /// Whether only sessions have it: the 2026-07-28 revision removed it.
    const fn is_session_only(self) -> bool {
        matches!(
            self,
            Self::Initialize | Self::Ping | Self::SetLogLevel | Self::Subscribe | Self::Unsubscribe
        )
    }
}

/// The name of every method the server serves, for tests that must cover them all.
#[doc(hidden)]
pub fn method_names() -> impl Iterator<Item = &'static str> {
    Method::ALL.into_iter().map(Method::name)
}

/// Notifications and task methods of the 2025-11-25 revision that the 2026-07-28 revision
/// removed (the requests it removed are [`Method`]s; its tasks extension keeps `tasks/get`
/// and `tasks/cancel`).
const ALSO_REMOVED_IN_2026_07_28: &[&str] = &[
    "notifications/initialized",
    "notifications/roots/list_changed",
    "notifications/elicitation/complete",
    "tasks/result",
    "tasks/list",
];

/// Whether a request of revision `version` may call `method`. Revisions are dates, so
/// they compare as text.
pub(crate) fn has_method(version: &str, method: &str) -> bool {
    if version < PER_REQUEST_REVISION {
        return true;
    }
    match Method::from_name(method) {
        Some(known) => !known.is_session_only(),
        None => !ALSO_REMOVED_IN_2026_07_28.contains(&method),
    }
}

/// Says why a body is not one JSON-RPC message, without building a JSON tree.
pub(crate) fn check_envelope(bytes: &[u8]) -> Result<(), (i32, String)> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        jsonrpc: Option<Cow<'a, str>>,
        #[serde(borrow)]
        method: Option<Cow<'a, str>>,
        result: Option<serde::de::IgnoredAny>,
        error: Option<serde::de::IgnoredAny>,
    }
    if exceeds_depth(bytes, MAX_DEPTH) {
        return Err((
            -32700,
            format!("parse error: JSON nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    let envelope: Envelope<'_> = match serde_json::from_slice(bytes) {
        Ok(envelope) => envelope,
        Err(error) if error.is_data() => {
            // The shape was wrong before the end was seen: the text may still be broken JSON.
            if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                return Err((-32700, format!("parse error: {error}")));
            }
            let what = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'[') => "a batch (JSON array), which is not supported",
                Some(b'{') => "an object whose `jsonrpc` or `method` is not a string",
                _ => "not a JSON object",
            };
            return Err((-32600, format!("invalid request: the body is {what}")));
        }
        Err(error) => return Err((-32700, format!("parse error: {error}"))),
    };
    if envelope.jsonrpc.as_deref() != Some("2.0") {
        return Err((-32600, "invalid request: `jsonrpc` must be \"2.0\"".into()));
    }
    if envelope.method.is_none() && envelope.result.is_none() && envelope.error.is_none() {
        return Err((-32600, "invalid request: `method` is missing".into()));
    }
    Ok(())
}

/// As deep as serde_json goes when rmcp parses the message: it refuses the 128th level.
pub(crate) const MAX_DEPTH: usize = 127;

/// Whether arrays and objects nest deeper than `limit`, skipping strings. One pass, no
/// allocation: skipped values are not depth-checked by the envelope parse above.
pub(crate) fn exceeds_depth(bytes: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_2026_revision_has_no_handshake_or_session_methods() {
        for method in [
            "initialize",
            "ping",
            "logging/setLevel",
            "resources/subscribe",
        ] {
            assert!(!has_method("2026-07-28", method), "{method}");
            assert!(has_method("2025-11-25", method), "{method}");
        }
        for method in ["tools/call", "server/discover", "subscriptions/listen"] {
            assert!(has_method("2026-07-28", method), "{method}");
        }
    }

    #[test]
    fn envelopes_are_checked() {
        assert_eq!(check_envelope(b"{").unwrap_err().0, -32700);
        assert_eq!(check_envelope(b"[]").unwrap_err().0, -32600);
        assert_eq!(
            check_envelope(br#"{"jsonrpc":"1.0","method":"x"}"#)
                .unwrap_err()
                .0,
            -32600
        );
        assert_eq!(
            check_envelope(br#"{"jsonrpc":"2.0","id":1}"#)
                .unwrap_err()
                .0,
            -32600
        );
        assert!(check_envelope(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).is_ok());
        assert_eq!(check_envelope(b"\xff\xfe").unwrap_err().0, -32700);
        let deep = "[".repeat(10_000);
        assert_eq!(check_envelope(deep.as_bytes()).unwrap_err().0, -32700);
        let unclosed = r#"{"jsonrpc":"2.0","method":5"#;
        assert_eq!(check_envelope(unclosed.as_bytes()).unwrap_err().0, -32700);
        let nested = format!(
            r#"{{"jsonrpc":"2.0","method":"x","params":{}{}}}"#,
            "[".repeat(129),
            "]".repeat(129)
        );
        assert_eq!(check_envelope(nested.as_bytes()).unwrap_err().0, -32700);
        let shallow = format!(
            r#"{{"jsonrpc":"2.0","method":"x","params":{}{}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        assert!(check_envelope(shallow.as_bytes()).is_ok());
        assert!(!exceeds_depth(br#"{"a":"[[[[\"[[["}"#, 2));
    }
}
