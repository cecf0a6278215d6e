//! Plaintext and ciphertext of verification round trips.
//!
//! Invariants: `SecretBytes` is zeroized on drop and never printed (its `Debug` shows only the
//! length; it has no `Display`, `Serialize` or `Clone`), so key material cannot reach logs,
//! errors or files by accident.

use std::collections::BTreeMap;
use std::fmt;

use zeroize::Zeroizing;

/// Secret bytes (a data key, a plaintext), wiped from memory when dropped.
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(Zeroizing::new(bytes))
    }

    /// Borrow the secret for the one call that needs it.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Constant-time comparison, for round-trip checks.
    pub fn ct_eq(&self, other: &SecretBytes) -> bool {
        let (a, b) = (self.expose(), other.expose());
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<redacted, {} bytes>)", self.0.len())
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        SecretBytes::new(bytes)
    }
}

/// Ciphertext returned by a provider's wrap/encrypt: not secret, but opaque and long, so its
/// `Debug` shows only the length and the key version that made it.
#[derive(Clone, PartialEq, Eq)]
pub struct Ciphertext {
    pub bytes: Vec<u8>,
    /// The key (version) id the provider reported: AWS key ARN, GCP version name, Azure kid.
    pub key_version: Option<String>,
}

impl fmt::Debug for Ciphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ciphertext")
            .field("len", &self.bytes.len())
            .field("key_version", &self.key_version)
            .finish()
    }
}

/// The context Anthropic binds to its requests. AWS sends it as the encryption context; GCP as
/// additional authenticated data (see [`EncryptionContext::to_aad`]); Azure RSA-OAEP has none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncryptionContext(pub BTreeMap<String, String>);

impl EncryptionContext {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }

    /// A deterministic byte encoding (sorted `key=value` lines) for clouds that take AAD bytes.
    pub fn to_aad(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (k, v) in &self.0 {
            out.extend_from_slice(k.as_bytes());
            out.push(b'=');
            out.extend_from_slice(v.as_bytes());
            out.push(b'\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_bytes() {
        let s = SecretBytes::new(b"hunter2-key-material".to_vec());
        let d = format!("{s:?}");
        assert_eq!(d, "SecretBytes(<redacted, 20 bytes>)");
        assert!(!d.contains("hunter2"));
        let c = Ciphertext {
            bytes: vec![1, 2, 3],
            key_version: Some("v1".into()),
        };
        assert_eq!(
            format!("{c:?}"),
            "Ciphertext { len: 3, key_version: Some(\"v1\") }"
        );
    }

    #[test]
    fn ct_eq_compares_content() {
        let a = SecretBytes::new(vec![1, 2, 3]);
        assert!(a.ct_eq(&SecretBytes::new(vec![1, 2, 3])));
        assert!(!a.ct_eq(&SecretBytes::new(vec![1, 2, 4])));
        assert!(!a.ct_eq(&SecretBytes::new(vec![1, 2])));
    }

    #[test]
    fn aad_is_sorted_and_stable() {
        let c = EncryptionContext::new()
            .with("b", "2")
            .with("anthropic:org_uuid", "x");
        assert_eq!(c.to_aad(), b"anthropic:org_uuid=x\nb=2\n");
    }
}
