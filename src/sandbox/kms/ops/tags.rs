//! Resource tags: TagResource, UntagResource, ListResourceTags.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::keys::authorized_key;
use super::paging::{Bounds, page};
use super::require_not_pending_deletion;
use crate::sandbox::kms::emulator::Call;
use crate::sandbox::kms::error::{KmsError, KmsErrorCode};
use crate::sandbox::kms::state::KmsState;

/// KMS's per-key tag quota.
pub const MAX_TAGS: usize = 50;

#[derive(Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct WireTag {
    pub tag_key: String,
    pub tag_value: String,
}

fn tag_error(message: String) -> KmsError {
    KmsError::new(KmsErrorCode::TagException, message)
}

/// Checks tag keys and values as KMS does.
pub fn validate_tags(tags: &[WireTag]) -> Result<(), KmsError> {
    if tags.len() > MAX_TAGS {
        return Err(KmsError::new(
            KmsErrorCode::LimitExceededException,
            format!("A key can have at most {MAX_TAGS} tags"),
        ));
    }
    for tag in tags {
        if tag.tag_key.is_empty() || tag.tag_key.chars().count() > 128 {
            return Err(tag_error(format!(
                "Tag key '{}' must be 1 to 128 characters",
                tag.tag_key
            )));
        }
        if tag.tag_key.to_ascii_lowercase().starts_with("aws:") {
            return Err(tag_error(format!(
                "Tag key '{}' uses the reserved prefix aws:",
                tag.tag_key
            )));
        }
        if tag.tag_value.chars().count() > 256 {
            return Err(tag_error(format!(
                "The value of tag '{}' must be at most 256 characters",
                tag.tag_key
            )));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourceRequest {
    key_id: Option<String>,
    tags: Option<Vec<WireTag>>,
}

pub fn tag_resource(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: TagResourceRequest,
) -> Result<Value, KmsError> {
    let tags = req.tags.ok_or_else(|| KmsError::missing("tags"))?;
    validate_tags(&tags)?;
    let key = authorized_key(call, state, &req.key_id, "kms:TagResource")?;
    require_not_pending_deletion(key)?;
    let mut merged: BTreeMap<String, String> = key.tags.clone();
    for tag in tags {
        merged.insert(tag.tag_key, tag.tag_value);
    }
    if merged.len() > MAX_TAGS {
        return Err(KmsError::new(
            KmsErrorCode::LimitExceededException,
            format!("A key can have at most {MAX_TAGS} tags"),
        ));
    }
    key.tags = merged;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagResourceRequest {
    key_id: Option<String>,
    tag_keys: Option<Vec<String>>,
}

pub fn untag_resource(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: UntagResourceRequest,
) -> Result<Value, KmsError> {
    let tag_keys = req.tag_keys.ok_or_else(|| KmsError::missing("tagKeys"))?;
    let key = authorized_key(call, state, &req.key_id, "kms:UntagResource")?;
    require_not_pending_deletion(key)?;
    for tag_key in tag_keys {
        key.tags.remove(&tag_key);
    }
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourceTagsRequest {
    key_id: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

pub fn list_resource_tags(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: ListResourceTagsRequest,
) -> Result<Value, KmsError> {
    let key = authorized_key(call, state, &req.key_id, "kms:ListResourceTags")?;
    let tags: Vec<(&String, &String)> = key.tags.iter().collect();
    let page = page(
        tags,
        req.limit,
        req.marker.as_deref(),
        Bounds {
            default: 50,
            max: 50,
        },
        |(k, _)| (*k).clone(),
    )?;
    let listed: Vec<Value> = page
        .items
        .iter()
        .map(|(k, v)| json!({ "TagKey": k, "TagValue": v }))
        .collect();
    let mut out = json!({ "Tags": listed, "Truncated": page.next_marker.is_some() });
    if let (Some(marker), Some(map)) = (page.next_marker, out.as_object_mut()) {
        map.insert("NextMarker".into(), marker.into());
    }
    Ok(out)
}
