//! `impl KeyProvider for AwsKms`: the engine's cloud-neutral interface on the AWS adapter.
//!
//! Reads cost the adapter's budget: at most 3 calls per key (DescribeKey, GetKeyPolicy,
//! GetKeyRotationStatus) plus one ListResourceTags per key whose spec declares tags, and one paged ListAliases per region
//! in the batch. Access changes are only `AccessChange::Add` (not applicable to AWS key
//! policies) or a `SafetyCheckedUpdate` whose target is checked before anything is sent.
//! Verification wraps with `Encrypt`/`Decrypt` under the encryption context Anthropic sends.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;

use crate::address::Cloud;
use crate::observed::{AwsKey, AwsKeyState, AwsRotation, KeyPolicyText, ObservedKey};
use crate::providers::{
    AccessChange, AccessDocument, Ciphertext, ClientToken, CreateKeyRequest, EncryptionContext,
    InitialAccess, KeyLocation, KeyProvider, KeyRef, KeySettings, Progress, ProviderError,
    RotationSetting, SecretBytes, TagChange, run_bounded,
};

use super::client::AwsKms;
use super::error::AwsError;
use super::types::{AwsAlias, AwsKeySnapshot, NewKey};

/// Maps an adapter error to the engine's classification; `resource` names the key.
pub fn provider_error(err: AwsError, resource: &str) -> ProviderError {
    match err {
        AwsError::NotFound { operation, .. } => ProviderError::NotFound {
            operation,
            resource: resource.to_string(),
        },
        AwsError::AccessDenied {
            operation, message, ..
        } => ProviderError::AccessDenied {
            operation,
            resource: resource.to_string(),
            message,
        },
        AwsError::InvalidState { operation, message } => ProviderError::InvalidState {
            operation,
            resource: resource.to_string(),
            state: "invalid".into(),
            message,
        },
        AwsError::Disabled { operation, message } => ProviderError::InvalidState {
            operation,
            resource: resource.to_string(),
            state: "Disabled".into(),
            message,
        },
        AwsError::Retryable {
            operation,
            code,
            message,
        } => ProviderError::Transient {
            operation,
            status: 503,
            message: format!("{code}: {message}"),
        },
        AwsError::Other {
            operation,
            code,
            message,
        } => ProviderError::InvalidRequest {
            operation,
            message: format!("{code}: {message}"),
        },
        AwsError::Credentials { operation, message } => ProviderError::AccessDenied {
            operation,
            resource: resource.to_string(),
            message: format!("could not load AWS credentials: {message}"),
        },
        AwsError::Config(message) => ProviderError::InvalidRequest {
            operation: "AWS configuration".into(),
            message,
        },
    }
}

/// The observed model of one key from its snapshot, tags and the aliases of its region.
pub fn observed_from_snapshot(
    snapshot: AwsKeySnapshot,
    tags: BTreeMap<String, String>,
    aliases: &[AwsAlias],
) -> Result<AwsKey, ProviderError> {
    let policy = KeyPolicyText::parse(snapshot.policy_text.clone()).map_err(|e| {
        ProviderError::BadResponse {
            operation: "kms:GetKeyPolicy".into(),
            message: format!("the policy of {} is not JSON: {e}", snapshot.arn),
        }
    })?;
    let mut key_aliases: Vec<String> = aliases
        .iter()
        .filter(|a| a.target_key_id.as_deref() == Some(snapshot.key_id.as_str()))
        .map(|a| a.name.clone())
        .collect();
    key_aliases.sort();
    let deletion_date = snapshot.deletion_date.and_then(|d| {
        d.format(&time::format_description::well_known::Rfc3339)
            .ok()
    });
    let mut key = AwsKey {
        key_id: snapshot.key_id,
        arn: snapshot.arn,
        account: snapshot.account,
        region: snapshot.region,
        key_state: AwsKeyState::from_api(&snapshot.state, deletion_date),
        key_spec: snapshot.key_spec,
        key_usage: snapshot.key_usage,
        origin: snapshot.origin,
        multi_region: snapshot.multi_region,
        description: snapshot.description,
        policy,
        rotation: AwsRotation {
            enabled: snapshot.rotation_enabled,
            period_days: snapshot
                .rotation_period_days
                .and_then(|d| u32::try_from(d).ok()),
        },
        aliases: key_aliases,
        tags,
    };
    key.normalize();
    Ok(key)
}

fn aws_ref(key: &KeyRef) -> Result<(&str, &str), ProviderError> {
    match key {
        KeyRef::Aws { region, key, .. } => Ok((region, key)),
        other => Err(ProviderError::invalid_request(
            "AWS KMS",
            format!("{} is not an AWS key", other.id()),
        )),
    }
}

impl AwsKms {
    /// The client for `region` (this one when it matches).
    fn for_region(&self, region: &str) -> AwsKms {
        if region == self.region() {
            self.clone()
        } else {
            self.in_region(region)
        }
    }

