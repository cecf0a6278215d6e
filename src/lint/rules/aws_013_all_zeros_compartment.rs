//! CMEK-AWS-013: a compartment list on a statement granting `kms:Encrypt` lacks the all-zeros
//! UUID key validation sends. See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, anthropic_allows, condition_entries, grants};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::spec::model::Platform;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-013",
    summary: "Compartment list on Encrypt lacks the all-zeros UUID used by key validation",
    severity: Severity::Error,
    suppressible: true,
    section: "§4",
    remedy: "Add `00000000-0000-0000-0000-000000000000` to the compartment list.",
    docs: "## What it does\nWhen an Anthropic statement that grants `kms:Encrypt` has a condition \
on `kms:EncryptionContext:anthropic:compartment_uuid`, checks that the list holds the all-zeros \
UUID `00000000-0000-0000-0000-000000000000`.\n\n## Why it matters\nKey validation runs before \
attachment and sends the all-zeros compartment: without it validation fails (docs since 22 July \
2026).\n\n## Example\n```json\n\"StringEqualsIfExists\": \
{\"kms:EncryptionContext:anthropic:compartment_uuid\": [\"7d3e9a10-4b2c-4f8e-9a1d-5c6b7e8f9a0b\"]}\n```\n\n\
## Fix\nKeep the all-zeros UUID in the list.\n\n## Source\ndomain/anthropic-cmek.md §4.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    if a.platform == Platform::ClaudePlatformAws || !cx.all_zeros_required() {
        // Validated at attach with the workspace's compartment; or the June 2026 docs
        // (`--docs-era june_2026`), when validation sent the workspace's compartment.
        return;
    }
    let comp_key = crate::lint::facts::context_condition_key(&cx.ids.aws.compartment_context_key);
    let zeros = cx.ids.aws.validation_compartment.as_str();
    for (i, st) in anthropic_allows(doc, cx, a.platform) {
        if !grants(st, "kms:Encrypt") {
            continue;
        }
        for (kind, raw, e) in condition_entries(st) {
            if e.key_lc != comp_key || crate::lint::facts::is_negated(kind) {
                continue;
            }
            if !e.values.iter().any(|v| v.as_text() == zeros) {
                out.push(Hit::new(
                    format!(
                        "statement {} limits Encrypt to compartments (`{raw}`) without the \
                         all-zeros UUID `{zeros}` that key validation sends",
                        st.label(i)
                    ),
                    a.statement_location(i),
                ));
            }
        }
    }
}
