//! CMEK-AWS-010: Anthropic is granted more than it needs (`kms:*`, admin actions, the console
//! wizard's `ReEncrypt*`/`GenerateDataKey*`, or its whole account). See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, anthropic_allows};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::policy::aws::principal::{PrincipalClass, classify};
use crate::policy::aws::{Effect, PrincipalType};
use crate::spec::model::Platform;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-010",
    summary: "Over-broad grant to Anthropic (kms:*, admin actions, ReEncrypt*/GenerateDataKey*, whole account)",
    severity: Severity::Error,
    suppressible: true,
    section: "§4",
    remedy: "Grant Anthropic's role only `kms:Encrypt`, `kms:Decrypt` (crypto statement) and \
             `kms:DescribeKey` (describe statement).",
    docs: "## What it does\nFlags Anthropic statements granting actions beyond `kms:Encrypt`, \
`kms:Decrypt` and `kms:DescribeKey` (plus `kms:GenerateDataKey` on Claude Platform on AWS), \
`NotAction` grants, and grants to Anthropic's whole account (`arn:aws:iam::915198916910:root`), \
which is what the AWS console wizard writes.\n\n## Why it matters\nThe console wizard's shape \
(`kms:ReEncrypt*`, `kms:GenerateDataKey*` to the account, no condition) is too broad and current \
validation rejects it. Admin actions would let the principal change or delete the key.\n\n\
## Example\n```json\n{\"Principal\": {\"AWS\": \"arn:aws:iam::915198916910:root\"}, \"Action\": \
[\"kms:Encrypt\", \"kms:Decrypt\", \"kms:ReEncrypt*\", \"kms:GenerateDataKey*\", \"kms:DescribeKey\"]}\n```\n\n\
## Fix\nUse the documented statements.\n\n## Source\ndomain/anthropic-cmek.md §4.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    let mut allowed = vec!["kms:encrypt", "kms:decrypt", "kms:describekey"];
    if a.platform == Platform::ClaudePlatformAws {
        allowed.push("kms:generatedatakey");
    }
    for (i, st) in anthropic_allows(doc, cx, a.platform) {
        if st.not_action.is_some() {
            out.push(Hit::new(
                format!(
                    "statement {} grants Anthropic everything except a list (NotAction)",
                    st.label(i)
                ),
                a.statement_location(i),
            ));
        }
        let extra: Vec<String> = st
            .action
            .iter()
            .flat_map(|acts| acts.iter())
            .filter(|act| !allowed.contains(&act.to_ascii_lowercase().as_str()))
            .map(|act| format!("`{act}`"))
            .collect();
        if !extra.is_empty() {
            out.push(Hit::new(
                format!(
                    "statement {} grants Anthropic {} beyond what it needs",
                    st.label(i),
                    extra.join(", ")
                ),
                a.statement_location(i),
            ));
        }
    }
    let anthropic_account = cx.ids.aws.account_id.as_str();
    for (i, st) in doc.statements.iter().enumerate() {
        if st.effect != Effect::Allow {
            continue;
        }
        let Some(p) = &st.principal else { continue };
        let whole = p.entries().any(|(t, v)| {
            *t == PrincipalType::Aws
                && matches!(classify(t, v), PrincipalClass::AccountRoot { account } if account == anthropic_account)
        });
        if whole {
            out.push(Hit::new(
                format!(
                    "statement {} grants Anthropic's whole account {anthropic_account} instead of \
                     the published role (the console wizard's shape)",
                    st.label(i)
                ),
                a.statement_location(i),
            ));
        }
    }
}
