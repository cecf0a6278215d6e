//! CMEK-AWS-015: multi-region key. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-015",
    summary: "Multi-region keys are not supported",
    severity: Severity::Error,
    suppressible: false,
    section: "§1, §4",
    remedy: "Use a single-region key (`multi_region = false`) in a US region.",
    docs: "## What it does\nFlags keys declared with `multi_region = true` and key ids starting \
with `mrk-`.\n\n## Why it matters\nAnthropic rejects multi-region keys: all CMEK operations run in \
US regions and multi-region keys are not supported.\n\n## Example\n```hcl\nkey \"aws\" \"prod\" {\n  \
region       = \"us-east-2\"\n  multi_region = true\n}\n```\n\n## Fix\nSet `multi_region = false`.\n\n\
## Source\ndomain/anthropic-cmek.md §1 (US only), §4 (key properties).\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Aws(a) = s else { return };
    let prefix = cx
        .regions
        .aws
        .multi_region_key_prefix
        .as_deref()
        .unwrap_or("mrk-");
    let id_is_mrk = a
        .key_id
        .as_deref()
        .map(|k| k.rsplit('/').next().unwrap_or(k))
        .is_some_and(|k| k.starts_with(prefix));
    if a.multi_region == Some(true) || id_is_mrk {
        out.push(Hit::new(
            "multi-region keys are rejected by Anthropic; use a single-region key",
            a.origin.clone(),
        ));
    }
}
