//! CMEK-AWS-005: principals outside the customer account and Anthropic's published identity
//! are granted KMS actions ("who else"). See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, lookalike_reason};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::policy::simulate::{ExternalPrincipal, aws_external_access};

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-005",
    summary: "Another account or external principal is granted KMS actions on the CMEK key",
    severity: Severity::Warning,
    suppressible: true,
    section: "§4",
    remedy: "Remove the grant unless that account must use the key; the CMEK key should only \
             serve the owning account and Anthropic.",
    docs: "## What it does\nLists every principal, other than the owning account and Anthropic's \
published identity, that an Allow statement grants a KMS action: other accounts, roles in other \
accounts, federated and canonical users, and deleted principals (unique ids).\n\n## Why it \
matters\nEvery extra principal can decrypt what Anthropic encrypted with the key, or disable it.\n\n\
## Example\n```json\n\"Principal\": {\"AWS\": \"arn:aws:iam::444455556666:root\"}, \"Action\": \"kms:Decrypt\"\n```\n\n\
## Fix\nRemove the grant, or suppress with a reason when the access is intended.\n\n## Source\n\
domain/anthropic-cmek.md §4.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    let Some(account) = a.account_id.as_deref() else {
        return;
    };
    let Ok(grants) = aws_external_access(doc, account, a.platform) else {
        return;
    };
    for g in grants {
        let who = match &g.principal {
            // Wildcards and NotPrincipal are CMEK-AWS-003/004; Anthropic's account or other
            // identities in it are CMEK-AWS-010/002.
            ExternalPrincipal::Everyone | ExternalPrincipal::EveryoneExcept { .. } => continue,
            ExternalPrincipal::WholeAccount {
                anthropic: true, ..
            }
            | ExternalPrincipal::Identity {
                anthropic: true, ..
            } => continue,
            ExternalPrincipal::Service { .. } => continue,
            ExternalPrincipal::WholeAccount { account, .. } => {
                if lookalike_reason(account, cx).is_some() {
                    continue;
                }
                format!("the whole account {account}")
            }
            ExternalPrincipal::Identity { arn, .. } => {
                if lookalike_reason(arn, cx).is_some() {
                    continue;
                }
                format!("`{arn}`")
            }
            ExternalPrincipal::Federated { provider } => format!("federated `{provider}`"),
            ExternalPrincipal::CanonicalUser { id } => format!("canonical user `{id}`"),
            ExternalPrincipal::OrphanedUniqueId { id } => {
                format!("`{id}` (a deleted principal's unique id)")
            }
            ExternalPrincipal::Invalid { value } => format!("invalid principal `{value}`"),
        };
        let cond = if g.conditional {
            " (with a condition)"
        } else {
            ""
        };
        out.push(Hit::new(
            format!(
                "statement {} grants {} to {who}{cond}, outside account {account}",
                g.statement.label(),
                g.actions.join(", ")
            ),
            a.statement_location(g.statement.index),
        ));
    }
}
