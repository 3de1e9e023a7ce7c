//! Random values and their digests: codes, tokens, ids and CSRF tokens are random, and are
//! kept only as SHA-256 digests, so a copy of the database does not let anyone in.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::sealed::random_bytes;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// 256 random bits, base64url: for codes, tokens and session cookies.
pub(crate) fn token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// 128 random bits, hex: for ids shown to people (client ids, key ids).
pub(crate) fn id() -> String {
    random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What is stored in place of a secret.
pub(crate) fn digest(secret: &str) -> String {
    crate::auth::sha256_hex(secret)
}

/// Seconds since the epoch.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Whether `a` and `b` are equal, in time that does not depend on where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}
