//! Key policies: GetKeyPolicy and PutKeyPolicy (with the policy lockout safety check).

use serde::Deserialize;
use serde_json::{Value, json};

use super::keys::{authorized_key, lockout_check};
use super::require_not_pending_deletion;
use crate::sandbox::kms::emulator::Call;
use crate::sandbox::kms::error::KmsError;
use crate::sandbox::kms::policy_doc;
use crate::sandbox::kms::state::KmsState;

/// KMS keys have exactly one policy, named `default`.
const POLICY_NAME: &str = "default";

fn check_policy_name(name: &Option<String>) -> Result<(), KmsError> {
    match name.as_deref() {
        None | Some(POLICY_NAME) => Ok(()),
        Some(other) => Err(KmsError::not_found(format!(
            "No such policy exists: {other} (the only policy name is `default`)"
        ))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyPolicyRequest {
    key_id: Option<String>,
    policy_name: Option<String>,
}

pub fn get_key_policy(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: GetKeyPolicyRequest,
) -> Result<Value, KmsError> {
    check_policy_name(&req.policy_name)?;
    let key = authorized_key(call, state, &req.key_id, "kms:GetKeyPolicy")?;
    Ok(json!({
        "Policy": policy_doc::reserialize(&key.policy),
        "PolicyName": POLICY_NAME,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutKeyPolicyRequest {
    key_id: Option<String>,
    policy_name: Option<String>,
    policy: Option<String>,
    bypass_policy_lockout_safety_check: Option<bool>,
}

pub fn put_key_policy(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: PutKeyPolicyRequest,
) -> Result<Value, KmsError> {
    check_policy_name(&req.policy_name)?;
    let policy = req.policy.ok_or_else(|| KmsError::missing("policy"))?;
    policy_doc::validate(&policy)?;
    let key = authorized_key(call, state, &req.key_id, "kms:PutKeyPolicy")?;
    require_not_pending_deletion(key)?;
    if !req.bypass_policy_lockout_safety_check.unwrap_or(false) {
        lockout_check(call, &policy, &key.arn, &key.account)?;
    }
    key.policy = policy;
    Ok(json!({}))
}
