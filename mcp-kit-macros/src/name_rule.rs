// Written once, here: `#[tool]` checks a name by it while expanding, and mcp-kit compiles
// the same source through `__name_rule!()` for the names it meets at run time.

/// The protocol's rule for tool names: `^[A-Za-z0-9._-]{1,128}$`.
pub const fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > 128 {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
            return false;
        }
        i += 1;
    }
    true
}
