//! CMEK-GEN-001: a condition operator IAM does not know. See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-GEN-001",
    summary: "Unknown condition operator",
    severity: Severity::Warning,
    suppressible: true,
    section: "§4",
    remedy: "Use an operator AWS documents (e.g. `StringEquals`, `StringEqualsIfExists`).",
    docs: "## What it does\nFlags condition operators that are not IAM operators (typos such as \
`StringEqual`, `IfExists` on `Null`).\n\n## Why it matters\nAWS rejects the policy, or — if an \
old policy slipped through — the condition never holds, so the statement is dead.\n\n## Example\n\
```json\n\"Condition\": {\"StringEqual\": {\"kms:EncryptionContext:anthropic:org_uuid\": \"...\"}}\n```\n\n\
## Fix\nCorrect the operator name.\n\n## Source\ndomain/anthropic-cmek.md §4.\n",
};

pub fn check(s: &Subject, _cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    for u in doc.unknown_operators() {
        out.push(Hit::new(
            format!(
                "statement {} uses unknown condition operator `{}`",
                u.sid
                    .clone()
                    .unwrap_or_else(|| format!("#{}", u.statement_index)),
                u.operator
            ),
            a.statement_location(u.statement_index),
        ));
    }
}
