//! SAFE007 — drop an organization binding in use.
//!
//! **What it checks.** An access write on a key in use whose new document binds fewer
//! organization UUIDs than the old one: a value of the AWS `kms:EncryptionContext:anthropic:org_uuid`
//! condition, a GCP label or an Azure tag `anthropic-org-<uuid>=true`.
//!
//! **Why.** Anthropic sends the organization UUID with every request; without the binding the
//! key fails validation and every request of that organization is denied — including
//! organizations that share the key and that this spec does not describe.
//!
//! **Example.** A GCP key shared by two organizations whose spec `labels` replace the second
//! organization's label.
//!
//! **Safe way forward.** Keep the binding: add `anthropic-org-<uuid> = "true"` to the key's
//! `labels`/`tags` (GCP/Azure) or keep the UUID in the condition of a hand-written `policy`
//! (AWS). Drop it only once that organization no longer uses the key.

use super::super::model::{Refusal, RuleId};
use super::{SafetyContext, access_writes};

pub fn check(ctx: &SafetyContext<'_, '_>) -> Vec<Refusal> {
    let facts = ctx.facts;
    let oracle = facts.oracle;
    let mut out = Vec::new();
    for (action, before, after) in access_writes(ctx.actions) {
        if !facts.key_in_use(&action.address) {
            continue;
        }
        let kept = oracle.bound_org_uuids(after);
        let dropped: Vec<String> = oracle
            .bound_org_uuids(before)
            .into_iter()
            .filter(|u| !kept.contains(u))
            .collect();
        if dropped.is_empty() {
            continue;
        }
        out.push(Refusal {
            rule: RuleId::Safe007,
            address: action.address.clone(),
            title: format!("drop the organization binding(s) {}", dropped.join(", ")),
            why: "the key protects data, and every request Anthropic makes for an organization \
                  carries its UUID; without the binding those requests are denied"
                .to_string(),
            way_forward: "keep the binding: add `anthropic-org-<uuid> = \"true\"` to the key's \
                          labels/tags (GCP/Azure) or keep the UUID in the org condition of the \
                          `policy` (AWS); drop it only once that organization no longer uses the key"
                .to_string(),
        });
    }
    out
}
