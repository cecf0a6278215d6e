//! CMEK-AWS-009: Anthropic is granted crypto but not `kms:DescribeKey`. See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, anthropic_allows, grants};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-009",
    summary: "Describe statement missing: Anthropic cannot read the key's metadata",
    severity: Severity::Error,
    suppressible: false,
    section: "§4",
    remedy: "Add `AllowAnthropicCMEKDescribe`: Anthropic's role, `kms:DescribeKey`, `Resource \
             \"*\"`, no condition.",
    docs: "## What it does\nChecks that an Allow statement grants Anthropic's principal \
`kms:DescribeKey` when it is granted anything at all.\n\n## Why it matters\nAnthropic reads the \
key's metadata at start-up and during validation; without it the key fails validation.\n\n\
## Example\nA policy with only `AllowAnthropicCMEKCrypto`.\n\n## Fix\nAdd the describe statement.\n\n\
## Source\ndomain/anthropic-cmek.md §4 (statement 3).\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    let stmts: Vec<_> = anthropic_allows(doc, cx, a.platform).collect();
    if stmts.is_empty() || stmts.iter().any(|(_, st)| grants(st, "kms:DescribeKey")) {
        return;
    }
    out.push(Hit::new(
        "no Allow statement grants `kms:DescribeKey` to Anthropic's principal",
        a.policy_origin.clone(),
    ));
}
