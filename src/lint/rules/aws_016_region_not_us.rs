//! CMEK-AWS-016: the key's region is not a supported US commercial region. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-016",
    summary: "Key region is not a supported US region (non-US or GovCloud)",
    severity: Severity::Error,
    suppressible: false,
    section: "§1, §4",
    remedy: "Create the key in a US commercial region; `us-east-2` is recommended.",
    docs: "## What it does\nChecks the key's region (spec `region`, or `--region` for a raw policy) \
against the US commercial regions in `policies/regions.hcl`. GovCloud regions are US but in a \
partition Anthropic's role is not in.\n\n## Why it matters\nAll CMEK encryption operations run in \
US regions; EU residency is not supported and the key fails validation.\n\n## Example\n```hcl\nkey \
\"aws\" \"prod\" { region = \"eu-west-1\" }\n```\n\n## Fix\nUse `us-east-2` (recommended), \
`us-east-1`, `us-west-1` or `us-west-2`.\n\n## Source\ndomain/anthropic-cmek.md §1, §4.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Aws(a) = s else { return };
    let Some(region) = a.region.as_deref() else {
        return;
    };
    let r = &cx.regions.aws;
    if r.is_supported(region) {
        return;
    }
    let msg = if r.govcloud.iter().any(|g| g == region) {
        format!("region `{region}` is AWS GovCloud, a partition Anthropic's role is not in")
    } else {
        format!(
            "region `{region}` is not a supported US region (supported: {})",
            r.us_regions.join(", ")
        )
    };
    out.push(Hit::new(msg, a.origin.clone()));
}
