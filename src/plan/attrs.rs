//! A key spec's attributes in the vocabulary of [`ImmutableAttrs`] / [`MutableAttrs`], and the
//! comparisons the diff (mutable: update in place) and SAFE004 (immutable: never replace) make.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::spec::model::{AzureKeyType, GcpProtectionLevel, KeyKind, KeySpec};

use super::input::{ImmutableAttrs, MutableAttrs, ORG_LABEL_PREFIX, ObservedKey};
use super::model::AttributeChange;

/// The immutable attributes the spec pins. `account` comes from the caller's identity, because
/// the spec selects the account only through provider credentials.
pub fn desired_immutable(spec: &KeySpec, caller_account: Option<&str>) -> ImmutableAttrs {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    match &spec.kind {
        KeyKind::Aws(a) => {
            put("region", a.region.clone());
            put("multi_region", a.multi_region.to_string());
            put("key_spec", "SYMMETRIC_DEFAULT".to_string());
            put("key_usage", "ENCRYPT_DECRYPT".to_string());
            if let Some(account) = caller_account {
                put("account", account.to_string());
            }
        }
        KeyKind::Gcp(g) => {
            put("project", g.project.clone());
            put("location", g.location.clone());
            put("key_ring", g.key_ring.clone());
            put("name", g.name.clone());
            put("purpose", "ENCRYPT_DECRYPT".to_string());
            let level = match g.protection_level {
                GcpProtectionLevel::Hsm => "HSM",
                GcpProtectionLevel::Software => "SOFTWARE",
            };
            put("protection_level", level.to_string());
        }
        KeyKind::Azure(z) => {
            put("vault_uri", z.vault_uri.trim_end_matches('/').to_string());
            put("name", z.name.clone());
            let kty = match z.key_type {
                AzureKeyType::Rsa => "RSA",
                AzureKeyType::RsaHsm => "RSA-HSM",
            };
            put("key_type", kty.to_string());
            put("key_size", z.key_size.to_string());
        }
    }
    m
}

/// Immutable attributes whose observed value differs from the spec. Attributes the refresh did
/// not report are not compared (never a guess).
pub fn immutable_changes(
    spec: &KeySpec,
    observed: &ObservedKey,
    caller_account: Option<&str>,
) -> Vec<AttributeChange> {
    desired_immutable(spec, caller_account)
        .into_iter()
        .filter_map(|(name, want)| {
            let have = observed.immutable.get(&name)?;
            let same = if name == "vault_uri" {
                have.trim_end_matches('/') == want
            } else {
                have == &want
            };
            (!same).then(|| AttributeChange {
                name,
                before: Value::String(have.clone()),
                after: Value::String(want),
            })
        })
        .collect()
}

/// Tags/labels without the organization bindings (those are access, see SAFE007).
fn without_org(map: &BTreeMap<String, String>) -> Value {
    let filtered: serde_json::Map<String, Value> = map
        .iter()
        .filter(|(k, _)| !k.starts_with(ORG_LABEL_PREFIX))
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    Value::Object(filtered)
}

/// The mutable attributes the spec asks for.
pub fn desired_mutable(spec: &KeySpec) -> MutableAttrs {
    let mut m = BTreeMap::new();
    match &spec.kind {
        KeyKind::Aws(a) => {
            m.insert("description".into(), json!(a.description));
            m.insert("alias".into(), json!(a.alias));
            m.insert("rotation".into(), json!(a.rotation));
            if a.rotation
                && let Some(days) = a.rotation_period_days
            {
                m.insert("rotation_period_days".into(), json!(days));
            }
            m.insert("tags".into(), without_org(&a.tags));
        }
        KeyKind::Gcp(g) => {
            m.insert(
                "rotation_period_seconds".into(),
                json!(g.rotation_period_seconds),
            );
            m.insert("labels".into(), without_org(&g.labels));
        }
        KeyKind::Azure(z) => {
            m.insert("tags".into(), without_org(&z.tags));
        }
    }
    m
}

/// Mutable attributes to change in place, by name. An attribute the refresh did not report
/// counts as `null`; `tags`/`labels` are compared without `anthropic-org-*` entries.
pub fn mutable_changes(spec: &KeySpec, observed: &ObservedKey) -> Vec<AttributeChange> {
    desired_mutable(spec)
        .into_iter()
        .filter_map(|(name, want)| {
            let have = match observed.mutable.get(&name) {
                Some(Value::Object(map)) if name == "tags" || name == "labels" => Value::Object(
                    map.iter()
                        .filter(|(k, _)| !k.starts_with(ORG_LABEL_PREFIX))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
                Some(v) => v.clone(),
                None => Value::Null,
            };
            (have != want).then(|| AttributeChange {
                name,
                before: have,
                after: want,
            })
        })
        .collect()
}
