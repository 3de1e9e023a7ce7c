//! The `requestState` of an input-required result, sealed so that the client can carry it
//! but neither read nor change it, and any replica holding the key can open it.
//!
//! XChaCha20-Poly1305 with a 24-byte nonce never used before (see [`next_nonce`]); the sealed
//! text is `base64url(nonce ‖ ciphertext)`. The first key seals, every key opens, so a new key is
//! rolled in by listing it first and the old one dropped once its states have expired.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use chacha20poly1305::aead::{Aead as _, KeyInit as _, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// The longest sealed state accepted back: past this it is refused unopened.
pub(crate) const MAX_SEALED: usize = 64 * 1024;

const NONCE: usize = 24;

/// The keys `requestState` is sealed with.
#[derive(Clone)]
pub(crate) struct StateKeys {
    ciphers: Vec<XChaCha20Poly1305>,
}

/// Why a sealed state was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unsealed {
    /// Longer than [`MAX_SEALED`].
    TooLarge,
    /// Not one of ours, or changed since it was sealed.
    Tampered,
}

impl std::fmt::Display for Unsealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge => write!(f, "is larger than {MAX_SEALED} bytes"),
            Self::Tampered => f.write_str("was not issued by this server or has been altered"),
        }
    }
}

impl StateKeys {
    /// Keys from their base64 text (32 bytes each); the first seals.
    pub(crate) fn from_base64(keys: &[String]) -> Result<Self, String> {
        let ciphers = keys
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(key.trim())
                    .or_else(|_| URL_SAFE_NO_PAD.decode(key.trim()))
                    .map_err(|_| format!("request_state_keys[{i}] is not base64"))?;
                if bytes.len() != 32 {
                    return Err(format!(
                        "request_state_keys[{i}] is {} bytes; a key is 32 random bytes",
                        bytes.len()
                    ));
                }
                XChaCha20Poly1305::new_from_slice(&bytes)
                    .map_err(|_| format!("request_state_keys[{i}] is not a key"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { ciphers })
    }

    /// One random key, for a single process.
    pub(crate) fn random() -> Self {
        Self {
            ciphers: vec![XChaCha20Poly1305::new(&XChaCha20Poly1305::generate_key(
                &mut OsRng,
            ))],
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ciphers.is_empty()
    }

    /// `plain`, sealed with the first key.
    pub(crate) fn seal(&self, plain: &[u8]) -> String {
        let cipher = &self.ciphers[0];
        let nonce = next_nonce();
        let sealed = cipher
            .encrypt(&nonce, plain)
            .expect("XChaCha20-Poly1305 seals any length a request can hold");
        let mut bytes = Vec::with_capacity(NONCE + sealed.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// What `sealed` holds, when one of the keys sealed it and nothing changed since.
    pub(crate) fn open(&self, sealed: &str) -> Result<Vec<u8>, Unsealed> {
        if sealed.len() > MAX_SEALED {
            return Err(Unsealed::TooLarge);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| Unsealed::Tampered)?;
        if bytes.len() < NONCE {
            return Err(Unsealed::Tampered);
        }
        let (nonce, sealed) = bytes.split_at(NONCE);
        let nonce = XNonce::from(<[u8; NONCE]>::try_from(nonce).map_err(|_| Unsealed::Tampered)?);
        self.ciphers
            .iter()
            .find_map(|cipher| cipher.decrypt(&nonce, sealed).ok())
            .ok_or(Unsealed::Tampered)
    }
}

/// A nonce no process sealing with the same key has used: 128 random bits drawn once per
/// process, then a counter. XChaCha20-Poly1305 asks only that nonces never repeat, and this
/// spares a system call per seal (one per page of a model list).
fn next_nonce() -> XNonce {
    static PREFIX: OnceLock<[u8; 16]> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(random_bytes::<16>);
    let count = COUNT.fetch_add(1, Ordering::Relaxed);
    let mut nonce = [0u8; NONCE];
    nonce[..16].copy_from_slice(prefix);
    nonce[16..].copy_from_slice(&count.to_le_bytes());
    XNonce::from(nonce)
}

/// `N` bytes from the operating system's generator.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    use chacha20poly1305::aead::rand_core::RngCore as _;
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// 128 random bits, URL-safe: an identifier no one can guess.
#[cfg(feature = "tasks")]
pub(crate) fn random_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        base64::engine::general_purpose::STANDARD.encode([byte; 32])
    }

    #[test]
    fn no_two_seals_share_a_nonce() {
        let keys = StateKeys::random();
        let nonces: std::collections::HashSet<Vec<u8>> = (0..1000)
            .map(|_| URL_SAFE_NO_PAD.decode(keys.seal(b"same")).unwrap()[..NONCE].to_vec())
            .collect();
        assert_eq!(nonces.len(), 1000);
    }

    #[test]
    fn a_sealed_state_opens_with_any_listed_key_and_hides_its_contents() {
        let old = StateKeys::from_base64(&[key(1)]).unwrap();
        let sealed = old.seal(b"answers: alice");
        assert!(!sealed.contains("alice"));
        let rotated = StateKeys::from_base64(&[key(2), key(1)]).unwrap();
        assert_eq!(rotated.open(&sealed).unwrap(), b"answers: alice");
        let other = StateKeys::from_base64(&[key(2)]).unwrap();
        assert_eq!(other.open(&sealed), Err(Unsealed::Tampered));
    }

    #[test]
    fn altered_truncated_oversized_and_foreign_states_are_refused() {
        let keys = StateKeys::random();
        let sealed = keys.seal(b"{}");
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        for bad in [
            altered.as_str(),
            &sealed[..sealed.len() - 4],
            &format!("{sealed}-TAMPERED"),
            "",
            "not base64 at all!",
        ] {
            assert_eq!(keys.open(bad), Err(Unsealed::Tampered), "{bad}");
        }
        assert_eq!(
            keys.open(&"A".repeat(MAX_SEALED + 1)),
            Err(Unsealed::TooLarge)
        );
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        let short = base64::engine::general_purpose::STANDARD.encode([0u8; 16]);
        let error = StateKeys::from_base64(&[key(1), short]).err().unwrap();
        assert!(
            error.contains("request_state_keys[1] is 16 bytes"),
            "{error}"
        );
        let error = StateKeys::from_base64(&["%%%".into()]).err().unwrap();
        assert!(error.contains("not base64"), "{error}");
    }
}
