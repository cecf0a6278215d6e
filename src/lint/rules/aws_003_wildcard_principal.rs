//! CMEK-AWS-003: `"Principal": "*"` (or `{"AWS": "*"}`) in an Allow without a condition that
//! restricts who the caller is. See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, condition_entries};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::policy::aws::{Effect, PrincipalBlock};

/// Condition keys that narrow *who* may call (lowercase).
const CALLER_KEYS: &[&str] = &[
    "kms:calleraccount",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalarn",
    "aws:principalorgpaths",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:userid",
];

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-003",
    summary: "Wildcard principal in an Allow without a condition restricting the caller",
    severity: Severity::Error,
    suppressible: true,
    section: "§4",
    remedy: "Name the principals explicitly, or add a condition on `kms:CallerAccount`, \
             `aws:PrincipalAccount`, `aws:PrincipalOrgID` or `aws:PrincipalArn`.",
    docs: "## What it does\nFlags Allow statements whose principal is `*` unless a condition narrows \
the caller (`kms:CallerAccount`, `aws:PrincipalAccount`, `aws:PrincipalOrgID`, `aws:PrincipalArn`, \
`aws:SourceAccount`, `aws:SourceArn`, `aws:userid`). Unlike checks that skip every statement with a \
condition, a condition on something else (an encryption context, a `kms:ViaService`) does not \
count.\n\n## Why it matters\nA key policy is the only thing that grants cross-account access: a \
wildcard lets every AWS account use the CMEK key.\n\n## Example\n```json\n{\"Effect\": \"Allow\", \
\"Principal\": \"*\", \"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}\n```\n\n## Fix\nName the \
principals.\n\n## Source\ndomain/anthropic-cmek.md §4.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let _ = cx;
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    for (i, st) in doc.statements.iter().enumerate() {
        if st.effect != Effect::Allow {
            continue;
        }
        let wildcard = st
            .principal
            .as_ref()
            .is_some_and(|p| *p == PrincipalBlock::Wildcard || p.entries().any(|(_, v)| v == "*"));
        if !wildcard {
            continue;
        }
        let restricted = condition_entries(st)
            .iter()
            .any(|(_, _, e)| CALLER_KEYS.contains(&e.key_lc.as_str()));
        if !restricted {
            out.push(Hit::new(
                format!(
                    "statement {} allows any principal (`*`) without a condition on the caller",
                    st.label(i)
                ),
                a.statement_location(i),
            ));
        }
    }
}
