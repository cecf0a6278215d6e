//! The arguments of provider calls: which key, how to create one, rotation and tag changes.
//!
//! Invariants: a [`TagChange`] can never remove or falsify an organization binding tag/label
//! (`anthropic-org-<uuid>=true`, DESIGN.md SAFE007); a [`ClientToken`] is a lowercase
//! `cmek-<32 hex>` string, valid as an AWS tag value, a GCP label value and an Azure tag value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::address::{Address, Cloud};
use crate::observed::ObservedKey;
use crate::spec::model::{AzureKeyType, GcpProtectionLevel};

use super::access::AccessGrant;

/// Prefix of the tag (AWS, Azure) or label (GCP) that binds a key to an Anthropic organization.
pub const ORG_BINDING_PREFIX: &str = "anthropic-org-";

/// Tag / label that carries a create request's [`ClientToken`].
pub const CLIENT_TOKEN_TAG: &str = "cmek-client-token";

/// Which key a call is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "cloud", rename_all = "lowercase")]
pub enum KeyRef {
    /// `key` is a key ARN (preferred), a key id, or an `alias/...` name.
    Aws {
        region: String,
        key: String,
        /// Whether a refresh also reads the key's tags (one `ListResourceTags` call more per
        /// key). Only a spec that declares tags needs them: cmek adds and updates tags but
        /// never removes any, so tags the spec does not name are not its business, and a
        /// refresh of untagged keys stays at 3 calls per key.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        read_tags: bool,
    },
    /// The crypto key's full resource name.
    Gcp { name: String },
    /// `vault_uri` with a trailing `/`.
    Azure { vault_uri: String, name: String },
}

impl KeyRef {
    pub fn cloud(&self) -> Cloud {
        match self {
            KeyRef::Aws { .. } => Cloud::Aws,
            KeyRef::Gcp { .. } => Cloud::Gcp,
            KeyRef::Azure { .. } => Cloud::Azure,
        }
    }

    /// The id string: the same as `ObservedKey::remote_id` for a ref made by [`KeyRef::of`].
    pub fn id(&self) -> String {
        match self {
            KeyRef::Aws { key, .. } => key.clone(),
            KeyRef::Gcp { name } => name.clone(),
            KeyRef::Azure { vault_uri, name } => format!("{vault_uri}keys/{name}"),
        }
    }

    /// The canonical reference to an observed key (ARN, resource name, vault + name).
    pub fn of(key: &ObservedKey) -> Self {
        match key {
            ObservedKey::Aws(k) => KeyRef::Aws {
                region: k.region.clone(),
                key: k.arn.clone(),
                read_tags: !k.tags.is_empty(),
            },
            ObservedKey::Gcp(k) => KeyRef::Gcp {
                name: k.name.clone(),
            },
            ObservedKey::Azure(k) => KeyRef::Azure {
                vault_uri: k.vault_uri.clone(),
                name: k.name.clone(),
            },
        }
    }
}

/// An idempotency token for key creation. The provider stores it in the [`CLIENT_TOKEN_TAG`]
/// tag/label, so a create retried after a crash or a lost response finds the key it made
/// ([`super::KeyProvider::find_by_client_token`]) instead of creating a second one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientToken(String);

impl ClientToken {
    pub fn generate() -> Self {
        ClientToken(format!("cmek-{}", uuid::Uuid::new_v4().simple()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientToken {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        let hex = s.strip_prefix("cmek-").unwrap_or("");
        if hex.len() == 32
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(ClientToken(s))
        } else {
            Err(format!(
                "`{s}` is not a cmek client token (expected `cmek-` and 32 lowercase hex digits)"
            ))
        }
    }
}

impl From<ClientToken> for String {
    fn from(t: ClientToken) -> String {
        t.0
    }
}

/// Where a new key goes, per cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cloud", rename_all = "lowercase")]
pub enum KeyLocation {
    Aws {
        region: String,
    },
    Gcp {
        project: String,
        location: String,
        key_ring: String,
        name: String,
    },
    Azure {
        vault_uri: String,
        name: String,
    },
}

impl KeyLocation {
    pub fn cloud(&self) -> Cloud {
        match self {
            KeyLocation::Aws { .. } => Cloud::Aws,
            KeyLocation::Gcp { .. } => Cloud::Gcp,
            KeyLocation::Azure { .. } => Cloud::Azure,
        }
    }
}

/// The immutable attributes of a new key, per cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cloud", rename_all = "lowercase")]
pub enum KeySettings {
    Aws {
        /// `SYMMETRIC_DEFAULT`.
        key_spec: String,
        /// `ENCRYPT_DECRYPT`.
        key_usage: String,
        multi_region: bool,
        description: String,
    },
    Gcp {
        protection_level: GcpProtectionLevel,
    },
    Azure {
        key_type: AzureKeyType,
        key_size: u32,
        /// `wrapKey`, `unwrapKey`.
        key_ops: Vec<String>,
    },
}

/// The access a new key is created with. A new key protects nothing yet, so no safety token is
/// needed; later changes go through [`super::AccessChange`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InitialAccess {
    /// The rendered AWS key policy, set at `CreateKey` (with the lockout safety check on).
    AwsKeyPolicy { document: Value },
    /// Grants added right after creation (GCP bindings, the Azure role assignment).
    Grants { grants: Vec<AccessGrant> },
}

/// Rotation settings. AWS: `period_days` (90..=2560); GCP: `period_seconds`; Azure: a rotation
/// policy with `period_days`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationSetting {
    pub enabled: bool,
    #[serde(default)]
    pub period_days: Option<u32>,
    #[serde(default)]
    pub period_seconds: Option<u64>,
}

