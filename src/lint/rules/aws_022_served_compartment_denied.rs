//! CMEK-AWS-022: a workspace the key serves (or served) cannot decrypt: its compartment is
//! missing from every Anthropic statement that allows `kms:Decrypt`. See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, anthropic_allows, condition_entries, context_condition_key, grants};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-022",
    summary: "A workspace the key serves is missing from the compartment conditions",
    severity: Severity::Error,
    suppressible: false,
    section: "§4",
    remedy: "List the workspace's compartment UUID in the crypto statement's \
             `kms:EncryptionContext:anthropic:compartment_uuid` values and in \
             `AllowAnthropicCMEKDecryptExistingData` (or let cmek render the policy).",
    docs: "## What it does\nFor keys read with `cmek lint --live`, takes every workspace the key \
is or was attached to (cmek's state keeps the history; the Admin API gives the current ones) and \
checks that some Allow statement for Anthropic's principal grants `kms:Decrypt` with that \
workspace's compartment UUID in its compartment condition (or has no compartment condition).\n\n\
## Why it matters\nWith compartment scoping, a workspace whose compartment is not listed gets \
`cmek_key_disabled` on every request, and data written under an older policy becomes unreadable \
when the `AllowAnthropicCMEKDecryptExistingData` statement loses its compartment. The docs \
require listing every workspace the key is or was attached to, and adding a new workspace's \
compartment before attaching it.\n\n## Example\nA key attached to workspaces with compartments \
`3db1a449-...` and `7d3e9a10-...`, whose crypto statement lists only `3db1a449-...`.\n\n## Fix\n\
Add the missing compartment UUIDs to the crypto statement and the existing-data statement. `cmek \
plan` renders them from the state's history.\n\n## Source\ndomain/anthropic-cmek.md §4 (rules \
that follow from the current docs).\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    if a.served.is_empty() {
        return;
    }
    let comp_key = context_condition_key(&cx.ids.aws.compartment_context_key);
    // For each Anthropic Allow of kms:Decrypt: `None` = no compartment condition (any
    // compartment), `Some(values)` = the compartments it admits.
    let admits: Vec<Option<Vec<String>>> = anthropic_allows(doc, cx, a.platform)
        .filter(|(_, st)| grants(st, "kms:Decrypt"))
        .map(|(_, st)| {
            let entries: Vec<_> = condition_entries(st)
                .into_iter()
                .filter(|(kind, _, e)| {
                    e.key_lc == comp_key && !crate::lint::facts::is_negated(*kind)
                })
                .collect();
            if entries.is_empty() {
                None
            } else {
                Some(
                    entries
                        .iter()
                        .flat_map(|(_, _, e)| e.values.iter().map(|v| v.as_text().into_owned()))
                        .collect(),
                )
            }
        })
        .collect();
    if admits.is_empty() {
        return; // CMEK-AWS-001 reports the missing grant
    }
    for w in &a.served {
        let allowed = admits.iter().any(|a| match a {
            None => true,
            Some(values) => values.iter().any(|v| v == &w.compartment_uuid),
        });
        if !allowed {
            out.push(Hit::new(
                format!(
                    "workspace `{}` (compartment `{}`), which this key serves or served, is in no \
                     Anthropic statement that allows `kms:Decrypt`: its requests and its existing \
                     data would be refused",
                    w.workspace_id, w.compartment_uuid
                ),
                a.policy_origin.clone(),
            ));
        }
    }
}
