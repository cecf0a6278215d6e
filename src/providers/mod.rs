//! `providers/`: the one async interface every cloud implements ([`KeyProvider`]) and the Admin
//! API interface ([`AnthropicApi`]), plus the helpers all implementations share: error
//! classification, bounded retries, bounded concurrency, secret buffers.
//!
//! **The safety invariant is structural** (DESIGN.md §1): there is no method here, and so none in
//! any implementation reachable from the engine, that deletes or disables a key, destroys or
//! disables a key version, removes a binding or role assignment, detaches or swaps a workspace
//! key, or deletes a registration. Access can only be added ([`AccessChange::Add`]) or replaced by
//! a document that passed the plan's no-narrowing simulation ([`SafetyCheckedUpdate`]). Tags can
//! change, but never drop an organization binding ([`TagChange`]). Restorative calls (cancel a
//! scheduled deletion, enable a key or version, restore a version) exist and are the only state
//! changes besides creation.

pub mod access;
/// AWS KMS through the official SDK.
pub mod aws;
pub mod bounded;
pub mod error;
pub mod requests;
pub mod retry;
pub mod secret;

use async_trait::async_trait;

use crate::address::Cloud;
use crate::anthropic::types::{
    CreateExternalKey, ExternalKey, ExternalKeyPage, ValidationResult, Workspace,
};
use crate::observed::ObservedKey;

pub use access::{
    AccessChange, AccessDocument, AccessGrant, SafetyCheckedUpdate, SimulationEvidence,
};
pub use bounded::{DEFAULT_CONCURRENCY, run_bounded};
pub use error::ProviderError;
pub use requests::{
    CLIENT_TOKEN_TAG, ClientToken, CreateKeyRequest, InitialAccess, KeyLocation, KeyRef,
    KeySettings, ORG_BINDING_PREFIX, RotationSetting, TagChange, TagChangeError,
};
pub use retry::{RetryPolicy, retry};
pub use secret::{Ciphertext, EncryptionContext, SecretBytes};

/// Progress of a bulk call: `(done, total)`.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// A progress callback that ignores progress.
pub fn no_progress(_done: usize, _total: usize) {}

/// A key service (AWS KMS, Cloud KMS, Key Vault + Azure Resource Manager).
///
/// Every method is safe to retry: creation is idempotent through the client token, updates set
/// absolute values, adds are no-ops when the grant exists, restorative calls are no-ops when the
/// key is already in the target state.
#[async_trait]
pub trait KeyProvider: Send + Sync {
    fn cloud(&self) -> Cloud;

    /// Reads every key in `refs`, with bounded concurrency (see [`run_bounded`]); one result per
    /// ref, in order: `Ok(None)` when the key does not exist.
    async fn refresh(
        &self,
        refs: &[KeyRef],
        progress: Progress<'_>,
    ) -> Vec<Result<Option<ObservedKey>, ProviderError>>;

    /// The key a previous `create_key` with `token` made at `location`, if any.
    async fn find_by_client_token(
        &self,
        location: &KeyLocation,
        token: &ClientToken,
    ) -> Result<Option<ObservedKey>, ProviderError>;

    /// Creates a key with its initial access, tags, rotation and alias. Implementations first
    /// look for a key with the same client token and return it instead of creating another.
    async fn create_key(&self, request: &CreateKeyRequest) -> Result<ObservedKey, ProviderError>;

    /// Adds grants, or replaces a document that passed the safety simulation.
    async fn put_access(&self, key: &KeyRef, change: &AccessChange) -> Result<(), ProviderError>;

    async fn set_rotation(
        &self,
        key: &KeyRef,
        rotation: &RotationSetting,
    ) -> Result<(), ProviderError>;

    async fn set_tags_or_labels(
        &self,
        key: &KeyRef,
        change: &TagChange,
    ) -> Result<(), ProviderError>;

    /// AWS: creates `alias` for the key, or points an existing alias at it.
    async fn set_alias(&self, key: &KeyRef, alias: &str) -> Result<(), ProviderError> {
        let _ = (key, alias);
        Err(ProviderError::unsupported("set alias", self.cloud()))
    }

    /// AWS: `UpdateKeyDescription`.
    async fn set_description(&self, key: &KeyRef, description: &str) -> Result<(), ProviderError> {
        let _ = (key, description);
        Err(ProviderError::unsupported("set description", self.cloud()))
    }

