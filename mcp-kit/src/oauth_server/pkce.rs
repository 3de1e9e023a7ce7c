//! PKCE (RFC 7636) with the S256 method, the only one accepted.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// The S256 challenge of `verifier`: BASE64URL(SHA256(verifier)).
pub(crate) fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `value` has the form of a verifier or an S256 challenge: 43 to 128 characters of
/// `[A-Za-z0-9-._~]`.
pub(crate) fn well_formed(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` is the one `challenge` was made from.
pub(crate) fn verify(verifier: &str, challenge: &str) -> bool {
    well_formed(verifier)
        && self::challenge(verifier)
            .as_bytes()
            .ct_eq(challenge.as_bytes())
            .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636, appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_7636_example_verifies() {
        assert_eq!(challenge(VERIFIER), CHALLENGE);
        assert!(verify(VERIFIER, CHALLENGE));
    }

    #[test]
    fn other_verifiers_do_not() {
        let mut wrong = VERIFIER.to_owned();
        wrong.replace_range(0..1, "e");
        assert!(!verify(&wrong, CHALLENGE));
        assert!(!verify("", CHALLENGE));
        // The challenge itself is not a verifier of itself.
        assert!(!verify(CHALLENGE, CHALLENGE));
        // Too short, though its challenge would match.
        assert!(!verify("abc", &self::challenge("abc")));
    }

    #[test]
    fn form_is_checked() {
        assert!(well_formed(VERIFIER));
        assert!(!well_formed(&"a".repeat(42)));
        assert!(!well_formed(&"a".repeat(129)));
        assert!(!well_formed(&format!("{}+", "a".repeat(43))));
    }
}
