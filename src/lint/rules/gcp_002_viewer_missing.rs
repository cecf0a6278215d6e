//! CMEK-GCP-002: no `roles/cloudkms.viewer` binding for Anthropic's service account.
//! See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-GCP-002",
    summary: "Viewer role binding for Anthropic's service account missing",
    severity: Severity::Error,
    suppressible: false,
    section: "§5",
    remedy: "Bind `roles/cloudkms.viewer` on the key to \
             `serviceAccount:anthropic-cmek-client-us@gcp-anthropic-cmek-clients.iam.gserviceaccount.com`.",
    docs: "## What it does\nChecks that the key's IAM policy binds `roles/cloudkms.viewer` to \
Anthropic's service account.\n\n## Why it matters\nThe viewer role covers the `cryptoKeys.get` \
metadata read Anthropic makes at start-up; without it validation fails.\n\n## Example\nAn IAM \
policy with only `roles/cloudkms.cryptoKeyEncrypterDecrypter`.\n\n## Fix\nAdd the viewer binding on \
the key itself.\n\n## Source\ndomain/anthropic-cmek.md §5.\n",
};

pub(crate) fn missing_role(s: &Subject, cx: &Ctx, role: &str, out: &mut Vec<Hit>) {
    let Subject::Gcp(g) = s else { return };
    let Some(iam) = &g.iam else { return };
    let member = cx.ids.gcp.member.as_str();
    if !iam
        .bindings
        .iter()
        .any(|b| b.role == role && b.members.iter().any(|m| m == member))
    {
        out.push(Hit::new(
            format!("no binding of `{role}` for `{member}` on the key"),
            g.origin.clone(),
        ));
    }
}

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    missing_role(s, cx, "roles/cloudkms.viewer", out);
}
