//! CMEK-GCP-001: the key ring's location is multi-region (`us`, `global`) or not in the US.
//! See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-GCP-001",
    summary: "Key ring location is multi-region or outside the US",
    severity: Severity::Error,
    suppressible: false,
    section: "§1, §5",
    remedy: "Use a single-region US location; `us-central1` or `us-east5` are recommended.",
    docs: "## What it does\nChecks the key ring location against the single-region US locations in \
`policies/regions.hcl`; multi-region locations such as `us` and `global` are rejected.\n\n## Why \
it matters\nAnthropic supports only single-region US locations; validation fails otherwise.\n\n\
## Example\n```hcl\nkey \"gcp\" \"prod\" { location = \"us\" }\n```\n\n## Fix\n`location = \
\"us-east5\"`.\n\n## Source\ndomain/anthropic-cmek.md §1, §5.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Gcp(g) = s else { return };
    let Some(loc) = g.location.as_deref() else {
        return;
    };
    let r = &cx.regions.gcp;
    if r.is_supported(loc) {
        return;
    }
    let msg = if r.multi_region_locations.iter().any(|m| m == loc) {
        format!("location `{loc}` is multi-region; Anthropic needs a single-region US location")
    } else {
        format!("location `{loc}` is not a supported US region")
    };
    out.push(Hit::new(msg, g.origin.clone()));
}
