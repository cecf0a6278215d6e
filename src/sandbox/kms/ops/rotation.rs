//! Automatic rotation: GetKeyRotationStatus, EnableKeyRotation, DisableKeyRotation.
//!
//! Rotation is recorded, not carried out: the emulator keeps one version of key material per key
//! (nothing observable to a KMS client depends on the material changing).

use serde::Deserialize;
use serde_json::{Value, json};

use super::keys::{KeyIdRequest, authorized_key};
use super::{require_usable, required};
use crate::sandbox::kms::emulator::Call;
use crate::sandbox::kms::error::{KmsError, KmsErrorCode};
use crate::sandbox::kms::state::{KmsKey, KmsState, now_epoch};

/// KMS's bounds and default for `RotationPeriodInDays`.
pub const MIN_ROTATION_DAYS: i64 = 90;
pub const MAX_ROTATION_DAYS: i64 = 2560;
pub const DEFAULT_ROTATION_DAYS: i64 = 365;

fn require_symmetric(key: &KmsKey) -> Result<(), KmsError> {
    if key.is_symmetric() {
        Ok(())
    } else {
        Err(KmsError::new(
            KmsErrorCode::UnsupportedOperationException,
            format!(
                "{} has key spec {}; automatic rotation needs a symmetric encryption key",
                key.arn, key.key_spec
            ),
        ))
    }
}

pub fn get_key_rotation_status(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: KeyIdRequest,
) -> Result<Value, KmsError> {
    let id = req.key_id().map(str::to_string);
    let key = authorized_key(call, state, &id, "kms:GetKeyRotationStatus")?;
    require_symmetric(key)?;
    let mut out = json!({
        "KeyId": key.arn,
        "KeyRotationEnabled": key.rotation_period_days.is_some(),
    });
    if let (Some(days), Some(map)) = (key.rotation_period_days, out.as_object_mut()) {
        map.insert("RotationPeriodInDays".into(), days.into());
        map.insert(
            "NextRotationDate".into(),
            (key.creation_date.max(now_epoch()) + i64::from(days) * 86_400).into(),
        );
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnableKeyRotationRequest {
    key_id: Option<String>,
    rotation_period_in_days: Option<i64>,
}

pub fn enable_key_rotation(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: EnableKeyRotationRequest,
) -> Result<Value, KmsError> {
    required(&req.key_id, "keyId")?;
    let days = req.rotation_period_in_days.unwrap_or(DEFAULT_ROTATION_DAYS);
    if !(MIN_ROTATION_DAYS..=MAX_ROTATION_DAYS).contains(&days) {
        return Err(KmsError::validation(format!(
            "1 validation error detected: Value '{days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between {MIN_ROTATION_DAYS} and {MAX_ROTATION_DAYS}"
        )));
    }
    let key = authorized_key(call, state, &req.key_id, "kms:EnableKeyRotation")?;
    require_usable(key)?;
    require_symmetric(key)?;
    key.rotation_period_days = Some(days as u32);
    Ok(json!({}))
}

pub fn disable_key_rotation(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: KeyIdRequest,
) -> Result<Value, KmsError> {
    let id = req.key_id().map(str::to_string);
    let key = authorized_key(call, state, &id, "kms:DisableKeyRotation")?;
    require_usable(key)?;
    require_symmetric(key)?;
    key.rotation_period_days = None;
    Ok(json!({}))
}
