//! CMEK-AWS-004: `NotPrincipal` with `Allow`. See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::policy::aws::Effect;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-004",
    summary: "NotPrincipal with Allow grants everyone except the listed principals",
    severity: Severity::Error,
    suppressible: false,
    section: "§4",
    remedy: "Use `Principal` with the principals that should have access.",
    docs: "## What it does\nFlags Allow statements that use `NotPrincipal`.\n\n## Why it matters\n\
`Allow` + `NotPrincipal` grants every principal in every account except the listed ones: the CMEK \
key becomes usable by anyone.\n\n## Example\n```json\n{\"Effect\": \"Allow\", \"NotPrincipal\": \
{\"AWS\": \"arn:aws:iam::111122223333:role/Intern\"}, \"Action\": \"kms:*\", \"Resource\": \"*\"}\n```\n\n\
## Fix\nName the principals in `Principal`.\n\n## Source\ndomain/anthropic-cmek.md §4.\n",
};

pub fn check(s: &Subject, _cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    for (i, st) in doc.statements.iter().enumerate() {
        if st.effect == Effect::Allow && st.not_principal.is_some() {
            out.push(Hit::new(
                format!(
                    "statement {} uses NotPrincipal with Allow: everyone except the listed \
                     principals may use the key",
                    st.label(i)
                ),
                a.statement_location(i),
            ));
        }
    }
}
