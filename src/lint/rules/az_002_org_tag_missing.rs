//! CMEK-AZ-002: the key lacks the `anthropic-org-<UUID>=true` tag. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AZ-002",
    summary: "Organization tag anthropic-org-<UUID>=true missing",
    severity: Severity::Error,
    suppressible: false,
    section: "§3, §6",
    remedy: "Tag the key `anthropic-org-<ORGANIZATION_UUID>=true` (re-send existing tags: \
             set-attributes replaces them all).",
    docs: "## What it does\nChecks that the key carries the tag \
`anthropic-org-<ORGANIZATION_UUID>=true` for every organization it serves, and that the key stays \
within 15 tags.\n\n## Why it matters\nA key without the organization binding fails validation.\n\n\
## Example\n```hcl\ntags = { team = \"ml\" }\n```\n\n## Fix\nAdd the tag (cmek adds it when it \
manages the key).\n\n## Source\ndomain/anthropic-cmek.md §3, §6.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Azure(z) = s else { return };
    let Some(tags) = &z.tags else { return };
    let prefix = cx.ids.azure.tag_prefix.as_str();
    for org in &z.org_uuids {
        let tag = format!("{prefix}{org}");
        if tags.get(&tag).map(String::as_str) != Some("true") {
            out.push(Hit::new(
                format!("tag `{tag}=true` missing"),
                z.origin.clone(),
            ));
        }
    }
    let max = cx.ids.azure.max_tags as usize;
    if tags.len() > max {
        out.push(Hit::new(
            format!("{} tags; a key version holds at most {max}", tags.len()),
            z.origin.clone(),
        ));
    }
}
