//! Does a principal get a key operation in an RBAC Key Vault? It needs a role assignment whose
//! scope contains the key (subscription, resource group, vault, or the key itself) with a role
//! whose data actions cover the operation; wrap/unwrap also need the key enabled and the
//! operation in the key's allowed operations.

use super::rbac::{DATA_READ, DATA_UNWRAP, DATA_WRAP, RoleAssignment, role_data_actions};
use crate::policy::wildcard;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AzureKeyOperation {
    Get,
    WrapKey,
    UnwrapKey,
}

impl AzureKeyOperation {
    pub fn name(self) -> &'static str {
        match self {
            AzureKeyOperation::Get => "get",
            AzureKeyOperation::WrapKey => "wrapKey",
            AzureKeyOperation::UnwrapKey => "unwrapKey",
        }
    }

    pub fn data_action(self) -> &'static str {
        match self {
            AzureKeyOperation::Get => DATA_READ,
            AzureKeyOperation::WrapKey => DATA_WRAP,
            AzureKeyOperation::UnwrapKey => DATA_UNWRAP,
        }
    }

    /// The key operation that must be allowed on the key (`None` for metadata reads).
    pub fn key_op(self) -> Option<&'static str> {
        match self {
            AzureKeyOperation::Get => None,
            AzureKeyOperation::WrapKey => Some("wrapKey"),
            AzureKeyOperation::UnwrapKey => Some("unwrapKey"),
        }
    }
}

/// The key's own attributes that gate operations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AzureKeyState {
    pub enabled: bool,
    pub key_ops: Vec<String>,
    pub tags: std::collections::BTreeMap<String, String>,
}

/// Everything that decides access to one key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AzureKeyAccess {
    /// `<vault resource id>/keys/<key name>`.
    pub key_resource_id: String,
    pub assignments: Vec<RoleAssignment>,
    pub key: AzureKeyState,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AzureRequest {
    /// Object id of the service principal in the customer's tenant.
    pub principal_object_id: String,
    pub operation: AzureKeyOperation,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum AzureDecision {
    Allow { scope: String, role: String },
    Deny,
}

impl AzureDecision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, AzureDecision::Allow { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AzureEvaluation {
    pub decision: AzureDecision,
    pub explanation: String,
}

/// Does `scope` contain `resource` (equal, or an ancestor at a `/` boundary)? Case-insensitive,
/// as Azure resource ids are.
pub fn scope_contains(scope: &str, resource: &str) -> bool {
    let s = scope.trim_end_matches('/').to_ascii_lowercase();
    let r = resource.trim_end_matches('/').to_ascii_lowercase();
    s.is_empty() || r == s || r.starts_with(&format!("{s}/"))
}

impl AzureKeyAccess {
    pub fn evaluate(&self, req: &AzureRequest) -> AzureEvaluation {
        let op = req.operation;
        let grant = self.assignments.iter().find(|a| {
            a.principal_id
                .eq_ignore_ascii_case(&req.principal_object_id)
                && scope_contains(&a.scope, &self.key_resource_id)
                && role_data_actions(a).is_some_and(|actions| {
                    actions
                        .iter()
                        .any(|p| wildcard::matches(p, op.data_action(), true))
                })
        });
        let Some(grant) = grant else {
            let has_any = self.assignments.iter().any(|a| {
                a.principal_id
                    .eq_ignore_ascii_case(&req.principal_object_id)
            });
            return AzureEvaluation {
                decision: AzureDecision::Deny,
                explanation: if has_any {
                    format!(
                        "denied: {} has role assignments, but none covering {} with a role that grants {}",
                        req.principal_object_id,
                        self.key_resource_id,
                        op.data_action()
                    )
                } else {
                    format!(
                        "denied: no role assignment for principal {} (Anthropic's service principal object id in this tenant)",
                        req.principal_object_id
                    )
                },
            };
        };
        if let Some(key_op) = op.key_op() {
            if !self.key.enabled {
                return AzureEvaluation {
                    decision: AzureDecision::Deny,
                    explanation: format!(
                        "denied: {} needs the key enabled; it is disabled",
                        op.name()
                    ),
                };
            }
            if !self.key.key_ops.iter().any(|k| k == key_op) {
                return AzureEvaluation {
                    decision: AzureDecision::Deny,
                    explanation: format!(
                        "denied: the key's allowed operations [{}] do not include {key_op}",
                        self.key.key_ops.join(", ")
                    ),
                };
            }
        }
        AzureEvaluation {
            explanation: format!(
                "allowed: {} by role {} assigned at {}",
                op.name(),
                grant.role_display(),
                grant.scope
            ),
            decision: AzureDecision::Allow {
                scope: grant.scope.clone(),
                role: grant.role_display(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scope_contains;

    #[test]
    fn scopes() {
        let key =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/keys/claude";
        assert!(scope_contains("/subscriptions/s", key));
        assert!(scope_contains("/subscriptions/S/resourcegroups/RG", key));
        assert!(scope_contains(key, key));
        assert!(!scope_contains("/subscriptions/s/resourceGroups/rg2", key));
        assert!(!scope_contains("/subscriptions/s/resourceGroups/r", key));
        assert!(!scope_contains(&format!("{key}2"), key));
    }
}
