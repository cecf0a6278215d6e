//! CMEK-GCP-004: `allUsers` or `allAuthenticatedUsers` bound on the key. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-GCP-004",
    summary: "Public members (allUsers, allAuthenticatedUsers) bound on the key",
    severity: Severity::Error,
    suppressible: false,
    section: "§5",
    remedy: "Remove `allUsers` / `allAuthenticatedUsers` from the key's IAM policy.",
    docs: "## What it does\nFlags bindings on the key that include `allUsers` or \
`allAuthenticatedUsers`.\n\n## Why it matters\nAnyone (or any Google account) could use or read \
the key that protects the organization's data.\n\n## Example\n```json\n{\"role\": \
\"roles/cloudkms.cryptoKeyDecrypter\", \"members\": [\"allAuthenticatedUsers\"]}\n```\n\n## Fix\n\
Remove the members.\n\n## Source\ndomain/anthropic-cmek.md §5.\n",
};

pub fn check(s: &Subject, _cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Gcp(g) = s else { return };
    let Some(iam) = &g.iam else { return };
    for (i, b) in iam.bindings.iter().enumerate() {
        for m in &b.members {
            if m == "allUsers" || m == "allAuthenticatedUsers" {
                out.push(Hit::new(
                    format!("binding of `{}` includes public member `{m}`", b.role),
                    g.binding_location(i),
                ));
            }
        }
    }
}
