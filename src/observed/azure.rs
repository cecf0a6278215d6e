//! An Azure Key Vault key as refreshed from the data plane (`GET /keys/<name>`) and Azure
//! Resource Manager (the vault's properties and the role assignments whose scope covers the key).
//!
//! Invariants after `normalize`: `key_ops` sorted and de-duplicated, role assignments sorted by
//! id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fingerprint::{Fingerprinted, to_value_lossless};

/// `networkAcls.defaultAction` of the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NetworkDefaultAction {
    Allow,
    Deny,
}

/// The vault properties that decide whether Anthropic can reach the key and whether the key can
/// be lost (Azure Resource Manager `Microsoft.KeyVault/vaults`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultProperties {
    /// `/subscriptions/.../providers/Microsoft.KeyVault/vaults/<name>`, when ARM was read.
    #[serde(default)]
    pub resource_id: Option<String>,
    pub enable_rbac_authorization: bool,
    pub enable_purge_protection: bool,
    pub enable_soft_delete: bool,
    #[serde(default)]
    pub soft_delete_retention_days: Option<u32>,
    /// `Enabled` or `Disabled`.
    #[serde(default)]
    pub public_network_access: Option<String>,
    #[serde(default)]
    pub network_default_action: Option<NetworkDefaultAction>,
}

impl VaultProperties {
    pub fn public_network_disabled(&self) -> bool {
        self.public_network_access
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("disabled"))
    }
}

/// A role assignment whose scope is the key, its vault, or an ancestor of the vault.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AzureRoleAssignment {
    /// ARM id of the assignment.
    pub id: String,
    pub scope: String,
    pub role_definition_id: String,
    /// e.g. `Key Vault Crypto User`, when the definition was resolved.
    #[serde(default)]
    pub role_name: Option<String>,
    /// Object id of the principal.
    pub principal_id: String,
    #[serde(default)]
    pub principal_type: Option<String>,
}

/// Set when the key is soft-deleted (found under `deletedkeys`): recoverable until
/// `scheduled_purge_date`, then gone with every byte it protects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureDeletion {
    #[serde(default)]
    pub deleted_date: Option<String>,
    #[serde(default)]
    pub scheduled_purge_date: Option<String>,
    /// `https://<vault>/deletedkeys/<name>`.
    #[serde(default)]
    pub recovery_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureKey {
    /// `https://<vault>.vault.azure.net/keys/<name>/<version>`.
    pub kid: String,
    /// Normalized with a trailing `/`.
    pub vault_uri: String,
    pub name: String,
    /// `RSA`, `RSA-HSM`, `EC`, `oct-HSM`, ...
    pub kty: String,
    #[serde(default)]
    pub key_size: Option<u32>,
    pub key_ops: Vec<String>,
    pub enabled: bool,
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub recovery_level: Option<String>,
    pub vault: VaultProperties,
    pub role_assignments: Vec<AzureRoleAssignment>,
    /// `Some` when the key is soft-deleted.
    #[serde(default)]
    pub deleted: Option<AzureDeletion>,
}

impl AzureKey {
    pub fn normalize(&mut self) {
        self.key_ops.sort();
        self.key_ops.dedup();
        self.role_assignments.sort();
    }

    /// The key id without its version: `https://<vault>/keys/<name>`.
    pub fn versionless_id(&self) -> String {
        format!("{}keys/{}", self.vault_uri, self.name)
    }

    /// Which of the operations Anthropic needs (`wrapKey`, `unwrapKey`) the key does not allow.
    pub fn missing_wrap_ops(&self) -> Vec<&'static str> {
        ["unwrapKey", "wrapKey"]
            .into_iter()
            .filter(|op| !self.key_ops.iter().any(|o| o == op))
            .collect()
    }
}

impl Fingerprinted for AzureKey {
    fn canonical_value(&self) -> Value {
        let mut key = self.clone();
        key.normalize();
        to_value_lossless(&key)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> AzureKey {
        AzureKey {
            kid: "https://acme-cmek.vault.azure.net/keys/claude/0123456789abcdef".into(),
            vault_uri: "https://acme-cmek.vault.azure.net/".into(),
            name: "claude".into(),
            kty: "RSA-HSM".into(),
            key_size: Some(3072),
            key_ops: vec!["wrapKey".into(), "unwrapKey".into()],
            enabled: true,
            tags: BTreeMap::new(),
            recovery_level: Some("Recoverable".into()),
            vault: VaultProperties {
                resource_id: None,
                enable_rbac_authorization: true,
                enable_purge_protection: true,
                enable_soft_delete: true,
                soft_delete_retention_days: Some(90),
                public_network_access: Some("Enabled".into()),
                network_default_action: Some(NetworkDefaultAction::Allow),
            },
            role_assignments: vec![],
            deleted: None,
        }
    }

    #[test]
    fn key_ops_and_ids() {
        let mut k = sample();
        assert!(k.missing_wrap_ops().is_empty());
        assert_eq!(
            k.versionless_id(),
            "https://acme-cmek.vault.azure.net/keys/claude"
        );
        k.key_ops = vec!["encrypt".into(), "wrapKey".into()];
        assert_eq!(k.missing_wrap_ops(), ["unwrapKey"]);
    }

    #[test]
    fn fingerprint_ignores_op_order() {
        let a = sample();
        let mut b = sample();
        b.key_ops.reverse();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let mut c = sample();
        c.vault.public_network_access = Some("Disabled".into());
        assert!(c.vault.public_network_disabled());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
