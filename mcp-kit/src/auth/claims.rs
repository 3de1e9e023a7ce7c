//! Token claims (a JWT's payload or an introspection answer) turned into a [`Principal`].

use serde_json::{Map, Value};

use super::Principal;

/// The principal the claims describe: `sub` (or `client_id` for a client acting for itself),
/// scopes from `scope` (space-separated, RFC 9068) or `scp` (a list), permissions from
/// `permissions`. `None` when the claims name no subject.
pub(crate) fn principal(claims: Map<String, Value>) -> Option<Principal> {
    let subject = ["sub", "client_id"]
        .iter()
        .find_map(|key| claims.get(*key)?.as_str().filter(|s| !s.is_empty()))?
        .to_owned();
    let scopes = words(claims.get("scope")).chain(words(claims.get("scp")));
    let permissions = words(claims.get("permissions"));
    let mut principal = Principal::new(subject)
        .with_scopes(scopes.collect::<Vec<_>>())
        .with_permissions(permissions.collect::<Vec<_>>());
    principal.claims = claims;
    Some(principal)
}

/// The words of a space-separated string or the strings of a list.
fn words(value: Option<&Value>) -> impl Iterator<Item = String> + '_ {
    let (text, list) = match value {
        Some(Value::String(text)) => (Some(text.as_str()), None),
        Some(Value::Array(list)) => (None, Some(list)),
        _ => (None, None),
    };
    let from_text = text.into_iter().flat_map(str::split_whitespace);
    let from_list = list.into_iter().flatten().filter_map(Value::as_str);
    from_text.chain(from_list).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn scopes_come_from_scope_or_scp() {
        let alice = principal(claims(json!({"sub": "alice", "scope": "mcp  notes:read"}))).unwrap();
        assert_eq!(alice.subject, "alice");
        assert!(alice.has_scope("mcp") && alice.has_scope("notes:read"));
        let bot = principal(claims(
            json!({"client_id": "bot", "scp": ["mcp"], "permissions": ["a.b"]}),
        ))
        .unwrap();
        assert_eq!(bot.subject, "bot");
        assert!(bot.has_scope("mcp") && bot.has_perm("a.b"));
        assert_eq!(bot.claims["client_id"], "bot");
    }

    #[test]
    fn claims_without_a_subject_name_nobody() {
        assert!(principal(claims(json!({"scope": "mcp"}))).is_none());
        assert!(principal(claims(json!({"sub": ""}))).is_none());
        assert!(principal(claims(json!({"sub": 7}))).is_none());
    }
}
