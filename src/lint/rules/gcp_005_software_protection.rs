//! CMEK-GCP-005: software protection level (HSM strongly recommended). See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::spec::model::GcpProtectionLevel;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-GCP-005",
    summary: "Software protection level; HSM is strongly recommended",
    severity: Severity::Info,
    suppressible: true,
    section: "§5",
    remedy: "Use `protection_level = \"HSM\"` for new keys.",
    docs: "## What it does\nReports Cloud KMS keys with protection level `SOFTWARE`.\n\n## Why it \
matters\nThe docs strongly recommend HSM protection; software keys are allowed.\n\n## Example\n\
```hcl\nkey \"gcp\" \"prod\" { protection_level = \"SOFTWARE\" }\n```\n\n## Fix\n\
`protection_level = \"HSM\"` (a new key; the level cannot change).\n\n## Source\n\
domain/anthropic-cmek.md §5.\n",
};

pub fn check(s: &Subject, _cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Gcp(g) = s else { return };
    if g.protection_level == Some(GcpProtectionLevel::Software) {
        out.push(Hit::new(
            "protection level SOFTWARE; HSM is strongly recommended",
            g.origin.clone(),
        ));
    }
}