    async fn read_one(
        &self,
        key: &str,
        aliases: &[AwsAlias],
        read_tags: bool,
    ) -> Result<Option<ObservedKey>, ProviderError> {
        let snapshot = match self.refresh_key(key).await {
            Ok(s) => s,
            Err(AwsError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(provider_error(e, key)),
        };
        let tags = if read_tags {
            self.list_tags(&snapshot.arn)
                .await
                .map_err(|e| provider_error(e, key))?
        } else {
            Default::default()
        };
        Ok(Some(ObservedKey::Aws(observed_from_snapshot(
            snapshot, tags, aliases,
        )?)))
    }

    async fn read_created(&self, arn: &str) -> Result<ObservedKey, ProviderError> {
        let aliases = self
            .list_aliases()
            .await
            .map_err(|e| provider_error(e, arn))?;
        self.read_one(arn, &aliases, true)
            .await?
            .ok_or_else(|| ProviderError::not_found("kms:DescribeKey", arn))
    }
}

#[async_trait]
impl KeyProvider for AwsKms {
    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    async fn refresh(
        &self,
        refs: &[KeyRef],
        progress: Progress<'_>,
    ) -> Vec<Result<Option<ObservedKey>, ProviderError>> {
        // One alias listing per region in the batch.
        let regions: BTreeSet<String> = refs
            .iter()
            .filter_map(|r| match r {
                KeyRef::Aws { region, .. } => Some(region.clone()),
                _ => None,
            })
            .collect();
        let mut aliases: BTreeMap<String, Result<Arc<Vec<AwsAlias>>, ProviderError>> =
            BTreeMap::new();
        for region in regions {
            let listed = self
                .for_region(&region)
                .list_aliases()
                .await
                .map(Arc::new)
                .map_err(|e| provider_error(e, &format!("aliases in {region}")));
            aliases.insert(region, listed);
        }
        let aliases = &aliases;
        let futures = refs.iter().map(|r| async move {
            let (region, key) = aws_ref(r)?;
            let read_tags = matches!(
                r,
                KeyRef::Aws {
                    read_tags: true,
                    ..
                }
            );
            let region_aliases = match aliases.get(region) {
                Some(Ok(list)) => list.clone(),
                Some(Err(e)) => return Err(e.clone()),
                None => Arc::new(Vec::new()),
            };
            self.for_region(region)
                .read_one(key, &region_aliases, read_tags)
                .await
        });
        run_bounded(futures, self.concurrency(), |done, total| {
            progress(done, total)
        })
        .await
    }

    async fn find_by_client_token(
        &self,
        location: &KeyLocation,
        token: &ClientToken,
    ) -> Result<Option<ObservedKey>, ProviderError> {
        let KeyLocation::Aws { region } = location else {
            return Err(ProviderError::invalid_request(
                "find by client token",
                "not an AWS location",
            ));
        };
        let client = self.for_region(region);
        match client
            .find_by_client_token(token.as_str())
            .await
            .map_err(|e| provider_error(e, region))?
        {
            None => Ok(None),
            Some(created) => Ok(Some(client.read_created(&created.arn).await?)),
        }
    }

    async fn create_key(&self, request: &CreateKeyRequest) -> Result<ObservedKey, ProviderError> {
        const OP: &str = "create key";
        let KeyLocation::Aws { region } = &request.location else {
            return Err(ProviderError::invalid_request(OP, "not an AWS location"));
        };
        let KeySettings::Aws {
            multi_region,
            description,
            ..
        } = &request.settings
        else {
            return Err(ProviderError::invalid_request(OP, "not AWS key settings"));
        };
        let InitialAccess::AwsKeyPolicy { document } = &request.access else {
            return Err(ProviderError::invalid_request(
                OP,
                "an AWS key is created with a key policy",
            ));
        };
        let client = self.for_region(region);
        if let Some(found) =
            KeyProvider::find_by_client_token(&client, &request.location, &request.client_token)
                .await?
        {
            return Ok(found);
        }
        let policy = serde_json::to_string(document)
            .map_err(|e| ProviderError::invalid_request(OP, e.to_string()))?;
        let created = client
            .create_key(&NewKey {
                policy,
                description: description.clone(),
                multi_region: *multi_region,
                tags: request.tags.clone(),
                client_token: request.client_token.as_str().to_string(),
            })
            .await
            .map_err(|e| provider_error(e, &request.address.to_string()))?;
        if let Some(rotation) = &request.rotation {
            KeyProvider::set_rotation(
                &client,
                &KeyRef::Aws {
                    region: region.clone(),
                    key: created.arn.clone(),
                    read_tags: false,
                },
                rotation,
            )
            .await?;
        }
        if let Some(alias) = &request.alias {
            KeyProvider::set_alias(
                &client,
                &KeyRef::Aws {
                    region: region.clone(),
                    key: created.arn.clone(),
                    read_tags: false,
                },
                alias,
            )
            .await?;
        }
        client.read_created(&created.arn).await
    }

