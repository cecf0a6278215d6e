//! CMEK-GCP-006: the key lacks the `anthropic-org-<UUID>=true` label. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-GCP-006",
    summary: "Organization label anthropic-org-<UUID>=true missing",
    severity: Severity::Error,
    suppressible: false,
    section: "§3, §5",
    remedy: "Label the key `anthropic-org-<ORGANIZATION_UUID>=true`.",
    docs: "## What it does\nChecks that the key carries the label \
`anthropic-org-<ORGANIZATION_UUID>=true` for every organization it serves.\n\n## Why it matters\n\
A key without the organization binding fails validation.\n\n## Example\n```hcl\nlabels = { team = \
\"ml\" }\n```\n\n## Fix\nAdd the label (cmek adds it when it manages the key).\n\n## Source\n\
domain/anthropic-cmek.md §3, §5.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Gcp(g) = s else { return };
    let Some(labels) = &g.labels else { return };
    let prefix = cx.ids.gcp.label_prefix.as_str();
    if g.org_uuids.is_empty() {
        if !labels.keys().any(|k| k.starts_with(prefix)) {
            out.push(Hit::new(
                format!("no `{prefix}<ORGANIZATION_UUID>=true` label"),
                g.origin.clone(),
            ));
        }
        return;
    }
    for org in &g.org_uuids {
        let label = format!("{prefix}{org}");
        if labels.get(&label).map(String::as_str) != Some("true") {
            out.push(Hit::new(
                format!("label `{label}=true` missing"),
                g.origin.clone(),
            ));
        }
    }
}
