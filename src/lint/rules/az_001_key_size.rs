//! CMEK-AZ-001: RSA key smaller than 3072 bits. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AZ-001",
    summary: "Azure key smaller than 3072 bits",
    severity: Severity::Error,
    suppressible: false,
    section: "§6",
    remedy: "Use `key_size = 3072` or larger.",
    docs: "## What it does\nChecks that Azure keys are RSA keys of 3072 bits or more.\n\n## Why it \
matters\nAnthropic requires RSA 3072+ (`RSA` or `RSA-HSM`); smaller keys fail validation.\n\n\
## Example\n```hcl\nkey \"azure\" \"prod\" { key_size = 2048 }\n```\n\n## Fix\n`key_size = \
3072`.\n\n## Source\ndomain/anthropic-cmek.md §6.\n",
};

pub fn check(s: &Subject, _cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Azure(z) = s else { return };
    if let Some(size) = z.key_size
        && size < 3072
    {
        out.push(Hit::new(
            format!("key size {size} is below the required 3072 bits"),
            z.origin.clone(),
        ));
    }
}
