//! SAFE002 — detach a workspace's key.
//!
//! **What it checks.** A workspace whose spec sets `external_key = null` (or leaves it out)
//! while Anthropic reports it attached.
//!
//! **Why.** A key attached to a workspace cannot be detached; a spec that says "no key" can
//! never be satisfied and usually means an edit went wrong. Accepting it silently would make
//! the spec lie about where the workspace's data is protected.
//!
//! **Example.**
//! ```hcl
//! workspace "prod" {
//!   id = "wrkspc_01..."     # external_key removed; the workspace is attached
//! }
//! ```
//!
//! **Safe way forward.** Restore `external_key` to the registration the workspace is attached
//! to. To stop managing the workspace, use `removed { from = workspace.prod }`.

use super::super::model::{Refusal, RuleId};
use super::SafetyContext;

pub fn check(ctx: &SafetyContext<'_, '_>) -> Vec<Refusal> {
    let facts = ctx.facts;
    facts
        .desired
        .workspaces
        .values()
        .filter(|ws| ws.external_key.is_none())
        .filter_map(|ws| {
            let attached = facts.workspace_attached_id(&ws.address)?;
            Some(Refusal {
                rule: RuleId::Safe002,
                address: ws.address.clone(),
                title: format!("detach the workspace from `{attached}`"),
                why: format!(
                    "the workspace is attached to `{attached}` and a workspace key cannot be \
                     detached; its data stays protected by that key"
                ),
                way_forward: format!(
                    "set `external_key` to the registration of `{attached}`; to stop managing \
                     the workspace without touching it, replace the block with \
                     `removed {{ from = {} }}`",
                    ws.address
                ),
            })
        })
        .collect()
}
