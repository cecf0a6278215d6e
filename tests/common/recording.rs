//! Test doubles for apply: decorators around real clients (the sandbox emulators' KMS and Admin
//! API) that record every call with its start and end time, and inject delays and failures.
//! The executor under test cannot tell them from the real clients.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cmek::address::Cloud;
use cmek::anthropic::types::{
    CreateExternalKey, ExternalKey, ExternalKeyPage, ValidationResult, Workspace,
};
use cmek::observed::ObservedKey;
use cmek::providers::{
    AccessChange, AnthropicApi, Ciphertext, ClientToken, CreateKeyRequest, EncryptionContext,
    KeyLocation, KeyProvider, KeyRef, Progress, ProviderError, RotationSetting, SecretBytes,
    TagChange,
};

/// One recorded call: `op` is the trait method, `target` what it was about (a key address for
/// `create_key`, a key id, an `ekey_` id, `wrkspc_ -> ekey_` for attaches).
#[derive(Debug, Clone)]
pub struct Call {
    pub op: &'static str,
    pub target: String,
    pub started: Duration,
    pub ended: Duration,
    pub ok: bool,
}

/// How long to delay a call, given `(op, target)`.
pub type DelayFn = Box<dyn Fn(&str, &str) -> Duration + Send + Sync>;
/// Whether to fail a call, given `(op, target)`.
pub type FailFn = Box<dyn Fn(&str, &str) -> bool + Send + Sync>;

/// Delays and failures to inject. A call is slowed by `delay(op, target)` and fails (without
/// reaching the real client) when `fail` matches it.
#[derive(Default)]
pub struct Faults {
    pub delay: Option<DelayFn>,
    pub fail: Option<FailFn>,
}

/// The shared call log of both doubles.
pub struct CallLog {
    pub epoch: Instant,
    calls: Mutex<Vec<Call>>,
    faults: Faults,
}

impl CallLog {
    pub fn new(epoch: Instant, faults: Faults) -> Arc<Self> {
        Arc::new(CallLog {
            epoch,
            calls: Mutex::new(Vec::new()),
            faults,
        })
    }

    pub fn calls(&self) -> Vec<Call> {
        let mut calls = self.calls.lock().unwrap().clone();
        calls.sort_by_key(|c| c.started);
        calls
    }

    pub fn of(&self, op: &str) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.op == op).collect()
    }

    async fn run<T>(
        &self,
        op: &'static str,
        target: String,
        call: impl std::future::Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, ProviderError> {
        let started = self.epoch.elapsed();
        if let Some(delay) = &self.faults.delay {
            tokio::time::sleep(delay(op, &target)).await;
        }
        let fail = self.faults.fail.as_ref().is_some_and(|f| f(op, &target));
        let result = if fail {
            Err(ProviderError::invalid_request(op, "injected failure"))
        } else {
            call.await
        };
        self.calls.lock().unwrap().push(Call {
            op,
            target,
            started,
            ended: self.epoch.elapsed(),
            ok: result.is_ok(),
        });
        result
    }
}

/// A [`KeyProvider`] that records and delegates.
pub struct RecordingProvider {
    pub inner: Arc<dyn KeyProvider>,
    pub log: Arc<CallLog>,
}

#[async_trait]
impl KeyProvider for RecordingProvider {
    fn cloud(&self) -> Cloud {
        self.inner.cloud()
    }

    async fn refresh(
        &self,
        refs: &[KeyRef],
        progress: Progress<'_>,
    ) -> Vec<Result<Option<ObservedKey>, ProviderError>> {
        let started = self.log.epoch.elapsed();
        let out = self.inner.refresh(refs, progress).await;
        let target: Vec<String> = refs.iter().map(|r| r.id().to_string()).collect();
        self.log.calls.lock().unwrap().push(Call {
            op: "refresh",
            target: target.join(","),
            started,
            ended: self.log.epoch.elapsed(),
            ok: out.iter().all(Result::is_ok),
        });
        out
    }

    async fn find_by_client_token(
        &self,
        location: &KeyLocation,
        token: &ClientToken,
    ) -> Result<Option<ObservedKey>, ProviderError> {
        self.log
            .run(
                "find_by_client_token",
                String::new(),
                self.inner.find_by_client_token(location, token),
            )
            .await
    }

    async fn create_key(&self, request: &CreateKeyRequest) -> Result<ObservedKey, ProviderError> {
        self.log
            .run(
                "create_key",
                request.address.to_string(),
                self.inner.create_key(request),
            )
            .await
    }

    async fn put_access(&self, key: &KeyRef, change: &AccessChange) -> Result<(), ProviderError> {
        self.log
            .run(
                "put_access",
                key.id().to_string(),
                self.inner.put_access(key, change),
            )
            .await
    }

