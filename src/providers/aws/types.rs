//! Plain data the AWS adapter returns: SDK types stop at the adapter's boundary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The tag a key created by cmek carries, holding the create request's client token, so a
/// retried create can find the key an earlier, interrupted attempt made.
pub const CLIENT_TOKEN_TAG: &str = "cmek:client-token";

/// Who the adapter's credentials are (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// Everything cmek reads about one key, from at most three calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsKeySnapshot {
    pub key_id: String,
    pub arn: String,
    pub account: String,
    pub region: String,
    /// KMS's key state as AWS spells it (`Enabled`, `Disabled`, `PendingDeletion`, ...).
    pub state: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub deletion_date: Option<OffsetDateTime>,
    pub key_spec: String,
    pub key_usage: String,
    pub origin: String,
    pub multi_region: bool,
    pub description: String,
    /// The key policy exactly as KMS returned it (compare canonically, never byte-wise).
    pub policy_text: String,
    pub rotation_enabled: bool,
    pub rotation_period_days: Option<i32>,
}

/// One alias in a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsAlias {
    pub name: String,
    pub arn: String,
    /// None for AWS managed aliases that point at no key yet.
    pub target_key_id: Option<String>,
}

/// What to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    pub policy: String,
    pub description: String,
    pub multi_region: bool,
    pub tags: BTreeMap<String, String>,
    /// Idempotency token, stored as the [`CLIENT_TOKEN_TAG`] tag.
    pub client_token: String,
}

/// A key just created (or found again by its client token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub key_id: String,
    pub arn: String,
}

/// A data key from GenerateDataKey. The plaintext is zeroized on drop and never shown by
/// `Debug`.
pub struct DataKey {
    pub key_arn: String,
    pub plaintext: Zeroizing<Vec<u8>>,
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("key_arn", &self.key_arn)
            .field("plaintext", &"<redacted>")
            .field("ciphertext_len", &self.ciphertext.len())
            .finish()
    }
}
