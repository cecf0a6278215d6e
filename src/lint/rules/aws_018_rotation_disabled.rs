//! CMEK-AWS-018: automatic rotation is off. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-018",
    summary: "Automatic key rotation is disabled",
    severity: Severity::Warning,
    suppressible: true,
    section: "§1",
    remedy: "Set `rotation = true` (rotation within the same key needs no change at Anthropic).",
    docs: "## What it does\nFlags AWS keys with `rotation = false`.\n\n## Why it matters\nRotation \
within the same key is transparent to Anthropic and limits how much data one key version \
protects. Earlier versions stay enabled, so nothing becomes unreadable.\n\n## Example\n```hcl\nkey \
\"aws\" \"prod\" { rotation = false }\n```\n\n## Fix\n`rotation = true`.\n\n## Source\n\
domain/anthropic-cmek.md §1 (rotation).\n",
};

pub fn check(s: &Subject, _cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Aws(a) = s else { return };
    if a.rotation == Some(false) {
        out.push(Hit::new(
            "automatic rotation is disabled for this key",
            a.origin.clone(),
        ));
    }
}