    async fn put_access(&self, key: &KeyRef, change: &AccessChange) -> Result<(), ProviderError> {
        let (region, id) = aws_ref(key)?;
        match change {
            AccessChange::Add(grants) if grants.is_empty() => Ok(()),
            AccessChange::Add(_) => Err(ProviderError::invalid_request(
                "add access",
                "AWS access is a key policy: send it as a safety-checked update",
            )),
            AccessChange::Replace(update) => {
                update.check_target(key)?;
                let AccessDocument::AwsKeyPolicy { document } = update.document() else {
                    return Err(ProviderError::invalid_request(
                        "replace access",
                        "not an AWS key policy",
                    ));
                };
                let text = serde_json::to_string(document).map_err(|e| {
                    ProviderError::invalid_request("kms:PutKeyPolicy", e.to_string())
                })?;
                self.for_region(region)
                    .put_key_policy(id, &text)
                    .await
                    .map_err(|e| provider_error(e, id))
            }
        }
    }

    async fn set_rotation(
        &self,
        key: &KeyRef,
        rotation: &RotationSetting,
    ) -> Result<(), ProviderError> {
        let (region, id) = aws_ref(key)?;
        if !rotation.enabled {
            // Turning rotation off is not a call cmek makes: old versions stay usable either
            // way, and the spec's default is on. The plan reports it as an attribute drift.
            return Err(ProviderError::invalid_request(
                "set rotation",
                "cmek only turns automatic rotation on",
            ));
        }
        let period = match rotation.period_days {
            Some(d) => Some(i32::try_from(d).map_err(|_| {
                ProviderError::invalid_request("set rotation", format!("period {d} is too large"))
            })?),
            None => None,
        };
        self.for_region(region)
            .enable_key_rotation(id, period)
            .await
            .map_err(|e| provider_error(e, id))
    }

    async fn set_tags_or_labels(
        &self,
        key: &KeyRef,
        change: &TagChange,
    ) -> Result<(), ProviderError> {
        let (region, id) = aws_ref(key)?;
        if !change.remove().is_empty() {
            return Err(ProviderError::invalid_request(
                "set tags",
                "cmek adds and updates tags on AWS keys; it does not remove them",
            ));
        }
        if change.upsert().is_empty() {
            return Ok(());
        }
        self.for_region(region)
            .tag_resource(id, change.upsert())
            .await
            .map_err(|e| provider_error(e, id))
    }

    async fn set_alias(&self, key: &KeyRef, alias: &str) -> Result<(), ProviderError> {
        let (region, id) = aws_ref(key)?;
        let client = self.for_region(region);
        let existing = client
            .list_aliases()
            .await
            .map_err(|e| provider_error(e, id))?;
        let snapshot_id = id.rsplit('/').next().unwrap_or(id);
        match existing.iter().find(|a| a.name == alias) {
            Some(a) if a.target_key_id.as_deref() == Some(snapshot_id) => Ok(()),
            Some(_) => client
                .update_alias(alias, id)
                .await
                .map_err(|e| provider_error(e, id)),
            None => client
                .create_alias(alias, id)
                .await
                .map_err(|e| provider_error(e, id)),
        }
    }

    async fn set_description(&self, key: &KeyRef, description: &str) -> Result<(), ProviderError> {
        let (region, id) = aws_ref(key)?;
        self.for_region(region)
            .update_key_description(id, description)
            .await
            .map_err(|e| provider_error(e, id))
    }

    async fn cancel_deletion(&self, key: &KeyRef) -> Result<(), ProviderError> {
        let (region, id) = aws_ref(key)?;
        self.for_region(region)
            .cancel_key_deletion(id)
            .await
            .map_err(|e| provider_error(e, id))
    }

    async fn enable_key(&self, key: &KeyRef) -> Result<(), ProviderError> {
        let (region, id) = aws_ref(key)?;
        self.for_region(region)
            .enable_key(id)
            .await
            .map_err(|e| provider_error(e, id))
    }

    async fn wrap(
        &self,
        key: &KeyRef,
        plaintext: &SecretBytes,
        context: &EncryptionContext,
    ) -> Result<Ciphertext, ProviderError> {
        let (region, id) = aws_ref(key)?;
        let bytes = self
            .for_region(region)
            .encrypt(id, plaintext.expose(), &context.0)
            .await
            .map_err(|e| provider_error(e, id))?;
        Ok(Ciphertext {
            bytes,
            key_version: None,
        })
    }

    async fn unwrap(
        &self,
        key: &KeyRef,
        ciphertext: &Ciphertext,
        context: &EncryptionContext,
    ) -> Result<SecretBytes, ProviderError> {
        let (region, id) = aws_ref(key)?;
        let mut plain = self
            .for_region(region)
            .decrypt(&ciphertext.bytes, &context.0, Some(id))
            .await
            .map_err(|e| provider_error(e, id))?;
        Ok(SecretBytes::new(std::mem::take(&mut *plain)))
    }
}