    /// Restorative. AWS: `CancelKeyDeletion` (the key is then disabled: call `enable_key` next);
    /// Azure: recover a soft-deleted key.
    async fn cancel_deletion(&self, key: &KeyRef) -> Result<(), ProviderError> {
        let _ = key;
        Err(ProviderError::unsupported("cancel deletion", self.cloud()))
    }

    /// Restorative. AWS `EnableKey`; Azure key attribute `enabled = true`.
    async fn enable_key(&self, key: &KeyRef) -> Result<(), ProviderError>;

    /// Restorative. GCP: restore a version scheduled for destruction (it comes back disabled).
    async fn restore_key_version(&self, key: &KeyRef, version: &str) -> Result<(), ProviderError> {
        let _ = (key, version);
        Err(ProviderError::unsupported(
            "restore key version",
            self.cloud(),
        ))
    }

    /// Restorative. GCP: set a version's state to `ENABLED`.
    async fn enable_key_version(&self, key: &KeyRef, version: &str) -> Result<(), ProviderError> {
        let _ = (key, version);
        Err(ProviderError::unsupported(
            "enable key version",
            self.cloud(),
        ))
    }

    /// Verification: encrypts (AWS, GCP) or wraps (Azure RSA-OAEP-256) `plaintext` under the key.
    async fn wrap(
        &self,
        key: &KeyRef,
        plaintext: &SecretBytes,
        context: &EncryptionContext,
    ) -> Result<Ciphertext, ProviderError>;

    /// Verification: the inverse of [`KeyProvider::wrap`].
    async fn unwrap(
        &self,
        key: &KeyRef,
        ciphertext: &Ciphertext,
        context: &EncryptionContext,
    ) -> Result<SecretBytes, ProviderError>;
}

/// Safety cap on list pagination: a server that keeps returning `next_page` cannot loop cmek
/// forever.
pub const MAX_LIST_PAGES: usize = 1000;

/// The Anthropic Admin API calls cmek makes (`domain/anthropic-cmek.md` §7). There is no call to
/// delete a registration or change a workspace's key once set.
#[async_trait]
pub trait AnthropicApi: Send + Sync {
    /// One page of registrations, newest first.
    async fn list_external_keys(
        &self,
        page: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ExternalKeyPage, ProviderError>;

    /// All registrations, following `next_page` (at most [`MAX_LIST_PAGES`] pages).
    async fn list_all_external_keys(&self) -> Result<Vec<ExternalKey>, ProviderError> {
        let mut all = Vec::new();
        let mut page: Option<String> = None;
        for _ in 0..MAX_LIST_PAGES {
            let result = self.list_external_keys(page.as_deref(), Some(100)).await?;
            all.extend(result.data);
            match result.next_page {
                Some(next) if Some(&next) != page.as_ref() => page = Some(next),
                Some(_) => {
                    return Err(ProviderError::BadResponse {
                        operation: "list external keys".into(),
                        message: "the API returned the same next_page twice".into(),
                    });
                }
                None => return Ok(all),
            }
        }
        Err(ProviderError::BadResponse {
            operation: "list external keys".into(),
            message: format!("more than {MAX_LIST_PAGES} pages"),
        })
    }

    /// `Ok(None)` when the id does not exist.
    async fn get_external_key(&self, id: &str) -> Result<Option<ExternalKey>, ProviderError>;

    async fn create_external_key(
        &self,
        request: &CreateExternalKey,
    ) -> Result<ExternalKey, ProviderError>;

    /// The one update cmek sends to a registration: its display name (always allowed).
    async fn update_display_name(
        &self,
        id: &str,
        display_name: &str,
    ) -> Result<ExternalKey, ProviderError>;

    /// `POST .../validate`: Anthropic's own round trip. Judge by `status`, not HTTP code.
    async fn validate_external_key(&self, id: &str) -> Result<ValidationResult, ProviderError>;

    /// `Ok(None)` when the id does not exist.
    async fn get_workspace(&self, id: &str) -> Result<Option<Workspace>, ProviderError>;

    /// Sets a workspace's key. Write-once at Anthropic: the engine only calls this for a
    /// workspace observed without a key, after verification of that key passed (SAFE008).
    async fn attach_workspace_key(
        &self,
        workspace_id: &str,
        external_key_id: &str,
    ) -> Result<Workspace, ProviderError>;
}
