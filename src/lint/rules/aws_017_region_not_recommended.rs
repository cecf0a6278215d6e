//! CMEK-AWS-017: the key is in a supported US region, but not the one recommended for latency.
//! See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-017",
    summary: "Key region is supported but not the recommended one (latency)",
    severity: Severity::Info,
    suppressible: true,
    section: "§1",
    remedy: "For new keys prefer `us-east-2`.",
    docs: "## What it does\nReports keys in a supported US region other than the recommended \
`us-east-2`.\n\n## Why it matters\nEvery request Anthropic makes wraps or unwraps with the key; \
the recommended region has the lowest latency.\n\n## Example\n```hcl\nkey \"aws\" \"prod\" { \
region = \"us-west-2\" }\n```\n\n## Fix\nCreate new keys in `us-east-2`. Existing keys can stay.\n\n\
## Source\ndomain/anthropic-cmek.md §1.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Aws(a) = s else { return };
    let Some(region) = a.region.as_deref() else {
        return;
    };
    let r = &cx.regions.aws;
    if r.is_supported(region) && !r.is_recommended(region) {
        out.push(Hit::new(
            format!(
                "region `{region}` is supported; `{}` is recommended for latency",
                r.recommended.join("`, `")
            ),
            a.origin.clone(),
        ));
    }
}
