//! CMEK-AWS-014: Anthropic's statement requires an encryption-context key Anthropic never
//! sends. See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, anthropic_allows, condition_entries, is_if_exists, is_negated};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-014",
    summary: "Condition requires an encryption-context key Anthropic never sends",
    severity: Severity::Error,
    suppressible: true,
    section: "§4",
    remedy: "Remove the condition, or make it `...IfExists`; Anthropic sends only \
             `anthropic:org_uuid`, `anthropic:compartment_uuid` (and `associatedData` during \
             validation).",
    docs: "## What it does\nFlags conditions on Anthropic's statements that require a \
`kms:EncryptionContext:<key>` other than `anthropic:org_uuid` and `anthropic:compartment_uuid` \
(without `IfExists`).\n\n## Why it matters\nAnthropic's requests never carry such a key, so the \
condition never holds and the grant is dead: validation and traffic fail.\n\n## Example\n```json\n\
\"StringEquals\": {\"kms:EncryptionContext:team\": \"ml\"}\n```\n\n## Fix\nRemove the \
condition.\n\n## Source\ndomain/anthropic-cmek.md §4.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    let known = [
        cx.ids.aws.org_context_key.to_ascii_lowercase(),
        cx.ids.aws.compartment_context_key.to_ascii_lowercase(),
    ];
    for (i, st) in anthropic_allows(doc, cx, a.platform) {
        for (kind, raw, e) in condition_entries(st) {
            let Some(ctx_key) = e.key_lc.strip_prefix("kms:encryptioncontext:") else {
                continue;
            };
            if known.iter().any(|k| k == ctx_key) || is_if_exists(kind) || is_negated(kind) {
                continue;
            }
            out.push(Hit::new(
                format!(
                    "statement {} requires encryption-context key `{ctx_key}` (`{raw}`), which \
                     Anthropic never sends: the grant can never apply",
                    st.label(i)
                ),
                a.statement_location(i),
            ));
        }
    }
}
