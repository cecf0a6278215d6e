//! PLACEHOLDER: replaced at merge by the oracle branch.
//!
//! `PolicyLibraryAuthorizer`: the KMS emulator's key-policy authorizer on the policy library.
//! This placeholder allows same-account callers and denies everyone else.

// PLACEHOLDER: replaced at merge by the oracle branch

use super::authz::{AuthzDecision, KeyPolicyAuthorizer, KmsRequestContext};

#[derive(Debug, Default, Clone, Copy)]
pub struct PolicyLibraryAuthorizer;

impl KeyPolicyAuthorizer for PolicyLibraryAuthorizer {
    fn authorize(&self, _policy_json: &str, request: &KmsRequestContext) -> AuthzDecision {
        if request.is_same_account() {
            AuthzDecision::allow("same account (placeholder authorizer)")
        } else {
            AuthzDecision::deny("cross-account access (placeholder authorizer)")
        }
    }
}
