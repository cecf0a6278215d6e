//! `AwsKms`: the calls cmek makes to AWS KMS (and STS), on the official SDK.
//!
//! The adapter offers reads, creation, additive or restorative changes, and cryptography for
//! round trips. It has no method that reduces a key's availability: such operations are not
//! part of cmek's vocabulary (DESIGN.md §1, the safety invariant).
//!
//! Call budgets (each is the number of KMS requests, before SDK retries):
//! - [`AwsKms::refresh_key`]: at most 3 (DescribeKey, GetKeyPolicy, GetKeyRotationStatus; the
//!   last is skipped for non-symmetric keys, which have no automatic rotation).
//! - [`AwsKms::list_aliases`]: ceil(aliases / 100) in the client's region.
//! - [`AwsKms::list_tags`]: ceil(tags / 50), i.e. 1 for any key within KMS's 50-tag quota.
//! - [`AwsKms::find_by_client_token`]: ceil(keys / 1000) ListKeys plus one ListResourceTags per
//!   key in the region: O(keys). It runs only to recover from a create whose answer was lost.
//! - [`AwsKms::iam_principal_exists`]: one iam:GetRole or iam:GetUser (not a KMS call).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, KeySpec, KeyUsageType, OriginType, Tag};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::config::AwsKmsConfig;
use super::error::{AwsError, from_sdk};
use super::types::{
    AwsAlias, AwsKeySnapshot, CLIENT_TOKEN_TAG, CallerIdentity, CreatedKey, DataKey, NewKey,
};

/// A KMS (and STS) client for one region.
#[derive(Debug, Clone)]
pub struct AwsKms {
    kms: aws_sdk_kms::Client,
    sts: aws_sdk_sts::Client,
    /// IAM is global: the same client serves every region.
    iam: aws_sdk_iam::Client,
    region: String,
    /// How many keys a bulk refresh reads at once (>= 1).
    concurrency: usize,
    /// Whether `plan` may look up `admins` principals in IAM (off for emulators without IAM).
    iam_checks: bool,
}

fn context_map(context: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    if context.is_empty() {
        None
    } else {
        Some(context.clone().into_iter().collect())
    }
}

fn to_offset(date: &aws_sdk_kms::primitives::DateTime) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(date.secs()).ok()
}

fn missing(operation: &str, what: &str) -> AwsError {
    AwsError::Other {
        operation: operation.to_string(),
        code: "IncompleteResponse".into(),
        message: format!("the response has no {what}"),
    }
}

