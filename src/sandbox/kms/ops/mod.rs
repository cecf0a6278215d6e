//! KMS operation handlers, one module per family, and the shared request helpers.
//!
//! Order of checks in every handler, as on real KMS: parse and validate the request, resolve the
//! key (`NotFoundException`), authorize against the key policy (`AccessDeniedException`), then
//! check the key state (`DisabledException` / `KMSInvalidStateException`).

mod aliases;
mod crypto;
mod keys;
mod paging;
mod policy;
mod rotation;
mod tags;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::emulator::Call;
use super::error::{KmsError, KmsErrorCode};
use super::state::{KeyState, KmsKey, KmsState};

/// Runs the handler for `operation`.
pub fn dispatch(
    operation: &str,
    call: &mut Call<'_>,
    state: &mut KmsState,
    body: &Value,
) -> Result<Value, KmsError> {
    match operation {
        "CreateKey" => keys::create_key(call, state, parse(body)?),
        "DescribeKey" => keys::describe_key(call, state, parse(body)?),
        "ListKeys" => keys::list_keys(call, state, parse(body)?),
        "EnableKey" => keys::enable_key(call, state, parse(body)?),
        "UpdateKeyDescription" => keys::update_key_description(call, state, parse(body)?),
        "DisableKey" => keys::disable_key(call, state, parse(body)?),
        "ScheduleKeyDeletion" => keys::schedule_key_deletion(call, state, parse(body)?),
        "CancelKeyDeletion" => keys::cancel_key_deletion(call, state, parse(body)?),
        "CreateAlias" => aliases::create_alias(call, state, parse(body)?),
        "UpdateAlias" => aliases::update_alias(call, state, parse(body)?),
        "DeleteAlias" => aliases::delete_alias(call, state, parse(body)?),
        "ListAliases" => aliases::list_aliases(call, state, parse(body)?),
        "TagResource" => tags::tag_resource(call, state, parse(body)?),
        "UntagResource" => tags::untag_resource(call, state, parse(body)?),
        "ListResourceTags" => tags::list_resource_tags(call, state, parse(body)?),
        "GetKeyPolicy" => policy::get_key_policy(call, state, parse(body)?),
        "PutKeyPolicy" => policy::put_key_policy(call, state, parse(body)?),
        "GetKeyRotationStatus" => rotation::get_key_rotation_status(call, state, parse(body)?),
        "EnableKeyRotation" => rotation::enable_key_rotation(call, state, parse(body)?),
        "DisableKeyRotation" => rotation::disable_key_rotation(call, state, parse(body)?),
        "Encrypt" => crypto::encrypt(call, state, parse(body)?),
        "Decrypt" => crypto::decrypt(call, state, parse(body)?),
        "GenerateDataKey" => crypto::generate_data_key(call, state, parse(body)?),
        "ReEncrypt" => crypto::re_encrypt(call, state, parse(body)?),
        other => Err(KmsError::new(
            KmsErrorCode::UnknownOperationException,
            format!("The operation {other} is not supported by the KMS sandbox"),
        )),
    }
}

/// Deserializes a request body; a type mismatch is a `SerializationException` as on AWS.
fn parse<T: DeserializeOwned>(body: &Value) -> Result<T, KmsError> {
    T::deserialize(body).map_err(|e| {
        KmsError::new(
            KmsErrorCode::SerializationException,
            format!("Could not read the request: {e}"),
        )
    })
}

/// A required string member.
fn required<'a>(value: &'a Option<String>, member: &str) -> Result<&'a str, KmsError> {
    value.as_deref().ok_or_else(|| KmsError::missing(member))
}

/// Decodes a base64 blob member.
fn blob(value: &Option<String>, member: &str) -> Result<Vec<u8>, KmsError> {
    let encoded = required(value, member)?;
    STANDARD.decode(encoded).map_err(|_| {
        KmsError::new(
            KmsErrorCode::SerializationException,
            format!("'{member}' is not valid base64"),
        )
    })
}

fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Fails unless the key can be used for cryptography right now.
fn require_usable(key: &KmsKey) -> Result<(), KmsError> {
    match key.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(KmsError::new(
            KmsErrorCode::DisabledException,
            format!("{} is disabled.", key.arn),
        )),
        KeyState::PendingDeletion => Err(pending_deletion(key)),
    }
}

/// Fails if the key is pending deletion (management operations that real KMS refuses then).
fn require_not_pending_deletion(key: &KmsKey) -> Result<(), KmsError> {
    match key.state {
        KeyState::PendingDeletion => Err(pending_deletion(key)),
        _ => Ok(()),
    }
}

fn pending_deletion(key: &KmsKey) -> KmsError {
    KmsError::invalid_state(format!("{} is pending deletion.", key.arn))
}

/// The `KeyMetadata` structure of DescribeKey / CreateKey.
fn key_metadata(key: &KmsKey) -> Value {
    let mut meta = serde_json::json!({
        "AWSAccountId": key.account,
        "KeyId": key.key_id,
        "Arn": key.arn,
        "CreationDate": key.creation_date,
        "Enabled": key.state == KeyState::Enabled,
        "Description": key.description,
        "KeyUsage": key.key_usage,
        "KeyState": key.state.as_str(),
        "Origin": key.origin,
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": key.key_spec,
        "KeySpec": key.key_spec,
        "MultiRegion": key.multi_region,
    });
    let algorithms = keys::algorithms(&key.key_spec, &key.key_usage);
    if let Some(map) = meta.as_object_mut() {
        if let Some((member, list)) = algorithms {
            map.insert(member.to_string(), serde_json::json!(list));
        }
        if let Some(date) = key.deletion_date {
            map.insert("DeletionDate".into(), date.into());
        }
        if let Some(days) = key.pending_window_days {
            map.insert("PendingDeletionWindowInDays".into(), days.into());
        }
        if key.multi_region {
            map.insert(
                "MultiRegionConfiguration".into(),
                serde_json::json!({
                    "MultiRegionKeyType": "PRIMARY",
                    "PrimaryKey": { "Arn": key.arn, "Region": key.region },
                    "ReplicaKeys": [],
                }),
            );
        }
    }
    meta
}
