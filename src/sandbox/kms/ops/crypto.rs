//! Cryptographic operations: Encrypt, Decrypt, GenerateDataKey, ReEncrypt, with real
//! AES-256-GCM under each key's material and the encryption context bound as AAD.
//!
//! Only symmetric encryption keys do cryptography here; asymmetric keys exist as metadata
//! (`UnsupportedOperationException` for their crypto, `InvalidKeyUsageException` where KMS
//! itself refuses the key's usage).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::{blob, encode, require_usable, required};
use crate::sandbox::kms::emulator::Call;
use crate::sandbox::kms::envelope;
use crate::sandbox::kms::error::{KmsError, KmsErrorCode};
use crate::sandbox::kms::state::{AliasAllowed, KmsKey, KmsState};

/// KMS's limit on a directly encrypted plaintext.
pub const MAX_PLAINTEXT: usize = 4096;
/// KMS's limit on `NumberOfBytes` of a data key.
pub const MAX_DATA_KEY_BYTES: i64 = 1024;
const ALGORITHM: &str = "SYMMETRIC_DEFAULT";

type Context = BTreeMap<String, String>;

/// Checks the key can do symmetric encryption with the requested algorithm.
fn require_encryption_key(key: &KmsKey, algorithm: &Option<String>) -> Result<(), KmsError> {
    if key.key_usage != "ENCRYPT_DECRYPT" {
        return Err(KmsError::new(
            KmsErrorCode::InvalidKeyUsageException,
            format!(
                "{} key usage is {} which is not valid for this operation.",
                key.arn, key.key_usage
            ),
        ));
    }
    if !key.is_symmetric() {
        return Err(KmsError::new(
            KmsErrorCode::UnsupportedOperationException,
            format!(
                "The KMS sandbox does not implement {} encryption",
                key.key_spec
            ),
        ));
    }
    match algorithm.as_deref() {
        None | Some(ALGORITHM) => Ok(()),
        Some(other) => Err(KmsError::new(
            KmsErrorCode::InvalidKeyUsageException,
            format!("Encryption algorithm {other} is not valid for a symmetric key"),
        )),
    }
}

/// Resolves, authorizes and state-checks a key for a crypto action.
fn crypto_key<'s>(
    call: &mut Call<'_>,
    state: &'s KmsState,
    id: &str,
    action: &str,
    context: &Context,
    algorithm: &Option<String>,
) -> Result<&'s KmsKey, KmsError> {
    let key_id = state.resolve(call.scope(), id, AliasAllowed::Yes)?;
    let key = state.key(&key_id)?;
    call.authorize(key, action, context)?;
    require_usable(key)?;
    require_encryption_key(key, algorithm)?;
    Ok(key)
}

/// Finds the key a ciphertext blob names. A blob for a key this emulator (or this region) does
/// not hold is not a valid ciphertext here.
fn blob_key<'s>(
    call: &Call<'_>,
    state: &'s KmsState,
    parsed: &envelope::ParsedBlob<'_>,
) -> Result<&'s KmsKey, KmsError> {
    let key_id = parsed
        .key_arn
        .rsplit_once(":key/")
        .map(|(_, id)| id)
        .unwrap_or_default();
    state
        .keys
        .get(key_id)
        .filter(|k| k.arn == parsed.key_arn && k.region == call.region)
        .ok_or_else(|| KmsError::new(KmsErrorCode::InvalidCiphertextException, ""))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptRequest {
    key_id: Option<String>,
    plaintext: Option<String>,
    encryption_context: Option<Context>,
    encryption_algorithm: Option<String>,
}