    async fn set_rotation(
        &self,
        key: &KeyRef,
        rotation: &RotationSetting,
    ) -> Result<(), ProviderError> {
        self.log
            .run(
                "set_rotation",
                key.id().to_string(),
                self.inner.set_rotation(key, rotation),
            )
            .await
    }

    async fn set_tags_or_labels(
        &self,
        key: &KeyRef,
        change: &TagChange,
    ) -> Result<(), ProviderError> {
        self.log
            .run(
                "set_tags_or_labels",
                key.id().to_string(),
                self.inner.set_tags_or_labels(key, change),
            )
            .await
    }

    async fn set_alias(&self, key: &KeyRef, alias: &str) -> Result<(), ProviderError> {
        self.log
            .run(
                "set_alias",
                key.id().to_string(),
                self.inner.set_alias(key, alias),
            )
            .await
    }

    async fn set_description(&self, key: &KeyRef, description: &str) -> Result<(), ProviderError> {
        self.log
            .run(
                "set_description",
                key.id().to_string(),
                self.inner.set_description(key, description),
            )
            .await
    }

    async fn cancel_deletion(&self, key: &KeyRef) -> Result<(), ProviderError> {
        self.log
            .run(
                "cancel_deletion",
                key.id().to_string(),
                self.inner.cancel_deletion(key),
            )
            .await
    }

    async fn enable_key(&self, key: &KeyRef) -> Result<(), ProviderError> {
        self.log
            .run(
                "enable_key",
                key.id().to_string(),
                self.inner.enable_key(key),
            )
            .await
    }

    async fn wrap(
        &self,
        key: &KeyRef,
        plaintext: &SecretBytes,
        context: &EncryptionContext,
    ) -> Result<Ciphertext, ProviderError> {
        self.log
            .run(
                "wrap",
                key.id().to_string(),
                self.inner.wrap(key, plaintext, context),
            )
            .await
    }

    async fn unwrap(
        &self,
        key: &KeyRef,
        ciphertext: &Ciphertext,
        context: &EncryptionContext,
    ) -> Result<SecretBytes, ProviderError> {
        self.log
            .run(
                "unwrap",
                key.id().to_string(),
                self.inner.unwrap(key, ciphertext, context),
            )
            .await
    }
}

/// An [`AnthropicApi`] that records and delegates.
pub struct RecordingApi {
    pub inner: Arc<dyn AnthropicApi>,
    pub log: Arc<CallLog>,
}

#[async_trait]
impl AnthropicApi for RecordingApi {
    async fn list_external_keys(
        &self,
        page: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ExternalKeyPage, ProviderError> {
        self.log
            .run(
                "list_external_keys",
                String::new(),
                self.inner.list_external_keys(page, limit),
            )
            .await
    }

    async fn get_external_key(&self, id: &str) -> Result<Option<ExternalKey>, ProviderError> {
        self.log
            .run(
                "get_external_key",
                id.to_string(),
                self.inner.get_external_key(id),
            )
            .await
    }

    async fn create_external_key(
        &self,
        request: &CreateExternalKey,
    ) -> Result<ExternalKey, ProviderError> {
        let target = match &request.provider_config {
            cmek::anthropic::types::ProviderConfig::Aws { kms_arn, .. } => kms_arn.clone(),
            other => format!("{other:?}"),
        };
        self.log
            .run(
                "create_external_key",
                target,
                self.inner.create_external_key(request),
            )
            .await
    }

    async fn update_display_name(
        &self,
        id: &str,
        display_name: &str,
    ) -> Result<ExternalKey, ProviderError> {
        self.log
            .run(
                "update_display_name",
                id.to_string(),
                self.inner.update_display_name(id, display_name),
            )
            .await
    }

    async fn validate_external_key(&self, id: &str) -> Result<ValidationResult, ProviderError> {
        self.log
            .run(
                "validate_external_key",
                id.to_string(),
                self.inner.validate_external_key(id),
            )
            .await
    }

    async fn get_workspace(&self, id: &str) -> Result<Option<Workspace>, ProviderError> {
        self.log
            .run(
                "get_workspace",
                id.to_string(),
                self.inner.get_workspace(id),
            )
            .await
    }

    async fn attach_workspace_key(
        &self,
        workspace_id: &str,
        external_key_id: &str,
    ) -> Result<Workspace, ProviderError> {
        self.log
            .run(
                "attach_workspace_key",
                format!("{workspace_id} -> {external_key_id}"),
                self.inner
                    .attach_workspace_key(workspace_id, external_key_id),
            )
            .await
    }
}
