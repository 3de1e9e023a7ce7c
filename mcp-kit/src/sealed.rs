//! The `requestState` of an input-required result, sealed so that the client can carry it
//! but neither read nor change it, and any replica holding the key can open it.
//!
//! XChaCha20-Poly1305 with a 24-byte nonce never used before (see [`Prefix`]); the sealed text
//! is `base64url(nonce ‖ ciphertext)`. The first key seals, every key opens, so a new key is
//! rolled in by listing it first and the old one dropped once its states have expired.
//!
//! XChaCha20-Poly1305 is, by its definition (draft-irtf-cfrg-xchacha §2.3), ChaCha20-Poly1305
//! under a subkey that HChaCha20 derives from the key and the nonce's first 16 bytes, with the
//! nonce's last 8 bytes. It is built so here: ring's ChaCha20-Poly1305 seals a cursor in a
//! tenth of the time of the pure-Rust one, whose Poly1305 is slow on short messages, and this
//! process's subkeys are derived once, as its nonces share their first 16 bytes.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20::cipher::consts::U10;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::rand::SecureRandom as _;

/// The longest sealed state accepted back: past this it is refused unopened.
pub(crate) const MAX_SEALED: usize = 64 * 1024;

const NONCE: usize = 24;
const TAG: usize = 16;

/// The keys `requestState` is sealed with.
#[derive(Clone)]
pub(crate) struct StateKeys {
    keys: Vec<StateKey>,
}

#[derive(Clone)]
struct StateKey {
    key: [u8; 32],
    /// The cipher of this process's nonces, derived once.
    ours: LessSafeKey,
}

impl StateKey {
    fn new(key: [u8; 32]) -> Self {
        let ours = subkey(&key, Prefix::ours());
        Self { key, ours }
    }
}

/// ChaCha20-Poly1305 under HChaCha20's subkey of `key` for nonces starting with `prefix`.
fn subkey(key: &[u8; 32], prefix: &[u8; 16]) -> LessSafeKey {
    let subkey = chacha20::hchacha::<U10>(key.into(), prefix.into());
    LessSafeKey::new(
        UnboundKey::new(&CHACHA20_POLY1305, &subkey).expect("a ChaCha20 key is 32 bytes"),
    )
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
        let keys = keys
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(key.trim())
                    .or_else(|_| URL_SAFE_NO_PAD.decode(key.trim()))
                    .map_err(|_| format!("request_state_keys[{i}] is not base64"))?;
                let key = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
                    format!(
                        "request_state_keys[{i}] is {} bytes; a key is 32 random bytes",
                        bytes.len()
                    )
                })?;
                Ok(StateKey::new(key))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Self { keys })
    }

    /// One random key, for a single process.
    pub(crate) fn random() -> Self {
        Self {
            keys: vec![StateKey::new(random_bytes())],
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// `plain`, sealed with the first key.
    pub(crate) fn seal(&self, plain: &[u8]) -> String {
        let count = Prefix::next_count();
        let mut bytes = Vec::with_capacity(NONCE + plain.len() + TAG);
        bytes.extend_from_slice(Prefix::ours());
        bytes.extend_from_slice(&count);
        bytes.extend_from_slice(plain);
        let (_, in_out) = bytes.split_at_mut(NONCE);
        let tag = self.keys[0]
            .ours
            .seal_in_place_separate_tag(nonce(count), Aad::empty(), in_out)
            .expect("ChaCha20-Poly1305 seals any length a request can hold");
        bytes.extend_from_slice(tag.as_ref());
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
        let (prefix, rest) = bytes.split_first_chunk::<16>().ok_or(Unsealed::Tampered)?;
        let (count, sealed) = rest.split_first_chunk::<8>().ok_or(Unsealed::Tampered)?;
        if sealed.len() < TAG {
            return Err(Unsealed::Tampered);
        }
        self.keys
            .iter()
            .find_map(|key| {
                let mut in_out = sealed.to_vec();
                let nonce = nonce(*count);
                let opened = if prefix == Prefix::ours() {
                    key.ours.open_in_place(nonce, Aad::empty(), &mut in_out)
                } else {
                    subkey(&key.key, prefix).open_in_place(nonce, Aad::empty(), &mut in_out)
                };
                let len = opened.ok()?.len();
                in_out.truncate(len);
                Some(in_out)
            })
            .ok_or(Unsealed::Tampered)
    }
}

/// A nonce no process sealing with the same key has used: 128 random bits drawn once per
/// process, then a counter. XChaCha20-Poly1305 asks only that nonces never repeat, and this
/// spares a system call per seal (one per page of a model list).
struct Prefix;

impl Prefix {
    fn ours() -> &'static [u8; 16] {
        static PREFIX: OnceLock<[u8; 16]> = OnceLock::new();
        PREFIX.get_or_init(random_bytes::<16>)
    }

    fn next_count() -> [u8; 8] {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        COUNT.fetch_add(1, Ordering::Relaxed).to_le_bytes()
    }
}

/// ChaCha20-Poly1305's nonce for XChaCha20-Poly1305's last 8 bytes: four zero bytes first.
fn nonce(count: [u8; 8]) -> Nonce {
    let mut nonce = [0u8; 12];
    nonce[4..].copy_from_slice(&count);
    Nonce::assume_unique_for_key(nonce)
}

/// `N` bytes from the operating system's generator.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random generator works");
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

    /// Sealed as RustCrypto's XChaCha20-Poly1305 seals, and opened as it opens, whichever
    /// process drew the nonce: states sealed before, or by another replica, still open.
    #[test]
    fn sealing_is_xchacha20_poly1305() {
        use chacha20poly1305::aead::{Aead as _, KeyInit as _};
        use chacha20poly1305::{XChaCha20Poly1305, XNonce};
        let reference = XChaCha20Poly1305::new(&[7u8; 32].into());
        let keys = StateKeys::from_base64(&[key(7)]).unwrap();
        for len in [0, 1, 15, 16, 17, 64, 65, 1000] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();

            let ours = URL_SAFE_NO_PAD.decode(keys.seal(&plain)).unwrap();
            let (nonce, sealed) = ours.split_at(NONCE);
            let nonce = XNonce::from(<[u8; NONCE]>::try_from(nonce).unwrap());
            assert_eq!(reference.decrypt(&nonce, sealed).unwrap(), plain, "{len}");

            for nonce in [[3u8; NONCE], {
                let mut ours = [5u8; NONCE];
                ours[..16].copy_from_slice(Prefix::ours());
                ours
            }] {
                let mut theirs = nonce.to_vec();
                theirs.extend(reference.encrypt(&XNonce::from(nonce), &plain[..]).unwrap());
                let theirs = URL_SAFE_NO_PAD.encode(theirs);
                assert_eq!(keys.open(&theirs).unwrap(), plain, "{len}");
            }
        }
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
