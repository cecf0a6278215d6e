//! CMEK-AWS-006: the crypto statement has no `StringEquals` on
//! `kms:EncryptionContext:anthropic:org_uuid`. See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{
    Ctx, anthropic_allows, condition_entries, grants, is_if_exists, is_string_equals,
};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::spec::model::Platform;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-006",
    summary: "Organization binding missing: no StringEquals on kms:EncryptionContext:anthropic:org_uuid",
    severity: Severity::Error,
    suppressible: false,
    section: "§3, §4",
    remedy: "Add `\"StringEquals\": {\"kms:EncryptionContext:anthropic:org_uuid\": [\"<org uuid>\"]}` \
             to the crypto statement.",
    docs: "## What it does\nChecks that every statement granting Anthropic `kms:Encrypt` carries a \
`StringEquals` condition on `kms:EncryptionContext:anthropic:org_uuid` (not `...IfExists`, which \
holds when the key is absent).\n\n## Why it matters\nUnder the current docs a key without the \
organization binding fails validation, and without it any Anthropic organization's traffic could \
use the key. Keys registered under the June or July 2026 docs had no binding: lint those with \
`--docs-era june_2026` or `--docs-era july_2026` to check them against the docs they followed.\n\n## Example\nThe June/July 2026 policy shape: the crypto statement with only a \
compartment condition.\n\n## Fix\n```json\n\"Condition\": {\"StringEquals\": \
{\"kms:EncryptionContext:anthropic:org_uuid\": [\"4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f\"]}}\n```\n\n\
## Source\ndomain/anthropic-cmek.md §3 (organization binding), §4 (policy versions).\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    if a.platform == Platform::ClaudePlatformAws || !cx.org_binding_required() {
        // The service principal's statements carry no org condition; the June and July 2026
        // docs (`--docs-era`) had none either.
        return;
    }
    let org_key = crate::lint::facts::context_condition_key(&cx.ids.aws.org_context_key);
    for (i, st) in anthropic_allows(doc, cx, a.platform) {
        if !grants(st, "kms:Encrypt") {
            continue;
        }
        let bound = condition_entries(st).iter().any(|(kind, _, e)| {
            e.key_lc == org_key && is_string_equals(*kind) && !is_if_exists(*kind)
        });
        if !bound {
            out.push(Hit::new(
                format!(
                    "statement {} lets Anthropic encrypt without a `StringEquals` condition on \
                     `kms:EncryptionContext:{}`",
                    st.label(i),
                    cx.ids.aws.org_context_key
                ),
                a.statement_location(i),
            ));
        }
    }
}
