//! SAFE003 — stop managing a protected object because its block disappeared.
//!
//! **What it checks.** An address in state that is no longer in the spec and not named by a
//! `removed` block, when it is an attached workspace, a registration in use, or a key that
//! protects data (ever attached, served a workspace, or has a registration in use).
//!
//! **Why.** Deleting a block is the easiest mistake to make in review (a bad merge, a moved
//! file). Terraform's `prevent_destroy` lives in the block and vanishes with it; cmek keeps the
//! protection in state, so losing the block cannot silently drop it. Nothing remote would be
//! deleted either way (cmek cannot delete), but cmek would stop restoring, verifying and
//! guarding the object.
//!
//! **Example.** `key "aws" "prod" { ... }` deleted from the spec while `workspace.prod` is
//! attached through it.
//!
//! **Safe way forward.** Restore the block, or say explicitly
//! `removed { from = key.aws.prod }`: cmek then forgets it (nothing remote changes) and keeps
//! its protection history in a tombstone.

use std::collections::BTreeSet;

use crate::address::Address;

use super::super::model::{Refusal, RuleId};
use super::SafetyContext;

pub fn check(ctx: &SafetyContext<'_, '_>) -> Vec<Refusal> {
    let facts = ctx.facts;
    let removed: BTreeSet<&Address> = facts.desired.removed.iter().map(|r| &r.from).collect();
    let mut out = Vec::new();
    let mut consider = |address: &Address, protected: Option<String>| {
        if removed.contains(address) {
            return;
        }
        if let Some(what) = protected {
            out.push(refusal(address, &what));
        }
    };
    for address in facts.prior.keys.keys() {
        if !facts.desired.keys.contains_key(address) && facts.key_in_use(address) {
            consider(address, Some("key protects CMEK data".to_string()));
        }
    }
    for address in facts.prior.registrations.keys() {
        if !facts.desired.external_keys.contains_key(address) && facts.registration_in_use(address)
        {
            consider(
                address,
                Some("registration is in use by a workspace".to_string()),
            );
        }
    }
    for address in facts.prior.workspaces.keys() {
        if facts.desired.workspaces.contains_key(address) {
            continue;
        }
        if let Some(id) = facts.workspace_attached_id(address) {
            consider(address, Some(format!("workspace is attached to `{id}`")));
        }
    }
    out
}

fn refusal(address: &Address, what: &str) -> Refusal {
    Refusal {
        rule: RuleId::Safe003,
        address: address.clone(),
        title: "stop managing a protected object because its block is gone".to_string(),
        why: format!(
            "the {what}; its block disappeared from the spec without a `removed` block, which is \
             how accidental edits look"
        ),
        way_forward: format!(
            "restore the block, or add `removed {{ from = {address} }}` to stop managing it \
             explicitly (nothing remote changes; its protection history is kept)"
        ),
    }
}