pub fn encrypt(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: EncryptRequest,
) -> Result<Value, KmsError> {
    let id = required(&req.key_id, "keyId")?;
    let plaintext = Zeroizing::new(blob(&req.plaintext, "plaintext")?);
    if plaintext.is_empty() || plaintext.len() > MAX_PLAINTEXT {
        return Err(KmsError::validation(format!(
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and {MAX_PLAINTEXT}"
        )));
    }
    let context = req.encryption_context.unwrap_or_default();
    let key = crypto_key(
        call,
        state,
        id,
        "kms:Encrypt",
        &context,
        &req.encryption_algorithm,
    )?;
    let ciphertext = envelope::seal(&key.material, &key.arn, &context, &plaintext)?;
    Ok(json!({
        "CiphertextBlob": encode(&ciphertext),
        "KeyId": key.arn,
        "EncryptionAlgorithm": ALGORITHM,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DecryptRequest {
    ciphertext_blob: Option<String>,
    encryption_context: Option<Context>,
    key_id: Option<String>,
    encryption_algorithm: Option<String>,
}

/// Locates, checks and opens a ciphertext blob for `action`.
fn open_blob(
    call: &mut Call<'_>,
    state: &KmsState,
    ciphertext: &[u8],
    claimed_key: Option<&str>,
    context: &Context,
    action: &str,
    algorithm: &Option<String>,
) -> Result<(String, Zeroizing<Vec<u8>>), KmsError> {
    let parsed = envelope::parse(ciphertext)?;
    let key = blob_key(call, state, &parsed)?;
    if let Some(claimed) = claimed_key {
        let claimed_id = state.resolve(call.scope(), claimed, AliasAllowed::Yes)?;
        if claimed_id != key.key_id {
            return Err(KmsError::new(
                KmsErrorCode::IncorrectKeyException,
                "The key ID in the request does not identify a KMS key that can perform this operation.",
            ));
        }
    }
    call.authorize(key, action, context)?;
    require_usable(key)?;
    require_encryption_key(key, algorithm)?;
    let plaintext = envelope::open(&key.material, &parsed, context)?;
    Ok((key.arn.clone(), plaintext))
}

pub fn decrypt(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: DecryptRequest,
) -> Result<Value, KmsError> {
    let ciphertext = blob(&req.ciphertext_blob, "ciphertextBlob")?;
    let context = req.encryption_context.unwrap_or_default();
    let (key_arn, plaintext) = open_blob(
        call,
        state,
        &ciphertext,
        req.key_id.as_deref(),
        &context,
        "kms:Decrypt",
        &req.encryption_algorithm,
    )?;
    Ok(json!({
        "KeyId": key_arn,
        "Plaintext": encode(&plaintext),
        "EncryptionAlgorithm": ALGORITHM,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyRequest {
    key_id: Option<String>,
    key_spec: Option<String>,
    number_of_bytes: Option<i64>,
    encryption_context: Option<Context>,
}

pub fn generate_data_key(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: GenerateDataKeyRequest,
) -> Result<Value, KmsError> {
    let id = required(&req.key_id, "keyId")?;
    let length = match (req.key_spec.as_deref(), req.number_of_bytes) {
        (Some("AES_256"), None) => 32,
        (Some("AES_128"), None) => 16,
        (None, Some(n)) if (1..=MAX_DATA_KEY_BYTES).contains(&n) => n as usize,
        (None, Some(n)) => {
            return Err(KmsError::validation(format!(
                "1 validation error detected: Value '{n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and {MAX_DATA_KEY_BYTES}"
            )));
        }
        (Some(spec), None) => {
            return Err(KmsError::validation(format!(
                "1 validation error detected: Value '{spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
            )));
        }
        (Some(_), Some(_)) => {
            return Err(KmsError::validation(
                "Please specify either number of bytes or key spec.",
            ));
        }
        (None, None) => {
            return Err(KmsError::validation(
                "Please specify either number of bytes or key spec.",
            ));
        }
    };
    let context = req.encryption_context.unwrap_or_default();
    let key = crypto_key(call, state, id, "kms:GenerateDataKey", &context, &None)?;
    let mut data_key = Zeroizing::new(vec![0u8; length]);
    rand::fill(&mut data_key[..]);
    let ciphertext = envelope::seal(&key.material, &key.arn, &context, &data_key)?;
    Ok(json!({
        "CiphertextBlob": encode(&ciphertext),
        "Plaintext": encode(&data_key),
        "KeyId": key.arn,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReEncryptRequest {
    ciphertext_blob: Option<String>,
    source_encryption_context: Option<Context>,
    source_key_id: Option<String>,
    destination_key_id: Option<String>,
    destination_encryption_context: Option<Context>,
}

pub fn re_encrypt(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: ReEncryptRequest,
) -> Result<Value, KmsError> {
    let ciphertext = blob(&req.ciphertext_blob, "ciphertextBlob")?;
    let destination = required(&req.destination_key_id, "destinationKeyId")?;
    let source_context = req.source_encryption_context.unwrap_or_default();
    let (source_arn, plaintext) = open_blob(
        call,
        state,
        &ciphertext,
        req.source_key_id.as_deref(),
        &source_context,
        "kms:ReEncryptFrom",
        &None,
    )?;
    let destination_context = req.destination_encryption_context.unwrap_or_default();
    let key = crypto_key(
        call,
        state,
        destination,
        "kms:ReEncryptTo",
        &destination_context,
        &None,
    )?;
    let sealed = envelope::seal(&key.material, &key.arn, &destination_context, &plaintext)?;
    Ok(json!({
        "CiphertextBlob": encode(&sealed),
        "SourceKeyId": source_arn,
        "KeyId": key.arn,
        "SourceEncryptionAlgorithm": ALGORITHM,
        "DestinationEncryptionAlgorithm": ALGORITHM,
    }))
}
