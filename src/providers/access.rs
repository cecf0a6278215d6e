//! Access changes on existing keys, and the token that makes narrowing impossible to send by
//! accident.
//!
//! Providers accept only two kinds of access change:
//! - [`AccessChange::Add`]: grants added next to existing ones (a GCP binding member, an Azure
//!   role assignment). Nothing is ever taken away.
//! - [`AccessChange::Replace`]: a whole document that replaces the current one (an AWS key policy,
//!   Azure key operations). It can only be passed as a [`SafetyCheckedUpdate`], whose one
//!   constructor records that the plan/apply layer simulated Anthropic's requests against this
//!   exact document (DESIGN.md §1, SAFE005). The structural test `tests/state_invariants.rs`
//!   checks that no other part of the product calls that constructor.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::observed::Fingerprint;

use super::error::ProviderError;
use super::requests::KeyRef;

/// One grant to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AccessGrant {
    /// Add `member` to `role` on the key itself (GCP `setIamPolicy` read-modify-write with etag).
    GcpBinding { role: String, member: String },
    /// Create a role assignment (Azure); existing assignments are untouched.
    AzureRoleAssignment {
        /// `<vault resource id>/keys/<key name>`.
        scope: String,
        role_definition_id: String,
        principal_id: String,
        #[serde(default)]
        principal_type: Option<String>,
    },
}

/// A document that replaces the key's current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AccessDocument {
    /// AWS `PutKeyPolicy`.
    AwsKeyPolicy { document: Value },
    /// Azure key `key_ops` update.
    AzureKeyOperations { key_ops: Vec<String> },
}

/// What the simulation behind a [`SafetyCheckedUpdate`] covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationEvidence {
    /// How many of Anthropic's requests (validation, per-workspace traffic, metadata reads) were
    /// simulated against the old and the new document and allowed by the new one.
    pub simulated_requests: usize,
    /// Fingerprint of the observed key the simulation started from, so an executor can refuse
    /// if the key changed in between.
    pub base_fingerprint: Option<Fingerprint>,
    /// One line for logs and the plan: which rule passed and why.
    pub summary: String,
}

/// A replacement access document that passed the no-narrowing simulation for one key.
/// Fields are private and there is no `Default`; the only way to make one is
/// [`SafetyCheckedUpdate::after_simulation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyCheckedUpdate {
    target: String,
    document: AccessDocument,
    evidence: SimulationEvidence,
}

impl SafetyCheckedUpdate {
    /// For the plan/apply layer only (enforced by `tests/state_invariants.rs`): wraps `document`
    /// after Anthropic's requests were simulated against it for the key `target`. Refuses
    /// evidence of zero simulated requests: every key has at least the validation request.
    pub fn after_simulation(
        target: &KeyRef,
        document: AccessDocument,
        evidence: SimulationEvidence,
    ) -> Result<Self, ProviderError> {
        if evidence.simulated_requests == 0 {
            return Err(ProviderError::invalid_request(
                "replace access",
                format!(
                    "no Anthropic request was simulated against the new document for {}",
                    target.id()
                ),
            ));
        }
        Ok(SafetyCheckedUpdate {
            target: target.id(),
            document,
            evidence,
        })
    }

    pub fn document(&self) -> &AccessDocument {
        &self.document
    }

    pub fn evidence(&self) -> &SimulationEvidence {
        &self.evidence
    }

    /// Providers call this first: the token is only good for the key it was checked for.
    pub fn check_target(&self, key: &KeyRef) -> Result<(), ProviderError> {
        if self.target == key.id() {
            Ok(())
        } else {
            Err(ProviderError::invalid_request(
                "replace access",
                format!(
                    "the document was safety-checked for {} but is being sent to {}",
                    self.target,
                    key.id()
                ),
            ))
        }
    }
}

/// An access change a provider may carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessChange {
    Add(Vec<AccessGrant>),
    Replace(SafetyCheckedUpdate),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> KeyRef {
        KeyRef::Gcp { name: name.into() }
    }

    fn evidence(n: usize) -> SimulationEvidence {
        SimulationEvidence {
            simulated_requests: n,
            base_fingerprint: None,
            summary: "SAFE005 passed".into(),
        }
    }

    #[test]
    fn token_is_bound_to_its_key() {
        let doc = AccessDocument::AzureKeyOperations {
            key_ops: vec!["unwrapKey".into(), "wrapKey".into()],
        };
        let t = SafetyCheckedUpdate::after_simulation(&key("a"), doc.clone(), evidence(3)).unwrap();
        assert_eq!(t.document(), &doc);
        assert!(t.check_target(&key("a")).is_ok());
        let err = t.check_target(&key("b")).unwrap_err();
        assert!(err.to_string().contains("safety-checked for a"));
    }

    #[test]
    fn refuses_unsimulated_documents() {
        let doc = AccessDocument::AwsKeyPolicy {
            document: serde_json::json!({}),
        };
        assert!(SafetyCheckedUpdate::after_simulation(&key("a"), doc, evidence(0)).is_err());
    }
}
