//! The caller-lockout check: before anything is sent, every AWS key policy the plan would write
//! (a new key's, an access update's, a restore's) must still let the caller (the identity STS
//! GetCallerIdentity names) change the key policy, directly or through its account's root
//! statement. KMS itself refuses such a policy (the lockout safety check, which cmek never
//! bypasses), but only at the PutKeyPolicy/CreateKey call, possibly after other changes of the
//! same run; refusing here keeps the run from starting at all.
//!
//! The decision is the policy library's evaluator's for `kms:PutKeyPolicy` by the caller:
//! allowed, or delegated to the caller's own account (a root statement; IAM decides there, as
//! KMS's check does). An assumed-role session is evaluated as its role (`aws:PrincipalArn`).

use crate::plan::Plan;
use crate::plan::input::AccessDoc;
use crate::plan::model::Action;
use crate::policy::aws::eval::{Decision, evaluate};
use crate::policy::aws::parse::parse_policy_value;
use crate::policy::aws::principal::RequestPrincipal;
use crate::policy::aws::request::Request;
use crate::providers::aws::CallerIdentity;

/// The IAM principal ARN (`aws:PrincipalArn`) of a caller ARN: the role for an assumed-role
/// session (`arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R`), else unchanged.
pub fn principal_arn(caller_arn: &str) -> String {
    let mut parts = caller_arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("sts"), Some(_), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return caller_arn.to_string();
    };
    match resource
        .strip_prefix("assumed-role/")
        .and_then(|r| r.split('/').next())
    {
        Some(role) if !role.is_empty() => format!("arn:{partition}:iam::{account}:role/{role}"),
        _ => caller_arn.to_string(),
    }
}

/// Why the policy `doc` would lock `caller` out, or `None` when the caller keeps
/// `kms:PutKeyPolicy`.
pub fn lockout_reason(doc: &serde_json::Value, caller: &CallerIdentity) -> Option<String> {
    let parsed = match parse_policy_value(doc) {
        Ok(p) => p,
        Err(e) => return Some(format!("the key policy cannot be read: {e}")),
    };
    let principal = principal_arn(&caller.arn);
    let request = Request::new(
        RequestPrincipal::Aws {
            arn: principal.clone(),
            account: caller.account.clone(),
        },
        "kms:PutKeyPolicy",
        format!("arn:aws:kms:*:{}:key/*", caller.account),
    );
    let evaluation = evaluate(&parsed, &request);
    match &evaluation.decision {
        Decision::Allow => None,
        Decision::DelegatedToAccount { account } if *account == caller.account => None,
        _ => Some(format!(
            "{principal} could no longer change the key policy ({})",
            evaluation.explanation
        )),
    }
}

/// Every AWS key policy the plan would write that locks `caller` out, as `address: reason`.
pub fn caller_lockouts(plan: &Plan, caller: &CallerIdentity) -> Vec<String> {
    plan.actions
        .iter()
        .filter_map(|a| {
            let doc = match &a.action {
                Action::CreateKey {
                    access: AccessDoc::AwsPolicy(doc),
                    ..
                }
                | Action::UpdateKeyAccess {
                    after: AccessDoc::AwsPolicy(doc),
                    ..
                }
                | Action::RestoreAccess {
                    after: AccessDoc::AwsPolicy(doc),
                    ..
                } => doc,
                _ => return None,
            };
            lockout_reason(doc, caller).map(|why| format!("{}: {why}", a.address))
        })
        .collect()
}

/// The error for a plan with lockouts, or `Ok` when there are none.
pub fn refuse_caller_lockouts(plan: &Plan, caller: Option<&CallerIdentity>) -> Result<(), String> {
    let Some(caller) = caller else {
        return Ok(());
    };
    let lockouts = caller_lockouts(plan, caller);
    if lockouts.is_empty() {
        return Ok(());
    }
    Err(format!(
        "refusing to plan: the key policy would lock out the identity running cmek ({}), and KMS would refuse it (policy lockout safety check); nothing was changed:\n  {}\nhelp: keep the `AccountRootAdmin` statement for account {}, or list this identity (or its role) in `admins` / the policy",
        caller.arn,
        lockouts.join("\n  "),
        caller.account
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn caller(arn: &str) -> CallerIdentity {
        CallerIdentity {
            account: "123456789012".into(),
            arn: arn.into(),
        }
    }

    fn policy(principal: &str, action: &str) -> serde_json::Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "Admin", "Effect": "Allow",
                "Principal": {"AWS": principal},
                "Action": action, "Resource": "*"
            }]
        })
    }

    #[test]
    fn assumed_role_sessions_are_their_role() {
        assert_eq!(
            principal_arn("arn:aws:sts::123456789012:assumed-role/Deploy/ci-42"),
            "arn:aws:iam::123456789012:role/Deploy"
        );
        assert_eq!(
            principal_arn("arn:aws:iam::123456789012:user/alice"),
            "arn:aws:iam::123456789012:user/alice"
        );
    }

    #[test]
    fn root_of_the_callers_account_keeps_it_in() {
        let me = caller("arn:aws:sts::123456789012:user/moto");
        assert!(lockout_reason(&policy("arn:aws:iam::123456789012:root", "kms:*"), &me).is_none());
        assert!(lockout_reason(&policy("123456789012", "kms:*"), &me).is_none());
    }

    #[test]
    fn a_named_role_keeps_its_sessions_in() {
        let me = caller("arn:aws:sts::123456789012:assumed-role/Deploy/s");
        let doc = policy("arn:aws:iam::123456789012:role/Deploy", "kms:Put*");
        assert!(lockout_reason(&doc, &me).is_none());
    }

    #[test]
    fn other_principals_or_missing_put_lock_the_caller_out() {
        let me = caller("arn:aws:iam::123456789012:user/moto");
        let other = policy("arn:aws:iam::123456789012:role/SomeoneElse", "kms:*");
        assert!(lockout_reason(&other, &me).unwrap().contains("user/moto"));
        let no_put = policy("arn:aws:iam::123456789012:root", "kms:Describe*");
        assert!(lockout_reason(&no_put, &me).is_some());
        let other_account = policy("arn:aws:iam::999988887777:root", "kms:*");
        assert!(lockout_reason(&other_account, &me).is_some());
    }
}
