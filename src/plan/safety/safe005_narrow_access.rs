//! SAFE005 — narrow access an attached (or formerly attached) workspace depends on.
//!
//! **What it checks.** Every access write (policy / bindings / role assignment / key
//! operations update) on a key in use is simulated with the policy library: Anthropic's
//! validation request and the traffic of every attached and formerly attached workspace
//! (principal, action, encryption context with the workspace's compartment and the org UUID)
//! against the old and the new document. Any request allowed before and denied after refuses
//! the plan. The executor repeats the simulation on the exact document it sends.
//!
//! **Why.** Removing Anthropic's access makes the workspace's data unavailable within the hour
//! (the cache TTL), and dropping a formerly attached workspace's compartment makes its older
//! data unreadable.
//!
//! **Example.** A hand-written `policy` without `AllowAnthropicCMEKDecryptExistingData`, or a
//! compartment list that omits a workspace the key served last year.
//!
//! **Safe way forward.** Keep every attached and formerly attached workspace's compartment and
//! the decrypt-existing-data statement (cmek renders them when `policy` is not set). Narrowing
//! is only safe on keys that never protected data.

use super::super::input::Decision;
use super::super::model::{Refusal, RuleId};
use super::{SafetyContext, access_writes};

pub fn check(ctx: &SafetyContext<'_, '_>) -> Vec<Refusal> {
    let facts = ctx.facts;
    let mut out = Vec::new();
    for (action, before, after) in access_writes(ctx.actions) {
        if !facts.key_in_use(&action.address) {
            continue;
        }
        let requests = facts.existing_requests(&action.address);
        let lost: Vec<_> = facts
            .oracle
            .narrowed(before, after, &requests)
            .into_iter()
            .filter(|f| f.old == Decision::Allow && f.new == Decision::Deny)
            .collect();
        if lost.is_empty() {
            continue;
        }
        const SHOWN: usize = 5;
        let mut lines: Vec<String> = lost
            .iter()
            .take(SHOWN)
            .map(|f| format!("{} would be denied ({})", f.request, f.reason))
            .collect();
        if lost.len() > SHOWN {
            lines.push(format!("and {} more", lost.len() - SHOWN));
        }
        out.push(Refusal {
            rule: RuleId::Safe005,
            address: action.address.clone(),
            title: format!(
                "narrow Anthropic's access to a key in use ({} request(s) lose access)",
                lost.len()
            ),
            why: format!(
                "workspaces attached now or in the past depend on this key: {}",
                lines.join("; ")
            ),
            way_forward: "keep every attached and formerly attached workspace's compartment, the \
                          organization condition and the decrypt-existing-data statement (leave \
                          `policy` unset to let cmek render them); narrowing is only safe on keys \
                          that never protected data"
                .to_string(),
        });
    }
    out
}
