//! Aliases: CreateAlias, UpdateAlias, ListAliases and the server-side-only DeleteAlias.
//!
//! Creating, retargeting or removing an alias needs the alias permission on each key involved
//! (`kms:CreateAlias` / `kms:UpdateAlias` / `kms:DeleteAlias` in the key policy). ListAliases is
//! an IAM-only permission on real AWS and is not checked against key policies.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::keys::require_same_account;
use super::paging::{Bounds, page};
use super::{require_not_pending_deletion, required};
use crate::sandbox::kms::emulator::Call;
use crate::sandbox::kms::error::{KmsError, KmsErrorCode};
use crate::sandbox::kms::state::{AliasAllowed, KmsAlias, KmsState, now_epoch};

const MAX_ALIAS_LEN: usize = 256;

fn invalid_alias(message: String) -> KmsError {
    KmsError::new(KmsErrorCode::InvalidAliasNameException, message)
}

/// Checks an alias name: `alias/` prefix, allowed characters, length, and the reserved
/// `alias/aws/` prefix of AWS managed keys.
pub fn validate_alias_name(name: &str) -> Result<(), KmsError> {
    let Some(rest) = name.strip_prefix("alias/") else {
        return Err(invalid_alias(format!(
            "Alias name {name} must begin with alias/"
        )));
    };
    if rest.is_empty() || name.len() > MAX_ALIAS_LEN {
        return Err(invalid_alias(format!(
            "Alias name {name} must have 1 to {} characters after alias/",
            MAX_ALIAS_LEN - "alias/".len()
        )));
    }
    if !rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
    {
        return Err(invalid_alias(format!(
            "Alias name {name} may only contain letters, digits, '/', '_' and '-'"
        )));
    }
    if name.to_ascii_lowercase().starts_with("alias/aws/") {
        return Err(invalid_alias(format!(
            "Alias name {name} uses the prefix alias/aws/, which is reserved for AWS managed keys"
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasRequest {
    alias_name: Option<String>,
    target_key_id: Option<String>,
}

/// Resolves the alias target (key id or ARN only) and authorizes `action` on it.
fn target_key(
    call: &mut Call<'_>,
    state: &mut KmsState,
    target: &Option<String>,
    action: &str,
) -> Result<String, KmsError> {
    let id = required(target, "targetKeyId")?;
    let key_id = state.resolve(call.scope(), id, AliasAllowed::No)?;
    let key = state.key(&key_id)?;
    call.key_id = Some(key.key_id.clone());
    require_same_account(call, key, action)?;
    call.authorize(key, action, &BTreeMap::new())?;
    require_not_pending_deletion(key)?;
    Ok(key_id)
}

pub fn create_alias(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: AliasRequest,
) -> Result<Value, KmsError> {
    let name = required(&req.alias_name, "aliasName")?.to_string();
    validate_alias_name(&name)?;
    let key_id = target_key(call, state, &req.target_key_id, "kms:CreateAlias")?;
    let account = call.caller.account.clone();
    if let Some(existing) = state.alias(&account, call.region, &name) {
        return Err(KmsError::new(
            KmsErrorCode::AlreadyExistsException,
            format!("An alias with the name {} already exists", existing.arn()),
        ));
    }
    let now = now_epoch();
    state.aliases.push(KmsAlias {
        name,
        account,
        region: call.region.to_string(),
        target_key_id: key_id,
        creation_date: now,
        last_updated_date: now,
    });
    Ok(json!({}))
}

fn find_alias_index(call: &Call<'_>, state: &KmsState, name: &str) -> Result<usize, KmsError> {
    state
        .aliases
        .iter()
        .position(|a| a.account == call.caller.account && a.region == call.region && a.name == name)
        .ok_or_else(|| {
            KmsError::not_found(format!(
                "Alias arn:aws:kms:{}:{}:{name} is not found.",
                call.region, call.caller.account
            ))
        })
}

pub fn update_alias(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: AliasRequest,
) -> Result<Value, KmsError> {
    let name = required(&req.alias_name, "aliasName")?.to_string();
    let index = find_alias_index(call, state, &name)?;
    let old_key_id = state.aliases[index].target_key_id.clone();
    let old_key = state.key(&old_key_id)?;
    call.authorize(old_key, "kms:UpdateAlias", &BTreeMap::new())?;
    let new_key_id = target_key(call, state, &req.target_key_id, "kms:UpdateAlias")?;
    let (old_key, new_key) = (state.key(&old_key_id)?, state.key(&new_key_id)?);
    if old_key.key_spec != new_key.key_spec || old_key.key_usage != new_key.key_usage {
        return Err(KmsError::validation(
            "The new target key must have the same key spec and key usage as the current one",
        ));
    }
    let alias = &mut state.aliases[index];
    alias.target_key_id = new_key_id;
    alias.last_updated_date = now_epoch();
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteAliasRequest {
    alias_name: Option<String>,
}

pub fn delete_alias(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: DeleteAliasRequest,
) -> Result<Value, KmsError> {
    let name = required(&req.alias_name, "aliasName")?.to_string();
    let index = find_alias_index(call, state, &name)?;
    let key = state.key(&state.aliases[index].target_key_id)?;
    call.authorize(key, "kms:DeleteAlias", &BTreeMap::new())?;
    state.aliases.remove(index);
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAliasesRequest {
    key_id: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

pub fn list_aliases(
    call: &mut Call<'_>,
    state: &mut KmsState,
    req: ListAliasesRequest,
) -> Result<Value, KmsError> {
    let filter = match &req.key_id {
        Some(id) => Some(state.resolve(call.scope(), id, AliasAllowed::No)?),
        None => None,
    };
    let aliases: Vec<&KmsAlias> = state
        .aliases_in(&call.caller.account, call.region)
        .into_iter()
        .filter(|a| filter.as_ref().is_none_or(|k| &a.target_key_id == k))
        .collect();
    let page = page(
        aliases,
        req.limit,
        req.marker.as_deref(),
        Bounds {
            default: 50,
            max: 100,
        },
        |a| a.name.clone(),
    )?;
    let listed: Vec<Value> = page
        .items
        .iter()
        .map(|a| {
            json!({
                "AliasName": a.name,
                "AliasArn": a.arn(),
                "TargetKeyId": a.target_key_id,
                "CreationDate": a.creation_date,
                "LastUpdatedDate": a.last_updated_date,
            })
        })
        .collect();
    let mut out = json!({ "Aliases": listed, "Truncated": page.next_marker.is_some() });
    if let (Some(marker), Some(map)) = (page.next_marker, out.as_object_mut()) {
        map.insert("NextMarker".into(), marker.into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_names() {
        validate_alias_name("alias/anthropic-cmek-prod").unwrap();
        validate_alias_name("alias/team/a_b").unwrap();
        for bad in [
            "anthropic",
            "alias/",
            "alias/aws/ebs",
            "alias/AWS/x",
            "alias/sp ace",
        ] {
            assert_eq!(
                validate_alias_name(bad).unwrap_err().code,
                KmsErrorCode::InvalidAliasNameException,
                "{bad}"
            );
        }
    }
}
