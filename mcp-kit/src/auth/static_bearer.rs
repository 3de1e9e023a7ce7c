//! Static bearer tokens from the settings file, stored as SHA-256 hashes and compared in
//! constant time.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{AuthError, Authenticator, Principal};

/// One `[[auth.static_tokens]]` entry. The token itself is never stored: only its SHA-256,
/// as 64 hex digits (`printf %s "$TOKEN" | sha256sum`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticToken {
    /// Hex SHA-256 of the token.
    pub token_sha256: String,
    /// The principal's subject.
    pub subject: String,
    /// Scopes granted.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Permissions granted.
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// The static tokens, ready to check.
pub struct StaticTokens {
    entries: Vec<([u8; 32], Principal)>,
}

impl StaticTokens {
    /// Parses the hashes. An entry whose hash is not 64 hex digits is an error naming its subject.
    pub fn new(tokens: &[StaticToken]) -> Result<Self, String> {
        let entries = tokens
            .iter()
            .map(|token| {
                let hash = decode_hex(&token.token_sha256).ok_or_else(|| {
                    format!(
                        "auth.static_tokens: the token_sha256 of subject `{}` is not 64 hex digits",
                        token.subject
                    )
                })?;
                let principal = Principal::new(&token.subject)
                    .with_scopes(token.scopes.iter().cloned())
                    .with_permissions(token.permissions.iter().cloned());
                Ok((hash, principal))
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { entries })
    }

    /// The principal whose token this is. Every entry is compared, whatever matches, so the
    /// time taken says nothing about which hash came close.
    pub fn find(&self, token: &str) -> Option<&Principal> {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for (hash, principal) in &self.entries {
            if bool::from(hash.ct_eq(&presented)) {
                found = Some(principal);
            }
        }
        found
    }
}

impl Authenticator for StaticTokens {
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>> {
        let found = self.find(token).cloned();
        Box::pin(async move { Ok(found) })
    }
}

/// The hex SHA-256 of `token`, for writing settings files.
pub fn sha256_hex(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_hex(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let digit = |b: u8| (b as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> StaticTokens {
        StaticTokens::new(&[StaticToken {
            token_sha256: sha256_hex("s3cret"),
            subject: "alice".into(),
            scopes: vec!["mcp".into()],
            permissions: vec!["notes.change_note".into()],
        }])
        .unwrap()
    }

    #[test]
    fn known_tokens_resolve_to_their_principal() {
        let tokens = tokens();
        let alice = tokens.find("s3cret").expect("alice");
        assert_eq!(alice.subject, "alice");
        assert!(alice.has_scope("mcp") && alice.has_perm("notes.change_note"));
        assert!(tokens.find("s3cret ").is_none());
        assert!(tokens.find("").is_none());
    }

    #[test]
    fn bad_hashes_are_refused_naming_the_subject() {
        let error = StaticTokens::new(&[StaticToken {
            token_sha256: "zz".into(),
            subject: "bob".into(),
            scopes: vec![],
            permissions: vec![],
        }])
        .err()
        .unwrap();
        assert!(error.contains("`bob`"), "{error}");
    }

    #[test]
    fn sha256_matches_the_known_vector() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
