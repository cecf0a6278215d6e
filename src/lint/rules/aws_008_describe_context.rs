//! CMEK-AWS-008: an encryption-context condition on a statement granting `kms:DescribeKey`.
//! See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, anthropic_allows, condition_entries, grants, is_if_exists};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-008",
    summary: "Encryption-context condition on DescribeKey always denies",
    severity: Severity::Error,
    suppressible: false,
    section: "§4",
    remedy: "Move `kms:DescribeKey` to its own statement (`AllowAnthropicCMEKDescribe`) without a \
             condition.",
    docs: "## What it does\nFlags Anthropic statements that grant `kms:DescribeKey` under a \
`kms:EncryptionContext:*` condition (other than `...IfExists`).\n\n## Why it matters\n\
`DescribeKey` carries no encryption context, so the condition never holds: Anthropic's start-up \
metadata read is denied and validation fails. Generic linters do not know this.\n\n## Example\n\
```json\n{\"Action\": [\"kms:Encrypt\", \"kms:Decrypt\", \"kms:DescribeKey\"], \"Condition\": \
{\"StringEquals\": {\"kms:EncryptionContext:anthropic:org_uuid\": \"...\"}}}\n```\n\n## Fix\nGrant \
`kms:DescribeKey` in a separate statement with no condition.\n\n## Source\n\
domain/anthropic-cmek.md §4 (statement 3).\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    for (i, st) in anthropic_allows(doc, cx, a.platform) {
        if !grants(st, "kms:DescribeKey") {
            continue;
        }
        for (kind, raw, e) in condition_entries(st) {
            if e.key_lc.starts_with("kms:encryptioncontext") && !is_if_exists(kind) {
                out.push(Hit::new(
                    format!(
                        "statement {} grants kms:DescribeKey under `{raw}` on `{}`: DescribeKey \
                         carries no encryption context, so this always denies",
                        st.label(i),
                        e.key
                    ),
                    a.statement_location(i),
                ));
            }
        }
    }
}
