//! CMEK-AWS-002: a principal that looks like Anthropic's but is not the published one.
//! See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, edit_distance, fold_confusables, lookalike_reason};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::policy::aws::PrincipalType;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-002",
    summary: "Look-alike of Anthropic's principal (wrong account, role, partition or characters)",
    severity: Severity::Error,
    suppressible: false,
    section: "§1, §2",
    remedy: "Replace it with the published identity \
             `arn:aws:iam::915198916910:role/anthropic-cmek-client-us`, checked against \
             Anthropic's documentation, never against an identifier sent by email or chat.",
    docs: "## What it does\nFlags principals that resemble Anthropic's published role but differ: an \
account id within two edits of `915198916910`, another role in Anthropic's account (other tiers \
such as `anthropic-cmek-client-eu` or `-staging`), another partition (`aws-us-gov`, `aws-cn`), a \
role named like Anthropic's in another account, or non-ASCII characters that look like the ARN. \
For Claude Platform on AWS it also flags service principals resembling \
`aws-external-anthropic.amazonaws.com` (a typo within three edits, another suffix, or \
confusable characters).\n\n\
## Why it matters\nA look-alike either grants nobody (validation fails) or grants someone else \
access to the key. The docs require verifying the identifier against the published identities.\n\n\
## Example\n```json\n\"Principal\": {\"AWS\": \"arn:aws:iam::915198916901:role/anthropic-cmek-client-us\"}\n```\n\n\
## Fix\nUse `arn:aws:iam::915198916910:role/anthropic-cmek-client-us` exactly.\n\n## Source\n\
domain/anthropic-cmek.md §1 (verify identifiers), §2 (published identities).\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    for (i, st) in doc.statements.iter().enumerate() {
        for block in [&st.principal, &st.not_principal].into_iter().flatten() {
            for (t, v) in block.entries() {
                let (reason, published) = match t {
                    PrincipalType::Aws => (lookalike_reason(v, cx), &cx.ids.aws.role_arn),
                    PrincipalType::Service => (
                        service_lookalike_reason(v, cx),
                        &cx.ids.aws.service_principal,
                    ),
                    _ => continue,
                };
                if let Some(reason) = reason {
                    out.push(
                        Hit::new(
                            format!(
                                "statement {} names a look-alike of Anthropic's principal: \
                                 {reason}",
                                st.label(i)
                            ),
                            a.statement_location(i),
                        )
                        .with_remedy(format!(
                            "Replace it with the published identity `{published}`, checked \
                             against Anthropic's documentation, never against an identifier \
                             sent by email or chat."
                        )),
                    );
                }
            }
        }
    }
}

/// Why a `Service` principal looks like, but is not, the published Claude Platform on AWS
/// service principal.
fn service_lookalike_reason(value: &str, cx: &Ctx) -> Option<String> {
    let published = cx.ids.aws.service_principal.as_str();
    if value == published {
        return None;
    }
    let folded = fold_confusables(value).to_ascii_lowercase();
    if !value.is_ascii() && folded.contains("anthropic") {
        return Some(format!(
            "service principal `{value}` contains non-ASCII characters (`{folded}` once folded)"
        ));
    }
    let d = edit_distance(&folded, published);
    if d <= 3 || folded.contains("anthropic") {
        return Some(format!(
            "service principal `{value}` is not the published `{published}`"
        ));
    }
    None
}
