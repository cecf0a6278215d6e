//! An AWS KMS key as refreshed from `DescribeKey`, `GetKeyPolicy`, `GetKeyRotationStatus`,
//! `ListAliases` and `ListResourceTags`.
//!
//! Invariants: `aliases` is sorted; `policy.document` is the parse of `policy.text`; the
//! fingerprint covers the parsed document, not the text, so whitespace AWS adds or drops does not
//! make a saved plan stale.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fingerprint::{Fingerprinted, to_value_lossless};

/// `KeyState` of `DescribeKey`. `PendingDeletion` carries the date AWS will delete the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state")]
pub enum AwsKeyState {
    Creating,
    Enabled,
    Disabled,
    PendingDeletion {
        /// RFC 3339; `None` when AWS did not report it.
        #[serde(default)]
        deletion_date: Option<String>,
    },
    PendingImport,
    PendingReplicaDeletion,
    Unavailable,
    Updating,
    /// A state this version of cmek does not know; treated as not usable.
    #[serde(other)]
    Unknown,
}

impl AwsKeyState {
    /// Maps the API's `KeyState` string (and `DeletionDate` for pending deletion).
    pub fn from_api(state: &str, deletion_date: Option<String>) -> Self {
        match state {
            "Creating" => AwsKeyState::Creating,
            "Enabled" => AwsKeyState::Enabled,
            "Disabled" => AwsKeyState::Disabled,
            "PendingDeletion" => AwsKeyState::PendingDeletion { deletion_date },
            "PendingImport" => AwsKeyState::PendingImport,
            "PendingReplicaDeletion" => AwsKeyState::PendingReplicaDeletion,
            "Unavailable" => AwsKeyState::Unavailable,
            "Updating" => AwsKeyState::Updating,
            _ => AwsKeyState::Unknown,
        }
    }

    /// The API spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            AwsKeyState::Creating => "Creating",
            AwsKeyState::Enabled => "Enabled",
            AwsKeyState::Disabled => "Disabled",
            AwsKeyState::PendingDeletion { .. } => "PendingDeletion",
            AwsKeyState::PendingImport => "PendingImport",
            AwsKeyState::PendingReplicaDeletion => "PendingReplicaDeletion",
            AwsKeyState::Unavailable => "Unavailable",
            AwsKeyState::Updating => "Updating",
            AwsKeyState::Unknown => "Unknown",
        }
    }

    /// Whether KMS serves cryptographic requests with the key in this state.
    pub fn is_usable(&self) -> bool {
        matches!(self, AwsKeyState::Enabled | AwsKeyState::Updating)
    }
}

/// A key policy: the exact text AWS returned and its parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPolicyText {
    pub text: String,
    pub document: Value,
}

impl KeyPolicyText {
    /// Parses the policy text; AWS only stores valid JSON, so an error means a broken response.
    pub fn parse(text: impl Into<String>) -> Result<Self, serde_json::Error> {
        let text = text.into();
        let document = serde_json::from_str(&text)?;
        Ok(KeyPolicyText { text, document })
    }
}

/// `GetKeyRotationStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsRotation {
    pub enabled: bool,
    /// `RotationPeriodInDays`, when rotation is enabled.
    #[serde(default)]
    pub period_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsKey {
    /// The bare key id (a UUID, or `mrk-...` for multi-Region keys).
    pub key_id: String,
    pub arn: String,
    pub account: String,
    pub region: String,
    pub key_state: AwsKeyState,
    /// `KeySpec`, e.g. `SYMMETRIC_DEFAULT`.
    pub key_spec: String,
    /// `KeyUsage`, e.g. `ENCRYPT_DECRYPT`.
    pub key_usage: String,
    /// `Origin`, e.g. `AWS_KMS`.
    pub origin: String,
    pub multi_region: bool,
    pub description: String,
    pub policy: KeyPolicyText,
    pub rotation: AwsRotation,
    /// Full alias names (`alias/...`), sorted.
    pub aliases: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

impl AwsKey {
    /// Sorts the sets so equal keys compare equal regardless of listing order.
    pub fn normalize(&mut self) {
        self.aliases.sort();
        self.aliases.dedup();
    }
}

impl Fingerprinted for AwsKey {
    fn canonical_value(&self) -> Value {
        let mut key = self.clone();
        key.normalize();
        let mut value = to_value_lossless(&key);
        if let Some(policy) = value.get_mut("policy").and_then(Value::as_object_mut) {
            policy.remove("text");
        }
        value
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::observed::fingerprint::Fingerprinted;

    pub(crate) fn sample() -> AwsKey {
        AwsKey {
            key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
            arn: "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                .into(),
            account: "111122223333".into(),
            region: "us-east-2".into(),
            key_state: AwsKeyState::Enabled,
            key_spec: "SYMMETRIC_DEFAULT".into(),
            key_usage: "ENCRYPT_DECRYPT".into(),
            origin: "AWS_KMS".into(),
            multi_region: false,
            description: "Anthropic CMEK".into(),
            policy: KeyPolicyText::parse(r#"{"Version":"2012-10-17","Statement":[]}"#).unwrap(),
            rotation: AwsRotation {
                enabled: true,
                period_days: Some(365),
            },
            aliases: vec!["alias/b".into(), "alias/a".into()],
            tags: BTreeMap::from([("team".into(), "security".into())]),
        }
    }

    #[test]
    fn state_round_trips_with_deletion_date() {
        let s = AwsKeyState::from_api("PendingDeletion", Some("2026-12-01T00:00:00Z".into()));
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"state": "PendingDeletion", "deletion_date": "2026-12-01T00:00:00Z"})
        );
        assert_eq!(serde_json::from_value::<AwsKeyState>(v).unwrap(), s);
        assert_eq!(
            serde_json::from_value::<AwsKeyState>(serde_json::json!({"state": "Frozen"})).unwrap(),
            AwsKeyState::Unknown
        );
        assert!(!s.is_usable());
        assert!(AwsKeyState::Enabled.is_usable());
    }

    #[test]
    fn fingerprint_ignores_policy_whitespace_and_alias_order() {
        let a = sample();
        let mut b = sample();
        b.aliases.reverse();
        b.policy =
            KeyPolicyText::parse("{\n  \"Statement\": [],\n  \"Version\": \"2012-10-17\"\n}")
                .unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let mut c = sample();
        c.policy = KeyPolicyText::parse(r#"{"Version":"2012-10-17","Statement":[{}]}"#).unwrap();
        assert_ne!(a.fingerprint(), c.fingerprint());
        let mut d = sample();
        d.key_state = AwsKeyState::Disabled;
        assert_ne!(a.fingerprint(), d.fingerprint());
    }

    #[test]
    fn bad_policy_text_is_an_error() {
        assert!(KeyPolicyText::parse("{not json").is_err());
    }
}
