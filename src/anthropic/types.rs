//! Wire types of the Anthropic Admin API for CMEK (`domain/anthropic-cmek.md` §7), shared by the
//! client (`anthropic::client`), the engine's observed model and the sandbox emulator, so all three
//! agree on one JSON shape.
//!
//! Unknown fields are ignored on input (the API may grow); field names are exact.

use serde::{Deserialize, Serialize};

/// Header value sent as `anthropic-version`.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// `provider_config` of an external key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ProviderConfig {
    Aws {
        kms_arn: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<String>,
    },
    Gcp {
        /// `projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`.
        key_name: String,
    },
    Azure {
        vault_uri: String,
        key_name: String,
        tenant_id: String,
        /// Only for a single-tenant app registration in the customer's directory.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
}

/// `attachment` of an external key: whether any workspace (live or archived) references it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Attachment {
    Attached,
    Unattached,
}

/// An external key object (`type: "external_key"`, id `ekey_...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalKey {
    #[serde(rename = "type")]
    pub object_type: String,
    pub id: String,
    pub attachment: Attachment,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub geo: Option<String>,
    pub provider_config: ProviderConfig,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /v1/organizations/external_keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateExternalKey {
    pub provider_config: ProviderConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<String>,
}

/// Body of `POST /v1/organizations/external_keys/{id}` (partial update). cmek only ever sends
/// `display_name` for a registration in use: `geo` and `provider_config` are immutable then.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateExternalKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_config: Option<ProviderConfig>,
}

/// One page of `GET /v1/organizations/external_keys`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalKeyPage {
    pub data: Vec<ExternalKey>,
    #[serde(default)]
    pub next_page: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationStatus {
    Success,
    Failure,
}

/// Body of `POST /v1/organizations/external_keys/{id}/validate` (always HTTP 200; judge by
/// `status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationResult {
    #[serde(rename = "type")]
    pub object_type: String,
    pub status: ValidationStatus,
    #[serde(default)]
    pub error: Option<String>,
}

/// A workspace as read by `GET /v1/organizations/workspaces/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    #[serde(rename = "type", default = "workspace_type")]
    pub object_type: String,
    /// `wrkspc_...`.
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// The UUID Anthropic assigns the workspace; used in AWS compartment conditions.
    pub compartment_id: String,
    /// Write-once: once set it never changes.
    #[serde(default)]
    pub external_key_id: Option<String>,
    #[serde(default)]
    pub archived_at: Option<String>,
}

fn workspace_type() -> String {
    "workspace".to_string()
}

/// Body of the attach call `POST /v1/organizations/workspaces/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachExternalKey {
    pub external_key_id: String,
}

/// An API error body: `{"type": "error", "error": {"type": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    #[serde(rename = "type")]
    pub object_type: String,
    pub error: ApiErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorDetail {
    #[serde(rename = "type")]
    pub error_type: String,
    pub message: String,
}

/// Body of a successful `DELETE /v1/organizations/external_keys/{id}`:
/// `{"id": "ekey_...", "type": "external_key_deleted"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalKeyDeleted {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: String,
}
