//! Azure RBAC role assignments and the data actions of the built-in Key Vault roles.
//!
//! Roles are recognized by display name or by built-in role definition id (the GUID, or a full
//! `/providers/Microsoft.Authorization/roleDefinitions/<guid>` path). Control-plane roles
//! (`Owner`, `Contributor`) have no data actions: they cannot use keys in an RBAC vault.

use serde::{Deserialize, Serialize};

pub const DATA_READ: &str = "Microsoft.KeyVault/vaults/keys/read";
pub const DATA_WRAP: &str = "Microsoft.KeyVault/vaults/keys/wrap/action";
pub const DATA_UNWRAP: &str = "Microsoft.KeyVault/vaults/keys/unwrap/action";

/// A role assignment at some scope (subscription, resource group, vault or key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    pub scope: String,
    /// Role definition GUID or full resource id.
    pub role_definition_id: String,
    /// Display name when known (`Key Vault Crypto User`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// Object id of the principal in the customer's tenant.
    pub principal_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_type: Option<String>,
}

/// Built-in roles: (name, definition GUID, data actions).
const ROLES: [(&str, &str, &[&str]); 7] = [
    (
        "Key Vault Administrator",
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
        &["Microsoft.KeyVault/vaults/*"],
    ),
    (
        "Key Vault Crypto Officer",
        "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
        &[
            "Microsoft.KeyVault/vaults/keys/*",
            "Microsoft.KeyVault/vaults/keyrotationpolicies/*",
        ],
    ),
    (
        "Key Vault Crypto User",
        "12338af0-0e69-4776-bea7-57ae8d297424",
        &[
            DATA_READ,
            "Microsoft.KeyVault/vaults/keys/update/action",
            "Microsoft.KeyVault/vaults/keys/backup/action",
            "Microsoft.KeyVault/vaults/keys/encrypt/action",
            "Microsoft.KeyVault/vaults/keys/decrypt/action",
            DATA_WRAP,
            DATA_UNWRAP,
            "Microsoft.KeyVault/vaults/keys/sign/action",
            "Microsoft.KeyVault/vaults/keys/verify/action",
        ],
    ),
    (
        "Key Vault Crypto Service Encryption User",
        "e147488a-f6f5-4113-8e2d-b22465e65bf6",
        &[DATA_READ, DATA_WRAP, DATA_UNWRAP],
    ),
    (
        "Key Vault Reader",
        "21090545-7ca7-4776-b22c-e363652d74d2",
        &[
            "Microsoft.KeyVault/vaults/*/read",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        ],
    ),
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", &[]),
    ("Contributor", "b24988ac-6180-42dd-a399-c322c6caf9fc", &[]),
];

impl RoleAssignment {
    /// The role's display name, from `role_name` or the built-in definition id.
    pub fn role_display(&self) -> String {
        if let Some(n) = &self.role_name {
            return n.clone();
        }
        let guid = definition_guid(&self.role_definition_id);
        ROLES
            .iter()
            .find(|(_, id, _)| id.eq_ignore_ascii_case(guid))
            .map(|(n, _, _)| (*n).to_string())
            .unwrap_or_else(|| self.role_definition_id.clone())
    }
}

/// The GUID at the end of a role definition id.
pub fn definition_guid(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// The built-in definition GUID of a role name.
pub fn role_definition_guid(name: &str) -> Option<&'static str> {
    ROLES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, id, _)| *id)
}

/// Data actions of a role (by name, or by definition id when the name is missing); `None` for a
/// role this library does not know.
pub fn role_data_actions(assignment: &RoleAssignment) -> Option<&'static [&'static str]> {
    let guid = definition_guid(&assignment.role_definition_id);
    ROLES
        .iter()
        .find(|(n, id, _)| {
            id.eq_ignore_ascii_case(guid)
                || assignment
                    .role_name
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case(n))
        })
        .map(|(_, _, actions)| *actions)
}
