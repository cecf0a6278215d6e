//! SAFE008 — attach a workspace without this run's verification of its key.
//!
//! **What it checks.** Every `AttachWorkspace` must depend (directly or through other actions)
//! on a `VerifyKey` of the key behind its registration, in the same plan. The diff always plans
//! one; this rule keeps that true for any plan, including plans assembled or edited elsewhere
//! (a saved plan file is checked again before apply).
//!
//! **Why.** Attaching is irreversible. A key that fails a round trip, Anthropic's validation or
//! the access simulation would make the workspace unusable from its first request, with no way
//! to swap the key.
//!
//! **Example.** A plan file whose `attach:workspace.prod` lost its `verify_key:key.aws.prod`
//! dependency.
//!
//! **Safe way forward.** Run `cmek plan` again to get a plan that verifies the key first; if
//! verification fails, fix the key (access, state, region) before attaching.

use std::collections::{HashMap, HashSet};

use super::super::model::{Action, PlannedAction, Refusal, RuleId};
use super::SafetyContext;

pub fn check(ctx: &SafetyContext<'_, '_>) -> Vec<Refusal> {
    let by_id: HashMap<&str, &PlannedAction> =
        ctx.actions.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut out = Vec::new();
    for action in ctx.actions {
        let Action::AttachWorkspace { key, .. } = &action.action else {
            continue;
        };
        if verified_before(action, key, &by_id) {
            continue;
        }
        out.push(Refusal {
            rule: RuleId::Safe008,
            address: action.address.clone(),
            title: format!("attach without verifying {key} first"),
            why: "attaching is irreversible; only a key that passed a round trip, the access \
                  simulation and Anthropic's validation in this run may be attached"
                .to_string(),
            way_forward: "run `cmek plan` again so the plan verifies the key before the attach; \
                          if verification fails, fix the key before attaching"
                .to_string(),
        });
    }
    out
}

/// Whether `action` transitively depends on a `VerifyKey` of `key`.
fn verified_before(
    action: &PlannedAction,
    key: &crate::address::Address,
    by_id: &HashMap<&str, &PlannedAction>,
) -> bool {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = action.depends_on.iter().map(String::as_str).collect();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(dep) = by_id.get(id) else {
            continue;
        };
        if matches!(dep.action, Action::VerifyKey { .. }) && &dep.address == key {
            return true;
        }
        stack.extend(dep.depends_on.iter().map(String::as_str));
    }
    false
}
