//! Key material and the self-describing ciphertext blob.
//!
//! Blob layout (version 1):
//! `0x01 | u16 BE length | key ARN (UTF-8) | 12-byte nonce | AES-256-GCM ciphertext + 16-byte tag`.
//!
//! The AAD binds a domain label, the key ARN and the canonical encryption context (pairs sorted
//! by key, each key and value length-prefixed), so a blob decrypts only under the key named in it
//! and only with exactly the encryption context it was made with; a tampered ARN or context makes
//! the tag check fail (`InvalidCiphertextException`), like real KMS.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, Nonce, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::{Zeroize, Zeroizing};

use super::error::{KmsError, KmsErrorCode};

const BLOB_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const AAD_LABEL: &[u8] = b"cmek-sandbox-kms/v1\0";

/// 256 bits of key material. Zeroized on drop; `Debug` never shows it. It is serialized (base64)
/// only into the emulator snapshot, which the caller stores with owner-only permissions.
#[derive(Clone)]
pub struct KeyMaterial([u8; 32]);

impl KeyMaterial {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes[..]);
        Self(bytes)
    }

    fn cipher(&self) -> Result<Aes256Gcm, KmsError> {
        Aes256Gcm::new_from_slice(&self.0)
            .map_err(|_| KmsError::new(KmsErrorCode::InvalidCiphertextException, "bad key size"))
    }
}

impl Drop for KeyMaterial {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyMaterial(<redacted>)")
    }
}

impl serde::Serialize for KeyMaterial {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let encoded = Zeroizing::new(STANDARD.encode(self.0));
        serializer.serialize_str(&encoded)
    }
}

impl<'de> serde::Deserialize<'de> for KeyMaterial {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let encoded = Zeroizing::new(String::deserialize(deserializer)?);
        let bytes = Zeroizing::new(
            STANDARD
                .decode(encoded.as_bytes())
                .map_err(|_| serde::de::Error::custom("key material is not base64"))?,
        );
        let array: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| serde::de::Error::custom("key material must be 32 bytes"))?;
        Ok(Self(array))
    }
}

/// The canonical byte form of an encryption context.
pub fn canonical_context(context: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in context {
        for part in [key, value] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
    }
    out
}

fn aad(key_arn: &str, context: &BTreeMap<String, String>) -> Vec<u8> {
    let mut aad = AAD_LABEL.to_vec();
    aad.extend_from_slice(key_arn.as_bytes());
    aad.push(0);
    aad.extend_from_slice(&canonical_context(context));
    aad
}

fn invalid_ciphertext() -> KmsError {
    KmsError::new(KmsErrorCode::InvalidCiphertextException, "")
}

/// Encrypts `plaintext` under `material` for the key `key_arn`.
pub fn seal(
    material: &KeyMaterial,
    key_arn: &str,
    context: &BTreeMap<String, String>,
    plaintext: &[u8],
) -> Result<Vec<u8>, KmsError> {
    let arn_len = u16::try_from(key_arn.len())
        .map_err(|_| KmsError::validation("key ARN too long for a ciphertext blob"))?;
    let mut nonce_bytes = [0u8; NONCE_LEN];
    rand::fill(&mut nonce_bytes[..]);
    let nonce = Nonce::<Aes256Gcm>::try_from(&nonce_bytes[..]).map_err(|_| invalid_ciphertext())?;
    let aad = aad(key_arn, context);
    let sealed = material
        .cipher()?
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| invalid_ciphertext())?;
    let mut blob = Vec::with_capacity(3 + key_arn.len() + NONCE_LEN + sealed.len());
    blob.push(BLOB_VERSION);
    blob.extend_from_slice(&arn_len.to_be_bytes());
    blob.extend_from_slice(key_arn.as_bytes());
    blob.extend_from_slice(&nonce_bytes);
    blob.extend_from_slice(&sealed);
    Ok(blob)
}