/// The bare key id of a key ARN (`arn:aws:kms:<region>:<account>:key/<id>` → `<id>`); anything
/// else unchanged.
///
/// For the operations KMS allows only in the key's own account and region (EnableKey,
/// CancelKeyDeletion), the id is equivalent to the ARN on a client of that region (which is
/// how the provider calls them). KMS-compatible emulators (moto) accept only the bare id there.
pub(crate) fn same_account_key_id(key: &str) -> &str {
    match key.strip_prefix("arn:") {
        Some(rest) if rest.contains(":key/") => key.rsplit("key/").next().unwrap_or(key),
        _ => key,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IamKind {
    Role,
    User,
}

/// `arn:<p>:iam::<acct>:role/<path/>name` → (Role, name); the same for `user/`; else `None`.
fn iam_role_or_user(arn: &str) -> Option<(IamKind, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("iam"), Some(""), Some(_), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let (kind, rest) = if let Some(r) = resource.strip_prefix("role/") {
        (IamKind::Role, r)
    } else if let Some(u) = resource.strip_prefix("user/") {
        (IamKind::User, u)
    } else {
        return None;
    };
    let name = rest.rsplit('/').next().filter(|n| !n.is_empty())?;
    (!name.contains('*')).then_some((kind, name))
}

impl AwsKms {
    /// Builds the clients from the configuration (no request is made).
    pub async fn connect(config: &AwsKmsConfig) -> Self {
        let sdk = config.load().await;
        Self {
            kms: aws_sdk_kms::Client::new(&sdk),
            sts: aws_sdk_sts::Client::new(&sdk),
            iam: aws_sdk_iam::Client::new(&sdk),
            region: config.region.clone(),
            concurrency: crate::providers::DEFAULT_CONCURRENCY,
            iam_checks: true,
        }
    }

    /// The same credentials and settings in another region.
    pub fn in_region(&self, region: &str) -> Self {
        let kms_config = self
            .kms
            .config()
            .to_builder()
            .region(aws_sdk_kms::config::Region::new(region.to_string()))
            .build();
        let sts_config = self
            .sts
            .config()
            .to_builder()
            .region(aws_sdk_sts::config::Region::new(region.to_string()))
            .build();
        Self {
            kms: aws_sdk_kms::Client::from_conf(kms_config),
            sts: aws_sdk_sts::Client::from_conf(sts_config),
            iam: self.iam.clone(),
            region: region.to_string(),
            concurrency: self.concurrency,
            iam_checks: self.iam_checks,
        }
    }

    /// The same client with the IAM existence check of `admins` on or off.
    pub fn with_iam_checks(mut self, on: bool) -> Self {
        self.iam_checks = on;
        self
    }

    /// Whether `admins` principals are looked up in IAM.
    pub fn iam_checks(&self) -> bool {
        self.iam_checks
    }

    /// The same client reading at most `n` (min 1) keys at once in a bulk refresh
    /// (`-parallelism N`; default [`crate::providers::DEFAULT_CONCURRENCY`]).
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How many keys a bulk refresh reads at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// STS GetCallerIdentity: the account and ARN of the credentials in use.
    pub async fn caller_identity(&self) -> Result<CallerIdentity, AwsError> {
        const OP: &str = "sts:GetCallerIdentity";
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| from_sdk(OP, e))?;
        Ok(CallerIdentity {
            account: out.account.ok_or_else(|| missing(OP, "Account"))?,
            arn: out.arn.ok_or_else(|| missing(OP, "Arn"))?,
        })
    }

    /// Whether the IAM role or user named by `arn` exists (one iam:GetRole or iam:GetUser).
    /// `Ok(None)` for anything that is not a role or user ARN (account roots, account ids,
    /// assumed-role sessions, service principals, wildcards): there is nothing to look up.
    pub async fn iam_principal_exists(&self, arn: &str) -> Result<Option<bool>, AwsError> {
        let Some((kind, name)) = iam_role_or_user(arn) else {
            return Ok(None);
        };
        let result = match kind {
            IamKind::Role => self
                .iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| from_sdk("iam:GetRole", e)),
            IamKind::User => self
                .iam
                .get_user()
                .user_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| from_sdk("iam:GetUser", e)),
        };
        match result {
            Ok(()) => Ok(Some(true)),
            Err(AwsError::NotFound { .. }) => Ok(Some(false)),
            Err(e) => Err(e),
        }
    }

    /// Reads one key (id, ARN, or alias) with at most three calls. The credentials must belong
    /// to the key's account: KMS serves GetKeyPolicy to the key's own account only.
    pub async fn refresh_key(&self, key: &str) -> Result<AwsKeySnapshot, AwsError> {
        let described = self
            .kms
            .describe_key()
            .key_id(key)
            .send()
            .await
            .map_err(|e| from_sdk("kms:DescribeKey", e))?;
        let meta = described
            .key_metadata
            .ok_or_else(|| missing("kms:DescribeKey", "KeyMetadata"))?;
        let arn = meta
            .arn
            .clone()
            .ok_or_else(|| missing("kms:DescribeKey", "Arn"))?;
        let policy = self
            .kms
            .get_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .send()
            .await
            .map_err(|e| from_sdk("kms:GetKeyPolicy", e))?;
        let key_spec = meta
            .key_spec
            .as_ref()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let (rotation_enabled, rotation_period_days) =
            if key_spec == KeySpec::SymmetricDefault.as_str() {
                let rotation = self
                    .kms
                    .get_key_rotation_status()
                    .key_id(&arn)
                    .send()
                    .await
                    .map_err(|e| from_sdk("kms:GetKeyRotationStatus", e))?;
                (
                    rotation.key_rotation_enabled,
                    rotation.rotation_period_in_days,
                )
            } else {
                (false, None)
            };
        Ok(AwsKeySnapshot {
            key_id: meta.key_id,
            account: meta.aws_account_id.unwrap_or_default(),
            region: arn.split(':').nth(3).unwrap_or(&self.region).to_string(),
            arn,
            state: meta
                .key_state
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            deletion_date: meta.deletion_date.as_ref().and_then(to_offset),
            key_spec,
            key_usage: meta
                .key_usage
                .map(|u| u.as_str().to_string())
                .unwrap_or_default(),
            origin: meta
                .origin
                .map(|o| o.as_str().to_string())
                .unwrap_or_default(),
            multi_region: meta.multi_region.unwrap_or(false),
            description: meta.description.unwrap_or_default(),
            policy_text: policy.policy.unwrap_or_default(),
            rotation_enabled,
            rotation_period_days,
        })
    }

    /// All aliases of the client's region (paged).
    pub async fn list_aliases(&self) -> Result<Vec<AwsAlias>, AwsError> {
        let mut aliases = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .kms
                .list_aliases()
                .limit(100)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| from_sdk("kms:ListAliases", e))?;
            for alias in page.aliases.unwrap_or_default() {
                if let (Some(name), Some(arn)) = (alias.alias_name, alias.alias_arn) {
                    aliases.push(AwsAlias {
                        name,
                        arn,
                        target_key_id: alias.target_key_id,
                    });
                }
            }
            match (page.truncated, page.next_marker) {
                (true, Some(next)) => marker = Some(next),
                _ => return Ok(aliases),
            }
        }
    }

    /// All tags of one key (paged; one call within KMS's 50-tag quota).
    pub async fn list_tags(&self, key: &str) -> Result<BTreeMap<String, String>, AwsError> {
        let mut tags = BTreeMap::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .kms
                .list_resource_tags()
                .key_id(key)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| from_sdk("kms:ListResourceTags", e))?;
            for tag in page.tags.unwrap_or_default() {
                tags.insert(tag.tag_key, tag.tag_value);
            }
            match (page.truncated, page.next_marker) {
                (true, Some(next)) => marker = Some(next),
                _ => return Ok(tags),
            }
        }
    }

    /// Creates a symmetric encryption key with the given policy and tags (plus the client-token
    /// tag). The policy lockout safety check is never bypassed.
    pub async fn create_key(&self, new: &NewKey) -> Result<CreatedKey, AwsError> {
        const OP: &str = "kms:CreateKey";
        let mut tags = Vec::with_capacity(new.tags.len() + 1);
        for (key, value) in new
            .tags
            .iter()
            .filter(|(k, _)| k.as_str() != CLIENT_TOKEN_TAG)
            .chain(std::iter::once((
                &CLIENT_TOKEN_TAG.to_string(),
                &new.client_token,
            )))
        {
            tags.push(
                Tag::builder()
                    .tag_key(key)
                    .tag_value(value)
                    .build()
                    .map_err(|e| AwsError::Config(format!("tag {key}: {e}")))?,
            );
        }
        let out = self
            .kms
            .create_key()
            .policy(&new.policy)
            .description(&new.description)
            .key_spec(KeySpec::SymmetricDefault)
            .key_usage(KeyUsageType::EncryptDecrypt)
            .origin(OriginType::AwsKms)
            .multi_region(new.multi_region)
            .set_tags(Some(tags))
            .bypass_policy_lockout_safety_check(false)
            .send()
            .await
            .map_err(|e| from_sdk(OP, e))?;
        let meta = out.key_metadata.ok_or_else(|| missing(OP, "KeyMetadata"))?;
        Ok(CreatedKey {
            arn: meta.arn.ok_or_else(|| missing(OP, "Arn"))?,
            key_id: meta.key_id,
        })
    }

    /// Finds the key an earlier create with `client_token` made, if any. Keys whose tags the
    /// caller may not read are skipped. Cost: O(keys in the region); see the module docs.
    pub async fn find_by_client_token(
        &self,
        client_token: &str,
    ) -> Result<Option<CreatedKey>, AwsError> {
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .kms
                .list_keys()
                .limit(1000)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| from_sdk("kms:ListKeys", e))?;
            for entry in page.keys.unwrap_or_default() {
                let (Some(key_id), Some(arn)) = (entry.key_id, entry.key_arn) else {
                    continue;
                };
                match self.list_tags(&arn).await {
                    Ok(tags) => {
                        if tags.get(CLIENT_TOKEN_TAG).map(String::as_str) == Some(client_token) {
                            return Ok(Some(CreatedKey { key_id, arn }));
                        }
                    }
                    Err(AwsError::AccessDenied { .. } | AwsError::NotFound { .. }) => {}
                    Err(other) => return Err(other),
                }
            }
            match (page.truncated, page.next_marker) {
                (true, Some(next)) => marker = Some(next),
                _ => return Ok(None),
            }
        }
    }

    /// Replaces the key policy. The caller must have simulated Anthropic's access against
    /// `policy` (SAFE005); the lockout safety check is never bypassed.
    pub async fn put_key_policy(&self, key: &str, policy: &str) -> Result<(), AwsError> {
        self.kms
            .put_key_policy()
            .key_id(key)
            .policy_name("default")
            .policy(policy)
            .bypass_policy_lockout_safety_check(false)
            .send()
            .await
            .map_err(|e| from_sdk("kms:PutKeyPolicy", e))?;
        Ok(())
    }

    /// Turns automatic rotation on (period 90..=2560 days; KMS's default 365 when `None`).
    pub async fn enable_key_rotation(
        &self,
        key: &str,
        period_days: Option<i32>,
    ) -> Result<(), AwsError> {
        self.kms
            .enable_key_rotation()
            .key_id(key)
            .set_rotation_period_in_days(period_days)
            .send()
            .await
            .map_err(|e| from_sdk("kms:EnableKeyRotation", e))?;
        Ok(())
    }

    pub async fn create_alias(&self, alias: &str, key: &str) -> Result<(), AwsError> {
        self.kms
            .create_alias()
            .alias_name(alias)
            .target_key_id(key)
            .send()
            .await
            .map_err(|e| from_sdk("kms:CreateAlias", e))?;
        Ok(())
    }

    /// Points an existing alias at another key.
    pub async fn update_alias(&self, alias: &str, key: &str) -> Result<(), AwsError> {
        self.kms
            .update_alias()
            .alias_name(alias)
            .target_key_id(key)
            .send()
            .await
            .map_err(|e| from_sdk("kms:UpdateAlias", e))?;
        Ok(())
    }

    /// Adds or overwrites tags (never removes any).
    pub async fn tag_resource(
        &self,
        key: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        let mut wire = Vec::with_capacity(tags.len());
        for (k, v) in tags {
            wire.push(
                Tag::builder()
                    .tag_key(k)
                    .tag_value(v)
                    .build()
                    .map_err(|e| AwsError::Config(format!("tag {k}: {e}")))?,
            );
        }
        self.kms
            .tag_resource()
            .key_id(key)
            .set_tags(Some(wire))
            .send()
            .await
            .map_err(|e| from_sdk("kms:TagResource", e))?;
        Ok(())
    }

    /// Sets the key's description (`UpdateKeyDescription`).
    pub async fn update_key_description(
        &self,
        key: &str,
        description: &str,
    ) -> Result<(), AwsError> {
        self.kms
            .update_key_description()
            .key_id(key)
            .description(description)
            .send()
            .await
            .map_err(|e| from_sdk("kms:UpdateKeyDescription", e))?;
        Ok(())
    }

    /// Restorative: cancels a pending deletion (KMS leaves the key Disabled afterwards). Same
    /// account and region only, so the key is addressed by its bare id.
    pub async fn cancel_key_deletion(&self, key: &str) -> Result<(), AwsError> {
        self.kms
            .cancel_key_deletion()
            .key_id(same_account_key_id(key))
            .send()
            .await
            .map_err(|e| from_sdk("kms:CancelKeyDeletion", e))?;
        Ok(())
    }

    /// Restorative: enables a disabled key. Same account and region only, so the key is
    /// addressed by its bare id.
    pub async fn enable_key(&self, key: &str) -> Result<(), AwsError> {
        self.kms
            .enable_key()
            .key_id(same_account_key_id(key))
            .send()
            .await
            .map_err(|e| from_sdk("kms:EnableKey", e))?;
        Ok(())
    }

    /// Encrypts a small plaintext (<= 4096 bytes) under `key` with an encryption context.
    pub async fn encrypt(
        &self,
        key: &str,
        plaintext: &[u8],
        context: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, AwsError> {
        const OP: &str = "kms:Encrypt";
        let out = self
            .kms
            .encrypt()
            .key_id(key)
            .plaintext(Blob::new(plaintext))
            .set_encryption_context(context_map(context))
            .send()
            .await
            .map_err(|e| from_sdk(OP, e))?;
        Ok(out
            .ciphertext_blob
            .ok_or_else(|| missing(OP, "CiphertextBlob"))?
            .into_inner())
    }

    /// Decrypts a ciphertext; with `key` set, KMS refuses a ciphertext of another key.
    pub async fn decrypt(
        &self,
        ciphertext: &[u8],
        context: &BTreeMap<String, String>,
        key: Option<&str>,
    ) -> Result<Zeroizing<Vec<u8>>, AwsError> {
        const OP: &str = "kms:Decrypt";
        let out = self
            .kms
            .decrypt()
            .ciphertext_blob(Blob::new(ciphertext))
            .set_encryption_context(context_map(context))
            .set_key_id(key.map(str::to_string))
            .send()
            .await
            .map_err(|e| from_sdk(OP, e))?;
        Ok(Zeroizing::new(
            out.plaintext
                .ok_or_else(|| missing(OP, "Plaintext"))?
                .into_inner(),
        ))
    }

    /// A fresh 256-bit data key under `key`, plaintext and wrapped.
    pub async fn generate_data_key(
        &self,
        key: &str,
        context: &BTreeMap<String, String>,
    ) -> Result<DataKey, AwsError> {
        const OP: &str = "kms:GenerateDataKey";
        let out = self
            .kms
            .generate_data_key()
            .key_id(key)
            .key_spec(DataKeySpec::Aes256)
            .set_encryption_context(context_map(context))
            .send()
            .await
            .map_err(|e| from_sdk(OP, e))?;
        Ok(DataKey {
            key_arn: out.key_id.ok_or_else(|| missing(OP, "KeyId"))?,
            plaintext: Zeroizing::new(
                out.plaintext
                    .ok_or_else(|| missing(OP, "Plaintext"))?
                    .into_inner(),
            ),
            ciphertext: out
                .ciphertext_blob
                .ok_or_else(|| missing(OP, "CiphertextBlob"))?
                .into_inner(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{IamKind, iam_role_or_user, same_account_key_id};

    #[test]
    fn iam_lookups_only_for_roles_and_users() {
        assert_eq!(
            iam_role_or_user("arn:aws:iam::123456789012:role/ops/KeyAdmin"),
            Some((IamKind::Role, "KeyAdmin"))
        );
        assert_eq!(
            iam_role_or_user("arn:aws:iam::123456789012:user/alice"),
            Some((IamKind::User, "alice"))
        );
        for none in [
            "arn:aws:iam::123456789012:root",
            "123456789012",
            "arn:aws:sts::123456789012:assumed-role/R/s",
            "arn:aws:iam::123456789012:role/*",
            "*",
        ] {
            assert_eq!(iam_role_or_user(none), None, "{none}");
        }
    }

    #[test]
    fn key_arns_become_bare_ids_and_everything_else_is_kept() {
        assert_eq!(
            same_account_key_id("arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab"),
            "1234abcd-12ab"
        );
        assert_eq!(same_account_key_id("1234abcd-12ab"), "1234abcd-12ab");
        assert_eq!(
            same_account_key_id("arn:aws:kms:us-east-2:123456789012:alias/x"),
            "arn:aws:kms:us-east-2:123456789012:alias/x"
        );
    }
}
