//! CMEK-GCP-009: Anthropic's service account is granted a role on the project or key ring
//! instead of on the key. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-GCP-009",
    summary: "Anthropic's service account bound at project or key ring level, not on the key",
    severity: Severity::Error,
    suppressible: false,
    section: "§5",
    remedy: "Grant the two roles with `google_kms_crypto_key_iam_member` on the key itself and \
             remove the project / key ring grant.",
    docs: "## What it does\nFlags IAM grants to Anthropic's service account \
(`anthropic-cmek-client-us@gcp-anthropic-cmek-clients.iam.gserviceaccount.com`) made on the \
project (`google_project_iam_*`) or the key ring (`google_kms_key_ring_iam_*`) that hold a key, \
in Terraform plans.\n\n## Why it matters\nThe docs require both bindings on the key itself. A \
grant on the project or key ring gives Anthropic every key in it, present and future, which is \
more than one organization's CMEK key, and reviewers of the key's own policy do not see it.\n\n\
## Example\n```hcl\nresource \"google_project_iam_member\" \"anthropic\" {\n  project = \
\"acme-prod\"\n  role    = \"roles/cloudkms.cryptoKeyEncrypterDecrypter\"\n  member  = \
\"serviceAccount:anthropic-cmek-client-us@gcp-anthropic-cmek-clients.iam.gserviceaccount.com\"\n}\n\
```\n\n## Fix\nUse `google_kms_crypto_key_iam_member` with `crypto_key_id = \
google_kms_crypto_key.cmek.id` for `roles/cloudkms.cryptoKeyEncrypterDecrypter` and \
`roles/cloudkms.viewer`.\n\n## Source\ndomain/anthropic-cmek.md §5 (two IAM bindings on the key \
itself, not project or key ring).\n",
};

pub fn check(s: &Subject, _cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Gcp(g) = s else { return };
    for w in &g.wide_bindings {
        out.push(Hit::new(
            format!(
                "`{}` grants `{}` to Anthropic's service account on the {}, not on the key",
                w.resource, w.role, w.level
            ),
            w.location.clone(),
        ));
    }
}
