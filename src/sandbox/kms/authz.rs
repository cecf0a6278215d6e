//! The seam between the emulator and a key-policy evaluator.
//!
//! Every request that touches a key is decided by a [`KeyPolicyAuthorizer`] over the key's
//! current policy document and a [`KmsRequestContext`]; the emulator has no policy semantics of
//! its own. The context carries what an IAM evaluator needs for KMS key policies: the principal,
//! its account (so the evaluator can apply *delegation*: a same-account principal is allowed when
//! the key policy grants the account root, because the emulator models no IAM identity policies
//! and treats every same-account principal as holding them), the action, the key ARN, the
//! encryption context (`kms:EncryptionContext:<k>` condition keys) and the source IP.
//!
//! Account-level operations that have no key (CreateKey, ListKeys, ListAliases) are governed by
//! IAM identity policies alone on real AWS; the emulator allows them for every recognized
//! principal in its own account.

use std::collections::BTreeMap;
use std::net::IpAddr;

/// What the authorizer is asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsRequestContext {
    /// `aws:PrincipalArn`: the IAM user or role ARN of the caller.
    pub principal_arn: String,
    /// `aws:PrincipalAccount` / `kms:CallerAccount`.
    pub principal_account: String,
    /// The IAM action, e.g. `kms:Encrypt`.
    pub action: String,
    /// The ARN of the key the request acts on.
    pub key_arn: String,
    /// The account that owns the key (equal to `principal_account` for same-account calls).
    pub key_account: String,
    /// The request's encryption context (empty for operations that carry none).
    pub encryption_context: BTreeMap<String, String>,
    /// `aws:SourceIp`, when the server knows the peer address.
    pub source_ip: Option<IpAddr>,
}

impl KmsRequestContext {
    /// True when the caller belongs to the key's account (delegation to IAM applies).
    pub fn is_same_account(&self) -> bool {
        self.principal_account == self.key_account
    }
}

/// The authorizer's answer. `reason` is shown in `AccessDeniedException` messages and logs, so
/// it must not contain secrets (it never sees any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthzDecision {
    pub allowed: bool,
    pub reason: String,
}

impl AuthzDecision {
    pub fn allow(reason: impl Into<String>) -> Self {
        Self {
            allowed: true,
            reason: reason.into(),
        }
    }

    pub fn deny(reason: impl Into<String>) -> Self {
        Self {
            allowed: false,
            reason: reason.into(),
        }
    }
}

/// Decides a request against a key policy. Implementations must be pure functions of their
/// inputs (the emulator may call them while holding its state lock).
pub trait KeyPolicyAuthorizer: Send + Sync {
    fn authorize(&self, policy_json: &str, request: &KmsRequestContext) -> AuthzDecision;
}
