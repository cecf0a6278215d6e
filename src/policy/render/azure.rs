//! The required Azure access (domain §6): a `Key Vault Crypto User` role assignment scoped to
//! the individual key (`<vault resource id>/keys/<key name>`) for the object id of Anthropic's
//! service principal in the customer tenant, key operations exactly `wrapKey` and `unwrapKey`,
//! and one tag `anthropic-org-<uuid>=true` per organization.

use std::collections::BTreeMap;

use super::{RenderError, checked_orgs};
use crate::policy::azure::rbac::RoleAssignment;
use crate::policy::identities::identities;
use crate::spec::model::AzureKeySpec;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AzureAccessInput {
    /// `/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<v>`.
    pub vault_resource_id: String,
    pub key_name: String,
    /// Object id of the service principal of Anthropic's app in the customer tenant.
    pub principal_object_id: String,
    pub org_uuids: Vec<String>,
}

impl AzureAccessInput {
    /// Adapter from a spec key block; the vault's resource id and the service principal's object
    /// id are looked up in Azure (the spec names the vault by URI and the app by client id).
    pub fn from_spec(
        spec: &AzureKeySpec,
        vault_resource_id: &str,
        principal_object_id: &str,
        org_uuids: Vec<String>,
    ) -> Self {
        AzureAccessInput {
            vault_resource_id: vault_resource_id.trim_end_matches('/').to_string(),
            key_name: spec.name.clone(),
            principal_object_id: principal_object_id.to_string(),
            org_uuids,
        }
    }

    pub fn key_resource_id(&self) -> String {
        format!(
            "{}/keys/{}",
            self.vault_resource_id.trim_end_matches('/'),
            self.key_name
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AzureRequiredAccess {
    pub role_assignment: RoleAssignment,
    /// Exactly these, in this order.
    pub key_ops: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

pub fn render_azure_access(input: &AzureAccessInput) -> Result<AzureRequiredAccess, RenderError> {
    let ids = identities()?;
    let orgs = checked_orgs(&input.org_uuids)?;
    if input.principal_object_id.trim().is_empty() {
        return Err(RenderError::Other(
            "the object id of Anthropic's service principal in this tenant is unknown (create it with `az ad sp create --id <client id>`)".into(),
        ));
    }
    Ok(AzureRequiredAccess {
        role_assignment: RoleAssignment {
            scope: input.key_resource_id(),
            role_definition_id: ids.azure.role_definition_id.clone(),
            role_name: Some(ids.azure.role_name.clone()),
            principal_id: input.principal_object_id.clone(),
            principal_type: Some("ServicePrincipal".into()),
        },
        key_ops: ids.azure.key_ops.clone(),
        tags: orgs
            .iter()
            .map(|o| (format!("{}{o}", ids.azure.tag_prefix), "true".to_string()))
            .collect(),
    })
}
