//! CMEK-GCP-003: no `roles/cloudkms.cryptoKeyEncrypterDecrypter` binding for Anthropic's
//! service account. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-GCP-003",
    summary: "Encrypter/decrypter role binding for Anthropic's service account missing",
    severity: Severity::Error,
    suppressible: false,
    section: "§5",
    remedy: "Bind `roles/cloudkms.cryptoKeyEncrypterDecrypter` on the key to \
             `serviceAccount:anthropic-cmek-client-us@gcp-anthropic-cmek-clients.iam.gserviceaccount.com`.",
    docs: "## What it does\nChecks that the key's IAM policy binds \
`roles/cloudkms.cryptoKeyEncrypterDecrypter` to Anthropic's service account.\n\n## Why it \
matters\nWithout it Anthropic cannot wrap or unwrap data keys: validation fails.\n\n## Example\nAn \
IAM policy with only `roles/cloudkms.viewer`.\n\n## Fix\nAdd the binding on the key itself (not \
the project or key ring).\n\n## Source\ndomain/anthropic-cmek.md §5.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    super::gcp_002_viewer_missing::missing_role(
        s,
        cx,
        "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        out,
    );
}