/// Everything needed to create one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateKeyRequest {
    /// The spec address, for messages and the `cmek-address` tag.
    pub address: Address,
    pub location: KeyLocation,
    pub settings: KeySettings,
    pub access: InitialAccess,
    /// Tags (AWS, Azure) or labels (GCP), including the organization binding.
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub rotation: Option<RotationSetting>,
    /// AWS only: `alias/...`.
    #[serde(default)]
    pub alias: Option<String>,
    pub client_token: ClientToken,
}

impl CreateKeyRequest {
    /// The tags to send: `tags` plus the client token tag.
    pub fn tags_with_token(&self) -> BTreeMap<String, String> {
        let mut tags = self.tags.clone();
        tags.insert(
            CLIENT_TOKEN_TAG.to_string(),
            self.client_token.as_str().to_string(),
        );
        tags
    }
}

/// A change of tags or labels: values to set and names to remove. Organization binding entries
/// may be added or set to `true`, never removed or set to anything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagChange {
    upsert: BTreeMap<String, String>,
    remove: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagChangeError {
    #[error(
        "refusing to remove the organization binding `{0}`: Anthropic checks it on every request (SAFE007)"
    )]
    RemovesOrgBinding(String),
    #[error(
        "refusing to set the organization binding `{0}` to `{1}`: it must stay `true` (SAFE007)"
    )]
    FalsifiesOrgBinding(String, String),
    #[error("`{0}` is both set and removed")]
    Conflicting(String),
}

impl TagChange {
    pub fn new(
        upsert: BTreeMap<String, String>,
        remove: Vec<String>,
    ) -> Result<Self, TagChangeError> {
        for name in &remove {
            if name.starts_with(ORG_BINDING_PREFIX) {
                return Err(TagChangeError::RemovesOrgBinding(name.clone()));
            }
            if upsert.contains_key(name) {
                return Err(TagChangeError::Conflicting(name.clone()));
            }
        }
        for (name, value) in &upsert {
            if name.starts_with(ORG_BINDING_PREFIX) && value != "true" {
                return Err(TagChangeError::FalsifiesOrgBinding(
                    name.clone(),
                    value.clone(),
                ));
            }
        }
        Ok(TagChange { upsert, remove })
    }

    pub fn upsert(&self) -> &BTreeMap<String, String> {
        &self.upsert
    }

    pub fn remove(&self) -> &[String] {
        &self.remove
    }

    /// `current` after the change.
    pub fn apply_to(&self, current: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut out = current.clone();
        for name in &self.remove {
            out.remove(name);
        }
        out.extend(self.upsert.clone());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "anthropic-org-4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

    #[test]
    fn client_tokens_are_valid_label_values() {
        let t = ClientToken::generate();
        assert_eq!(t.as_str().len(), 37);
        assert!(
            t.as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
        let back: ClientToken = serde_json::from_value(serde_json::json!(t.as_str())).unwrap();
        assert_eq!(back, t);
        assert!(serde_json::from_value::<ClientToken>(serde_json::json!("cmek-XYZ")).is_err());
    }

    #[test]
    fn tag_change_protects_org_binding() {
        assert_eq!(
            TagChange::new(BTreeMap::new(), vec![ORG.into()]),
            Err(TagChangeError::RemovesOrgBinding(ORG.into()))
        );
        assert!(matches!(
            TagChange::new(BTreeMap::from([(ORG.into(), "false".into())]), vec![]),
            Err(TagChangeError::FalsifiesOrgBinding(..))
        ));
        let ok = TagChange::new(
            BTreeMap::from([(ORG.into(), "true".into()), ("team".into(), "sec".into())]),
            vec!["old".into()],
        )
        .unwrap();
        let current = BTreeMap::from([("old".into(), "x".into()), ("keep".into(), "y".into())]);
        let after = ok.apply_to(&current);
        assert_eq!(after.len(), 3);
        assert!(!after.contains_key("old"));
        assert!(matches!(
            TagChange::new(BTreeMap::from([("a".into(), "1".into())]), vec!["a".into()]),
            Err(TagChangeError::Conflicting(_))
        ));
    }

    #[test]
    fn key_ref_ids_match_observed_remote_ids() {
        let aws = ObservedKey::Aws(crate::observed::aws::tests::sample());
        let gcp = ObservedKey::Gcp(crate::observed::gcp::tests::sample());
        let azure = ObservedKey::Azure(crate::observed::azure::tests::sample());
        for k in [aws, gcp, azure] {
            let r = KeyRef::of(&k);
            assert_eq!(r.id(), k.remote_id().as_str());
            assert_eq!(r.cloud(), k.cloud());
        }
    }
}
