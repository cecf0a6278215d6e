//! Key lifecycle: CreateKey, DescribeKey, ListKeys, EnableKey, and the server-side-only
//! DisableKey / ScheduleKeyDeletion / CancelKeyDeletion (tests use them to create drift).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::paging::{Bounds, page};
use super::tags::{WireTag, validate_tags};
use super::{key_metadata, require_not_pending_deletion, required};
use crate::sandbox::kms::emulator::Call;
use crate::sandbox::kms::envelope::KeyMaterial;
use crate::sandbox::kms::error::{KmsError, KmsErrorCode};
use crate::sandbox::kms::policy_doc;
use crate::sandbox::kms::state::{AliasAllowed, KeyState, KmsKey, KmsState, now_epoch};

const MAX_DESCRIPTION: usize = 8192;
const SECONDS_PER_DAY: i64 = 86_400;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateKeyRequest {
    policy: Option<String>,
    description: Option<String>,
    key_usage: Option<String>,
    key_spec: Option<String>,
    customer_master_key_spec: Option<String>,
    origin: Option<String>,
    multi_region: Option<bool>,
    tags: Option<Vec<WireTag>>,
    bypass_policy_lockout_safety_check: Option<bool>,
}

/// The algorithms member KeyMetadata lists for a spec and usage.
pub fn algorithms(spec: &str, usage: &str) -> Option<(&'static str, Vec<&'static str>)> {
    match (spec, usage) {
        ("SYMMETRIC_DEFAULT", _) => Some(("EncryptionAlgorithms", vec!["SYMMETRIC_DEFAULT"])),
        (s, "ENCRYPT_DECRYPT") if s.starts_with("RSA_") => Some((
            "EncryptionAlgorithms",
            vec!["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
        )),
        (s, "SIGN_VERIFY") if s.starts_with("RSA_") => Some((
            "SigningAlgorithms",
            vec![
                "RSASSA_PKCS1_V1_5_SHA_256",
                "RSASSA_PKCS1_V1_5_SHA_384",
                "RSASSA_PKCS1_V1_5_SHA_512",
                "RSASSA_PSS_SHA_256",
                "RSASSA_PSS_SHA_384",
                "RSASSA_PSS_SHA_512",
            ],
        )),
        ("ECC_NIST_P256" | "ECC_SECG_P256K1", "SIGN_VERIFY") => {
            Some(("SigningAlgorithms", vec!["ECDSA_SHA_256"]))
        }
        ("ECC_NIST_P384", "SIGN_VERIFY") => Some(("SigningAlgorithms", vec!["ECDSA_SHA_384"])),
        ("ECC_NIST_P521", "SIGN_VERIFY") => Some(("SigningAlgorithms", vec!["ECDSA_SHA_512"])),
        (s, "GENERATE_VERIFY_MAC") => {
            let bits = s.strip_prefix("HMAC_")?;
            let name = match bits {
                "224" => "HMAC_SHA_224",
                "256" => "HMAC_SHA_256",
                "384" => "HMAC_SHA_384",
                _ => "HMAC_SHA_512",
            };
            Some(("MacAlgorithms", vec![name]))
        }
        _ => None,
    }
}

/// Usages KMS allows for each key spec.
fn allowed_usages(spec: &str) -> Option<&'static [&'static str]> {
    Some(match spec {
        "SYMMETRIC_DEFAULT" => &["ENCRYPT_DECRYPT"],
        "RSA_2048" | "RSA_3072" | "RSA_4096" => &["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
        "ECC_NIST_P256" | "ECC_NIST_P384" | "ECC_NIST_P521" => &["SIGN_VERIFY", "KEY_AGREEMENT"],
        "ECC_SECG_P256K1" => &["SIGN_VERIFY"],
        "HMAC_224" | "HMAC_256" | "HMAC_384" | "HMAC_512" => &["GENERATE_VERIFY_MAC"],
        _ => return None,
    })
}

pub fn create_key(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: CreateKeyRequest,
) -> Result<Value, KmsError> {
    let spec = req
        .key_spec
        .or(req.customer_master_key_spec)
        .unwrap_or_else(|| "SYMMETRIC_DEFAULT".to_string());
    let usages = allowed_usages(&spec).ok_or_else(|| {
        KmsError::validation(format!(
            "1 validation error detected: Value '{spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set"
        ))
    })?;
    let usage = req
        .key_usage
        .unwrap_or_else(|| "ENCRYPT_DECRYPT".to_string());
    if !usages.contains(&usage.as_str()) {
        return Err(KmsError::validation(format!(
            "KeyUsage {usage} is not compatible with KeySpec {spec}"
        )));
    }
    let origin = req.origin.unwrap_or_else(|| "AWS_KMS".to_string());
    if origin != "AWS_KMS" {
        return Err(KmsError::new(
            KmsErrorCode::UnsupportedOperationException,
            format!("Origin {origin} is not supported by the KMS sandbox (only AWS_KMS)"),
        ));
    }
    let description = req.description.unwrap_or_default();
    if description.len() > MAX_DESCRIPTION {
        return Err(KmsError::validation(format!(
            "Description must be at most {MAX_DESCRIPTION} characters"
        )));
    }
    let tags = req.tags.unwrap_or_default();
    validate_tags(&tags)?;
    let multi_region = req.multi_region.unwrap_or(false);
    let uuid = uuid::Uuid::new_v4();
    let key_id = if multi_region {
        format!("mrk-{}", uuid.simple())
    } else {
        uuid.hyphenated().to_string()
    };
    let account = call.caller.account.clone();
    let arn = format!("arn:aws:kms:{}:{account}:key/{key_id}", call.region);
    let policy = match req.policy {
        Some(policy) => {
            policy_doc::validate(&policy)?;
            if !req.bypass_policy_lockout_safety_check.unwrap_or(false) {
                lockout_check(call, &policy, &arn, &account)?;
            }
            policy
        }
        None => policy_doc::default_policy(&account),
    };
    let seq = state.next_seq;
    state.next_seq += 1;
    let key = KmsKey {
        key_id: key_id.clone(),
        arn,
        account,
        region: call.region.to_string(),
        seq,
        creation_date: now_epoch(),
        description,
        key_spec: spec,
        key_usage: usage,
        origin,
        multi_region,
        state: KeyState::Enabled,
        deletion_date: None,
        pending_window_days: None,
        policy,
        tags: tags.into_iter().map(|t| (t.tag_key, t.tag_value)).collect(),
        rotation_period_days: None,
        material: KeyMaterial::generate(),
    };
    let metadata = key_metadata(&key);
    call.key_id = Some(key_id.clone());
    state.keys.insert(key_id, key);
    Ok(json!({ "KeyMetadata": metadata }))
}

/// KMS refuses a policy that would not let the caller change the policy again (unless the
/// request bypasses the check); the proposed policy decides, through the authorizer.
pub fn lockout_check(
    call: &Call<'_>,
    policy: &str,
    key_arn: &str,
    key_account: &str,
) -> Result<(), KmsError> {
    let decision = call.decide(
        policy,
        key_arn,
        key_account,
        "kms:PutKeyPolicy",
        &BTreeMap::new(),
    );
    if decision.allowed {
        Ok(())
    } else {
        Err(KmsError::new(
            KmsErrorCode::MalformedPolicyDocumentException,
            format!(
                "The new key policy will not allow you to update the key policy in the future. ({})",
                decision.reason
            ),
        ))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyIdRequest {
    key_id: Option<String>,
}

impl KeyIdRequest {
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }
}

pub fn describe_key(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: KeyIdRequest,
) -> Result<Value, KmsError> {
    let id = required(&req.key_id, "keyId")?;
    let key_id = state.resolve(call.scope(), id, AliasAllowed::Yes)?;
    let key = state.key(&key_id)?;
    call.authorize(key, "kms:DescribeKey", &BTreeMap::new())?;
    Ok(json!({ "KeyMetadata": key_metadata(key) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRequest {
    limit: Option<i64>,
    marker: Option<String>,
}

pub fn list_keys(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: ListRequest,
) -> Result<Value, KmsError> {
    let keys = state.keys_in(&call.caller.account, call.region);
    let page = page(
        keys,
        req.limit,
        req.marker.as_deref(),
        Bounds {
            default: 100,
            max: 1000,
        },
        |k| format!("{:020}", k.seq),
    )?;
    let listed: Vec<Value> = page
        .items
        .iter()
        .map(|k| json!({ "KeyId": k.key_id, "KeyArn": k.arn }))
        .collect();
    let mut out = json!({ "Keys": listed, "Truncated": page.next_marker.is_some() });
    if let (Some(marker), Some(map)) = (page.next_marker, out.as_object_mut()) {
        map.insert("NextMarker".into(), marker.into());
    }
    Ok(out)
}

/// Management actions KMS allows on a key of another account (by key ARN); every other
/// management action is same-account only ("Cross-account use: No" in the KMS API reference).
const CROSS_ACCOUNT_MANAGEMENT: &[&str] = &["kms:GetKeyRotationStatus"];

/// Refuses a same-account-only action on another account's key. KMS documents these actions as
/// not cross-account; the sandbox answers `AccessDeniedException` saying so.
pub(super) fn require_same_account(
    call: &Call<'_>,
    key: &KmsKey,
    action: &str,
) -> Result<(), KmsError> {
    if key.account == call.caller.account || CROSS_ACCOUNT_MANAGEMENT.contains(&action) {
        Ok(())
    } else {
        Err(KmsError::new(
            KmsErrorCode::AccessDeniedException,
            format!(
                "User: {} is not authorized to perform: {action} on resource: {} because {action} cannot be used across accounts",
                call.caller.arn, key.arn
            ),
        ))
    }
}

/// Resolves a key-id-or-ARN (no aliases) and authorizes `action` on it.
pub(super) fn authorized_key<'s>(
    call: &mut Call<'_>,
    state: &'s mut KmsState,
    id: &Option<String>,
    action: &str,
) -> Result<&'s mut KmsKey, KmsError> {
    let id = required(id, "keyId")?;
    let key_id = state.resolve(call.scope(), id, AliasAllowed::No)?;
    let key = state.key_mut(&key_id)?;
    call.key_id = Some(key.key_id.clone());
    require_same_account(call, key, action)?;
    call.authorize(key, action, &BTreeMap::new())?;
    Ok(key)
}

pub fn enable_key(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: KeyIdRequest,
) -> Result<Value, KmsError> {
    let key = authorized_key(call, state, &req.key_id, "kms:EnableKey")?;
    require_not_pending_deletion(key)?;
    key.state = KeyState::Enabled;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateKeyDescriptionRequest {
    key_id: Option<String>,
    description: Option<String>,
}

/// `UpdateKeyDescription`: at most 8192 characters, refused while deletion is pending.
pub fn update_key_description(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: UpdateKeyDescriptionRequest,
) -> Result<Value, KmsError> {
    let description = required(&req.description, "description")?.to_string();
    if description.chars().count() > 8192 {
        return Err(KmsError::new(
            KmsErrorCode::ValidationException,
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192",
        ));
    }
    let key = authorized_key(call, state, &req.key_id, "kms:UpdateKeyDescription")?;
    require_not_pending_deletion(key)?;
    key.description = description;
    Ok(json!({}))
}

pub fn disable_key(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: KeyIdRequest,
) -> Result<Value, KmsError> {
    let key = authorized_key(call, state, &req.key_id, "kms:DisableKey")?;
    require_not_pending_deletion(key)?;
    key.state = KeyState::Disabled;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleKeyDeletionRequest {
    key_id: Option<String>,
    pending_window_in_days: Option<i64>,
}

pub fn schedule_key_deletion(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: ScheduleKeyDeletionRequest,
) -> Result<Value, KmsError> {
    let days = req.pending_window_in_days.unwrap_or(30);
    if !(7..=30).contains(&days) {
        return Err(KmsError::validation(format!(
            "1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30"
        )));
    }
    let key = authorized_key(call, state, &req.key_id, "kms:ScheduleKeyDeletion")?;
    require_not_pending_deletion(key)?;
    let deletion_date = now_epoch() + days * SECONDS_PER_DAY;
    key.state = KeyState::PendingDeletion;
    key.deletion_date = Some(deletion_date);
    key.pending_window_days = Some(days as u32);
    Ok(json!({
        "KeyId": key.arn,
        "DeletionDate": deletion_date,
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": days,
    }))
}

pub fn cancel_key_deletion(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: KeyIdRequest,
) -> Result<Value, KmsError> {
    let key = authorized_key(call, state, &req.key_id, "kms:CancelKeyDeletion")?;
    if key.state != KeyState::PendingDeletion {
        return Err(KmsError::invalid_state(format!(
            "{} is not pending deletion.",
            key.arn
        )));
    }
    // Real KMS leaves a key whose deletion was cancelled Disabled.
    key.state = KeyState::Disabled;
    key.deletion_date = None;
    key.pending_window_days = None;
    Ok(json!({ "KeyId": key.arn }))
}