/// A parsed blob whose tag has not been checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedBlob<'a> {
    pub key_arn: &'a str,
    nonce: &'a [u8],
    sealed: &'a [u8],
}

/// Reads the header of a ciphertext blob (to find its key) without decrypting it.
pub fn parse(blob: &[u8]) -> Result<ParsedBlob<'_>, KmsError> {
    let (&version, rest) = blob.split_first().ok_or_else(invalid_ciphertext)?;
    if version != BLOB_VERSION || rest.len() < 2 {
        return Err(invalid_ciphertext());
    }
    let arn_len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
    let rest = &rest[2..];
    if rest.len() < arn_len + NONCE_LEN + TAG_LEN {
        return Err(invalid_ciphertext());
    }
    let (arn_bytes, rest) = rest.split_at(arn_len);
    let key_arn = std::str::from_utf8(arn_bytes).map_err(|_| invalid_ciphertext())?;
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    Ok(ParsedBlob {
        key_arn,
        nonce,
        sealed,
    })
}

/// Decrypts a parsed blob; fails with `InvalidCiphertextException` if the material or the
/// encryption context differ from the ones it was sealed with.
pub fn open(
    material: &KeyMaterial,
    blob: &ParsedBlob<'_>,
    context: &BTreeMap<String, String>,
) -> Result<Zeroizing<Vec<u8>>, KmsError> {
    let nonce = Nonce::<Aes256Gcm>::try_from(blob.nonce).map_err(|_| invalid_ciphertext())?;
    let aad = aad(blob.key_arn, context);
    material
        .cipher()?
        .decrypt(
            &nonce,
            Payload {
                msg: blob.sealed,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| invalid_ciphertext())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:kms:us-east-2:111122223333:key/1234";

    fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn round_trip_binds_the_context() {
        let material = KeyMaterial::generate();
        let context = ctx(&[("anthropic:org_uuid", "o"), ("a", "b")]);
        let blob = seal(&material, ARN, &context, b"secret").unwrap();
        let parsed = parse(&blob).unwrap();
        assert_eq!(parsed.key_arn, ARN);
        assert_eq!(
            open(&material, &parsed, &context).unwrap().as_slice(),
            b"secret"
        );
        let wrong = ctx(&[("anthropic:org_uuid", "other"), ("a", "b")]);
        assert_eq!(
            open(&material, &parsed, &wrong).unwrap_err().code,
            KmsErrorCode::InvalidCiphertextException
        );
        assert!(open(&KeyMaterial::generate(), &parsed, &context).is_err());
    }

    #[test]
    fn tampering_with_the_key_arn_fails() {
        let material = KeyMaterial::generate();
        let mut blob = seal(&material, ARN, &BTreeMap::new(), b"x").unwrap();
        let last = 3 + ARN.len() - 1;
        blob[last] = b'5';
        let parsed = parse(&blob).unwrap();
        assert!(open(&material, &parsed, &BTreeMap::new()).is_err());
    }

    #[test]
    fn garbage_is_invalid_ciphertext() {
        for blob in [&b""[..], &[1u8, 0, 200][..], &[9u8; 40][..]] {
            assert_eq!(
                parse(blob).unwrap_err().code,
                KmsErrorCode::InvalidCiphertextException
            );
        }
    }

    #[test]
    fn debug_never_shows_material() {
        assert_eq!(
            format!("{:?}", KeyMaterial::generate()),
            "KeyMaterial(<redacted>)"
        );
    }

    #[test]
    fn canonical_context_is_order_independent_and_unambiguous() {
        let a = ctx(&[("b", "2"), ("a", "1")]);
        let b = ctx(&[("a", "1"), ("b", "2")]);
        assert_eq!(canonical_context(&a), canonical_context(&b));
        assert_ne!(
            canonical_context(&ctx(&[("ab", "c")])),
            canonical_context(&ctx(&[("a", "bc")]))
        );
    }
}
