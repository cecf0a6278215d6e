//! [`PolicyLibraryAuthorizer`]: the KMS emulator's [`KeyPolicyAuthorizer`] backed by the policy
//! library's evaluator (`policy::aws::eval`), so the sandbox decides key requests the way the
//! simulation in `plan`/`verify` predicts.
//!
//! Semantics:
//! - the stored policy is parsed and compiled once per distinct text (a bounded cache keyed by
//!   the text); a policy that cannot be parsed denies everything, saying why;
//! - the request context carries the principal ARN and account (`aws:PrincipalArn`,
//!   `aws:PrincipalAccount`, `kms:CallerAccount`), the action, the key ARN as resource, every
//!   encryption-context pair (`kms:EncryptionContext:<k>`, `kms:EncryptionContextKeys`) and
//!   `aws:SourceIp` when the server knows the peer;
//! - an explicit `Deny` wins, a statement naming the caller allows, nothing else denies;
//! - **account delegation**: a statement granting the key account's root (`arn:aws:iam::<key
//!   account>:root`) allows principals *of that account*. On AWS it delegates to their IAM
//!   policies; the sandbox models no IAM identity policies and assumes the customer's IAM
//!   policies allow their own principals (the admin, deploy roles). It never allows a principal
//!   of another account: cross-account use needs a direct grant in the key policy (Anthropic's
//!   role in account 915198916910 must be named; a grant to Anthropic's whole account is what
//!   Anthropic's validation rejects).
//!
//! The lockout check (`PutKeyPolicy` without `BypassPolicyLockoutSafetyCheck`) is the emulator's
//! job: it asks this authorizer whether the *proposed* policy lets the caller `kms:PutKeyPolicy`,
//! and refuses the document with `MalformedPolicyDocumentException` when it does not. The same
//! rules apply there (a root grant keeps same-account admins in).
//!
//! Reasons are the evaluator's explanations (which statement allowed or denied, which condition
//! failed); they hold policy and request facts only, never secrets.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::authz::{AuthzDecision, KeyPolicyAuthorizer, KmsRequestContext};
use crate::policy::aws::eval::{CompiledPolicy, Decision};
use crate::policy::aws::parse::parse_policy_text;
use crate::policy::aws::principal::RequestPrincipal;
use crate::policy::aws::request::Request;

/// Distinct policies kept compiled; beyond this the cache starts over (keys have few policies
/// over a test's life, so this bounds memory, not speed).
const CACHE_LIMIT: usize = 512;

type Compiled = Arc<Result<CompiledPolicy, String>>;

/// Decides KMS requests with the policy library's evaluator.
#[derive(Default)]
pub struct PolicyLibraryAuthorizer {
    cache: Mutex<HashMap<String, Compiled>>,
}

impl std::fmt::Debug for PolicyLibraryAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyLibraryAuthorizer")
            .finish_non_exhaustive()
    }
}

impl PolicyLibraryAuthorizer {
    pub fn new() -> Self {
        Self::default()
    }

    /// The compiled policy for `text`, from the cache or freshly parsed.
    fn compiled(&self, text: &str) -> Compiled {
        // A poisoned lock only means another thread panicked mid-insert; the map is still a
        // valid cache.
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = cache.get(text) {
            return hit.clone();
        }
        let compiled: Compiled = Arc::new(
            parse_policy_text(text)
                .map(|p| CompiledPolicy::new(&p.document))
                .map_err(|e| e.to_string()),
        );
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(text.to_string(), compiled.clone());
        compiled
    }

    /// Number of distinct policies compiled and cached (for tests).
    pub fn cached_policies(&self) -> usize {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// The evaluator's request for a KMS request context.
pub fn evaluator_request(ctx: &KmsRequestContext) -> Request {
    // A caller whose "ARN" is a service name (`aws-external-anthropic.amazonaws.com`) is an AWS
    // service principal: it matches `Principal: {"Service": ...}` statements only.
    let principal = if ctx.principal_arn.starts_with("arn:") {
        RequestPrincipal::Aws {
            arn: ctx.principal_arn.clone(),
            account: ctx.principal_account.clone(),
        }
    } else {
        RequestPrincipal::Service(ctx.principal_arn.clone())
    };
    let mut request = Request::new(principal, ctx.action.clone(), ctx.key_arn.clone());
    for (k, v) in &ctx.encryption_context {
        request = request.with_encryption_context(k, v);
    }
    if let Some(ip) = ctx.source_ip {
        request = request.with("aws:SourceIp", &ip.to_string());
    }
    request
}

impl KeyPolicyAuthorizer for PolicyLibraryAuthorizer {
    fn authorize(&self, policy_json: &str, ctx: &KmsRequestContext) -> AuthzDecision {
        let compiled = self.compiled(policy_json);
        let policy = match compiled.as_ref() {
            Ok(p) => p,
            Err(why) => {
                return AuthzDecision::deny(format!(
                    "denied: the key policy cannot be evaluated: {why}"
                ));
            }
        };
        let evaluation = policy.evaluate(&evaluator_request(ctx));
        match &evaluation.decision {
            Decision::Allow => AuthzDecision::allow(evaluation.explanation),
            Decision::DelegatedToAccount { account }
                if *account == ctx.key_account && ctx.is_same_account() =>
            {
                AuthzDecision::allow(format!(
                    "{}; allowed: the sandbox models no IAM identity policies and assumes account {account}'s IAM policies allow its own principals",
                    evaluation.explanation
                ))
            }
            Decision::DelegatedToAccount { account } => AuthzDecision::deny(format!(
                "denied: {}; the sandbox never allows a principal of account {} through a grant to account {account} (cross-account use needs a direct grant in the key policy)",
                evaluation.explanation, ctx.principal_account
            )),
            Decision::ExplicitDeny | Decision::ImplicitDeny => {
                AuthzDecision::deny(evaluation.explanation)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn ctx(principal: &str, action: &str) -> KmsRequestContext {
        let account = principal.split(':').nth(4).unwrap_or_default().to_string();
        KmsRequestContext {
            principal_arn: principal.to_string(),
            principal_account: account,
            action: action.to_string(),
            key_arn: "arn:aws:kms:us-east-2:111122223333:key/k".to_string(),
            key_account: "111122223333".to_string(),
            encryption_context: BTreeMap::new(),
            source_ip: None,
        }
    }

    const ROOT_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;

    #[test]
    fn root_grant_allows_same_account_only() {
        let a = PolicyLibraryAuthorizer::new();
        let admin = a.authorize(
            ROOT_ONLY,
            &ctx("arn:aws:iam::111122223333:user/admin", "kms:PutKeyPolicy"),
        );
        assert!(admin.allowed, "{}", admin.reason);
        let other = a.authorize(
            ROOT_ONLY,
            &ctx(
                "arn:aws:iam::915198916910:role/anthropic-cmek-client-us",
                "kms:Encrypt",
            ),
        );
        assert!(!other.allowed);
        assert!(
            other.reason.contains("no Allow statement names"),
            "{}",
            other.reason
        );
        assert_eq!(a.cached_policies(), 1);
    }

    #[test]
    fn unparsable_policy_denies_with_the_reason() {
        let a = PolicyLibraryAuthorizer::new();
        let d = a.authorize(
            "{not json",
            &ctx("arn:aws:iam::111122223333:user/admin", "kms:DescribeKey"),
        );
        assert!(!d.allowed);
        assert!(d.reason.contains("cannot be evaluated"), "{}", d.reason);
    }
}
