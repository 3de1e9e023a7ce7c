//! Tool names for operations: short enough for every client, stable, unique.

use sha2::{Digest, Sha256};

/// The longest tool name some clients accept, though the spec allows 128.
pub const MAX_NAME: usize = 64;

/// The tool name of an operation: `prefix_operationId`, or `prefix_get_pets_id` from the method
/// and path when it has no id. Characters a name may not hold become `_`. A name over 64
/// characters is cut, and ends in 8 hex digits of a hash of the whole name, so it stays stable
/// and distinct.
pub(crate) fn tool_name(
    prefix: Option<&str>,
    operation_id: Option<&str>,
    method: &str,
    path: &str,
) -> String {
    let base = match operation_id {
        Some(id) => sanitize(id),
        None => sanitize(&format!("{method}_{path}")),
    };
    let full = match prefix {
        Some(prefix) => format!("{}_{base}", sanitize(prefix)),
        None => base,
    };
    if full.len() <= MAX_NAME {
        return full;
    }
    let digest = Sha256::digest(full.as_bytes());
    let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    // `full` is ASCII, so any byte index is a character boundary.
    let kept = full[..MAX_NAME - tag.len() - 1].trim_end_matches('_');
    format!("{kept}_{tag}")
}

/// Letters, digits, `_`, `-` and `.` kept; runs of anything else become one `_`.
fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '.') {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "operation".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_id_or_the_method_and_path() {
        assert_eq!(
            tool_name(Some("pets"), Some("listPets"), "get", "/pets"),
            "pets_listPets"
        );
        assert_eq!(
            tool_name(None, None, "get", "/pets/{petId}/toys"),
            "get_pets_petId_toys"
        );
        assert_eq!(tool_name(None, Some("a b/c"), "get", "/"), "a_b_c");
    }

    #[test]
    fn long_names_are_cut_with_a_stable_hash() {
        let long = "x".repeat(100);
        let a = tool_name(Some("api"), Some(&format!("{long}A")), "get", "/");
        let b = tool_name(Some("api"), Some(&format!("{long}B")), "get", "/");
        assert_eq!(a.len(), MAX_NAME);
        assert_ne!(a, b);
        assert_eq!(
            a,
            tool_name(Some("api"), Some(&format!("{long}A")), "get", "/")
        );
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        );
    }
}
