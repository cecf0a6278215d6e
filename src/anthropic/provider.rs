//! `impl AnthropicApi for AdminClient`: the engine's interface on the Admin API client.
//!
//! The client already retries (bounded) and refuses write-once violations locally; this layer
//! maps its errors to [`ProviderError`] (messages keep the client's wording, which never holds
//! the API key) and turns 404s on reads into `Ok(None)`.

use async_trait::async_trait;

use crate::anthropic::client::AdminClient;
use crate::anthropic::error::AdminApiError;
use crate::anthropic::types::{
    CreateExternalKey, ExternalKey, ExternalKeyPage, UpdateExternalKey, ValidationResult, Workspace,
};
use crate::providers::{AnthropicApi, ProviderError};

/// Largest page the Admin API serves.
const PAGE_LIMIT: u32 = 100;

/// Maps an Admin API error; `operation` and `resource` name the call for messages.
pub fn provider_error(err: AdminApiError, operation: &str, resource: &str) -> ProviderError {
    let message = err.to_string();
    match err {
        AdminApiError::NotFound { .. } => ProviderError::NotFound {
            operation: operation.to_string(),
            resource: resource.to_string(),
        },
        AdminApiError::Unauthorized { .. } | AdminApiError::Forbidden { .. } => {
            ProviderError::AccessDenied {
                operation: operation.to_string(),
                resource: resource.to_string(),
                message,
            }
        }
        AdminApiError::RateLimited { retry_after, .. } => ProviderError::Throttled {
            operation: operation.to_string(),
            message,
            retry_after,
        },
        AdminApiError::Server { status, .. } => ProviderError::Transient {
            operation: operation.to_string(),
            status,
            message,
        },
        AdminApiError::CmekKeyUnreachable { .. } | AdminApiError::Transport { .. } => {
            ProviderError::Transient {
                operation: operation.to_string(),
                status: 503,
                message,
            }
        }
        AdminApiError::Timeout { timeout, .. } => ProviderError::Timeout {
            operation: operation.to_string(),
            after: timeout,
        },
        AdminApiError::CmekKeyDisabled { .. } | AdminApiError::CmekKeyNetworkBlocked { .. } => {
            ProviderError::InvalidState {
                operation: operation.to_string(),
                resource: resource.to_string(),
                state: "cmek_key_disabled".into(),
                message,
            }
        }
        AdminApiError::InvalidResponse { .. } | AdminApiError::UnexpectedStatus { .. } => {
            ProviderError::BadResponse {
                operation: operation.to_string(),
                message,
            }
        }
        AdminApiError::Rejected { .. }
        | AdminApiError::WorkspaceKeyAlreadySet { .. }
        | AdminApiError::ImmutableWhileAttached { .. }
        | AdminApiError::InvalidArgument(_) => ProviderError::InvalidRequest {
            operation: operation.to_string(),
            message,
        },
    }
}

fn none_if_missing<T>(
    result: Result<T, AdminApiError>,
    operation: &str,
    resource: &str,
) -> Result<Option<T>, ProviderError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(AdminApiError::NotFound { .. }) => Ok(None),
        Err(e) => Err(provider_error(e, operation, resource)),
    }
}

#[async_trait]
impl AnthropicApi for AdminClient {
    async fn list_external_keys(
        &self,
        page: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ExternalKeyPage, ProviderError> {
        self.list_external_keys_page(limit.unwrap_or(PAGE_LIMIT).min(PAGE_LIMIT), page)
            .await
            .map_err(|e| provider_error(e, "list external keys", "external keys"))
    }

    async fn get_external_key(&self, id: &str) -> Result<Option<ExternalKey>, ProviderError> {
        none_if_missing(
            AdminClient::get_external_key(self, id).await,
            "get external key",
            id,
        )
    }

    async fn create_external_key(
        &self,
        request: &CreateExternalKey,
    ) -> Result<ExternalKey, ProviderError> {
        AdminClient::create_external_key(self, request)
            .await
            .map_err(|e| provider_error(e, "create external key", "external keys"))
    }

    async fn update_display_name(
        &self,
        id: &str,
        display_name: &str,
    ) -> Result<ExternalKey, ProviderError> {
        let update = UpdateExternalKey {
            display_name: Some(display_name.to_string()),
            geo: None,
            provider_config: None,
        };
        self.update_external_key(id, &update)
            .await
            .map_err(|e| provider_error(e, "update external key display name", id))
    }

    async fn validate_external_key(&self, id: &str) -> Result<ValidationResult, ProviderError> {
        AdminClient::validate_external_key(self, id)
            .await
            .map_err(|e| provider_error(e, "validate external key", id))
    }

    async fn get_workspace(&self, id: &str) -> Result<Option<Workspace>, ProviderError> {
        none_if_missing(
            AdminClient::get_workspace(self, id).await,
            "get workspace",
            id,
        )
    }

    async fn attach_workspace_key(
        &self,
        workspace_id: &str,
        external_key_id: &str,
    ) -> Result<Workspace, ProviderError> {
        self.attach_external_key(workspace_id, external_key_id)
            .await
            .map(|outcome| outcome.workspace().clone())
            .map_err(|e| provider_error(e, "attach workspace key", workspace_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_and_throttling_keep_their_class() {
        let e = provider_error(
            AdminApiError::NotFound {
                resource: "workspace wrkspc_x".into(),
                message: "not found".into(),
            },
            "get workspace",
            "wrkspc_x",
        );
        assert!(e.is_not_found());
        let e = provider_error(
            AdminApiError::RateLimited {
                operation: "x".into(),
                attempts: 3,
                message: "slow down".into(),
                retry_after: None,
            },
            "x",
            "y",
        );
        assert!(e.is_retryable());
    }
}
