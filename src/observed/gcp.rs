//! A Google Cloud KMS crypto key as refreshed from `cryptoKeys.get`, `cryptoKeyVersions.list` and
//! `cryptoKeys.getIamPolicy` (bindings on the key itself, where Anthropic's grants must live).
//!
//! Invariants after `normalize`: `versions` sorted by name, bindings sorted by (role, condition)
//! with sorted, de-duplicated members.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fingerprint::{Fingerprinted, to_value_lossless};

/// `CryptoKeyVersionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GcpVersionState {
    PendingGeneration,
    Enabled,
    Disabled,
    DestroyScheduled,
    Destroyed,
    PendingImport,
    ImportFailed,
    GenerationFailed,
    PendingExternalDestruction,
    ExternalDestructionFailed,
    #[serde(other)]
    CryptoKeyVersionStateUnspecified,
}

impl GcpVersionState {
    /// Whether Cloud KMS serves encrypt/decrypt with a version in this state.
    pub fn is_usable(self) -> bool {
        self == GcpVersionState::Enabled
    }
}

/// One crypto key version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcpKeyVersion {
    /// `projects/.../cryptoKeys/<key>/cryptoKeyVersions/<n>`.
    pub name: String,
    pub state: GcpVersionState,
    /// RFC 3339, for `DESTROY_SCHEDULED` versions.
    #[serde(default)]
    pub destroy_time: Option<String>,
}

/// An IAM condition (CEL).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IamCondition {
    pub expression: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// One binding of a key-level IAM policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IamBinding {
    pub role: String,
    /// `serviceAccount:...`, `user:...`, `group:...`, ...
    pub members: Vec<String>,
    #[serde(default)]
    pub condition: Option<IamCondition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcpKey {
    /// `projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`.
    pub name: String,
    /// `ENCRYPT_DECRYPT`, ...
    pub purpose: String,
    /// Of the version template: `HSM`, `SOFTWARE`, `EXTERNAL`, ...
    pub protection_level: String,
    #[serde(default)]
    pub rotation_period_seconds: Option<u64>,
    #[serde(default)]
    pub next_rotation_time: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// The primary version, also present in `versions`.
    #[serde(default)]
    pub primary: Option<GcpKeyVersion>,
    pub versions: Vec<GcpKeyVersion>,
    pub iam_bindings: Vec<IamBinding>,
}

impl GcpKey {
    pub fn normalize(&mut self) {
        self.versions.sort_by(|a, b| a.name.cmp(&b.name));
        for binding in &mut self.iam_bindings {
            binding.members.sort();
            binding.members.dedup();
        }
        self.iam_bindings.sort();
    }

    /// The roles granted to `member` without a condition.
    pub fn unconditional_roles_of<'a>(&'a self, member: &'a str) -> impl Iterator<Item = &'a str> {
        self.iam_bindings
            .iter()
            .filter(move |b| b.condition.is_none() && b.members.iter().any(|m| m == member))
            .map(|b| b.role.as_str())
    }

    /// The parts of the resource name: (project, location, key ring, key).
    pub fn name_parts(&self) -> Option<(&str, &str, &str, &str)> {
        match self.name.split('/').collect::<Vec<_>>()[..] {
            [
                "projects",
                p,
                "locations",
                l,
                "keyRings",
                r,
                "cryptoKeys",
                k,
            ] => Some((p, l, r, k)),
            _ => None,
        }
    }
}

impl Fingerprinted for GcpKey {
    fn canonical_value(&self) -> Value {
        let mut key = self.clone();
        key.normalize();
        to_value_lossless(&key)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const NAME: &str =
        "projects/acme-prod/locations/us-east5/keyRings/anthropic-cmek/cryptoKeys/claude";

    pub(crate) fn sample() -> GcpKey {
        let v1 = GcpKeyVersion {
            name: format!("{NAME}/cryptoKeyVersions/1"),
            state: GcpVersionState::Enabled,
            destroy_time: None,
        };
        GcpKey {
            name: NAME.into(),
            purpose: "ENCRYPT_DECRYPT".into(),
            protection_level: "HSM".into(),
            rotation_period_seconds: Some(7_776_000),
            next_rotation_time: None,
            labels: BTreeMap::from([(
                "anthropic-org-4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into(),
                "true".into(),
            )]),
            primary: Some(v1.clone()),
            versions: vec![v1],
            iam_bindings: vec![
                IamBinding {
                    role: "roles/cloudkms.viewer".into(),
                    members: vec!["serviceAccount:a@b".into()],
                    condition: None,
                },
                IamBinding {
                    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter".into(),
                    members: vec!["user:z@x".into(), "serviceAccount:a@b".into()],
                    condition: None,
                },
            ],
        }
    }

    #[test]
    fn version_states_use_api_spelling() {
        let v: GcpVersionState = serde_json::from_str("\"DESTROY_SCHEDULED\"").unwrap();
        assert_eq!(v, GcpVersionState::DestroyScheduled);
        let v: GcpVersionState = serde_json::from_str("\"SOMETHING_NEW\"").unwrap();
        assert_eq!(v, GcpVersionState::CryptoKeyVersionStateUnspecified);
        assert!(!v.is_usable());
    }

    #[test]
    fn fingerprint_ignores_binding_and_member_order() {
        let a = sample();
        let mut b = sample();
        b.iam_bindings.reverse();
        b.iam_bindings[0].members.reverse();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let mut c = sample();
        c.iam_bindings.pop();
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn roles_and_name_parts() {
        let k = sample();
        let mut roles: Vec<_> = k.unconditional_roles_of("serviceAccount:a@b").collect();
        roles.sort();
        assert_eq!(
            roles,
            [
                "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                "roles/cloudkms.viewer"
            ]
        );
        assert_eq!(
            k.name_parts(),
            Some(("acme-prod", "us-east5", "anthropic-cmek", "claude"))
        );
    }
}
