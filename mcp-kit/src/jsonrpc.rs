//! Which methods each protocol revision has. The 2026-07-28 revision dropped the handshake
//! and the session's own methods; a request of that revision for one of them is answered
//! as an unknown method (HTTP 404, -32601), whatever an older client may send.

/// The first revision without `initialize` and sessions.
pub(crate) const PER_REQUEST_REVISION: &str = "2026-07-28";

/// Methods of the 2025-11-25 revision that the 2026-07-28 revision removed.
const REMOVED_IN_2026_07_28: &[&str] = &[
    "initialize",
    "notifications/initialized",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
    "notifications/roots/list_changed",
    "notifications/elicitation/complete",
    "tasks/get",
    "tasks/result",
    "tasks/list",
    "tasks/cancel",
];

/// Whether a request of revision `version` may call `method`. Revisions are dates, so
/// they compare as text.
pub(crate) fn has_method(version: &str, method: &str) -> bool {
    version < PER_REQUEST_REVISION || !REMOVED_IN_2026_07_28.contains(&method)
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
}
