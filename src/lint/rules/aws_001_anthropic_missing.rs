//! CMEK-AWS-001: no statement lets Anthropic's published principal encrypt and decrypt.
//! See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, anthropic_allows, grants};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-001",
    summary: "Anthropic's principal is missing from the crypto statement",
    severity: Severity::Error,
    suppressible: false,
    section: "§2, §4",
    remedy: "Add the `AllowAnthropicCMEKCrypto` statement for \
             `arn:aws:iam::915198916910:role/anthropic-cmek-client-us` with `kms:Encrypt` and \
             `kms:Decrypt` (or let cmek render the policy).",
    docs: "## What it does\nChecks that an Allow statement names Anthropic's published principal \
(the role `arn:aws:iam::915198916910:role/anthropic-cmek-client-us`, or the service principal \
`aws-external-anthropic.amazonaws.com` on Claude Platform on AWS) for both `kms:Encrypt` and \
`kms:Decrypt`.\n\n## Why it matters\nWithout it, key validation fails and no workspace can use the \
key. Cross-account access must be granted in the key policy; IAM policies cannot grant it.\n\n\
## Example\n```json\n{\"Sid\": \"AllowAnthropicCMEKCrypto\", \"Effect\": \"Allow\", \"Principal\": \
{\"AWS\": \"arn:aws:iam::111122223333:root\"}, \"Action\": [\"kms:Encrypt\", \"kms:Decrypt\"], \
\"Resource\": \"*\"}\n```\n\n## Fix\nName the published role exactly, with `kms:Encrypt` and \
`kms:Decrypt`.\n\n## Source\ndomain/anthropic-cmek.md §2 (identities), §4 (policy statements).\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    let stmts: Vec<_> = anthropic_allows(doc, cx, a.platform).collect();
    for action in ["kms:Encrypt", "kms:Decrypt"] {
        if !stmts.iter().any(|(_, st)| grants(st, action)) {
            out.push(Hit::new(
                format!(
                    "no Allow statement grants `{action}` to Anthropic's published principal `{}`",
                    cx.anthropic_principal(a.platform)
                ),
                a.policy_origin.clone(),
            ));
        }
    }
}
