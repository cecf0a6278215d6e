//! CMEK-AWS-012: no statement lets the owning account administer the key (policy lockout).
//! See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, grants};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::policy::aws::principal::{PrincipalClass, classify};
use crate::policy::aws::{Effect, PrincipalType};

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-012",
    summary: "Owner lockout: no principal of the owning account may change the key policy",
    severity: Severity::Error,
    suppressible: false,
    section: "§4",
    remedy: "Keep `AccountRootAdmin`: `arn:aws:iam::<ACCOUNT>:root`, `kms:*`, `Resource \"*\"`.",
    docs: "## What it does\nChecks that an unconditioned Allow statement grants \
`kms:PutKeyPolicy` to the owning account's root or to an identity of a customer account (not \
Anthropic's).\n\n## Why it matters\nWithout it nobody can fix the policy: the key becomes \
unmanageable, and rotation, audit and revocation stay out of the customer's hands.\n\n## Example\n\
A policy with only Anthropic's two statements.\n\n## Fix\nAdd the `AccountRootAdmin` statement.\n\n\
## Source\ndomain/anthropic-cmek.md §4 (statement 1).\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    let anthropic = cx.ids.aws.account_id.as_str();
    let admin = doc.statements.iter().any(|st| {
        st.effect == Effect::Allow
            && st.condition.as_ref().is_none_or(|c| c.clauses.is_empty())
            && grants(st, "kms:PutKeyPolicy")
            && st.principal.as_ref().is_some_and(|p| {
                p.entries().any(|(t, v)| {
                    *t == PrincipalType::Aws
                        && match classify(t, v) {
                            PrincipalClass::AccountRoot { account }
                            | PrincipalClass::Identity { account, .. } => {
                                account != anthropic
                                    && a.account_id.as_ref().is_none_or(|own| *own == account)
                            }
                            _ => false,
                        }
                })
            })
    });
    if !admin {
        out.push(Hit::new(
            "no unconditioned statement lets the owning account change the key policy \
             (kms:PutKeyPolicy): the key would be locked out",
            a.policy_origin.clone(),
        ));
    }
}
