//! SAFE001 — swap a workspace's key.
//!
//! **What it checks.** A workspace whose spec names an `external_key` while Anthropic reports
//! the workspace attached to a *different* key id (`external_key_id`).
//!
//! **Why.** Attaching is write-once: a key attached to a workspace cannot be swapped, and data
//! already written is protected by the old key only. There is no swap action in cmek.
//!
//! **Example.**
//! ```hcl
//! workspace "prod" {
//!   id           = "wrkspc_01..."
//!   external_key = external_key.new   # the workspace is attached to external_key.old's ekey_
//! }
//! ```
//!
//! **Safe way forward.** Point `external_key` back at the registration the workspace is
//! attached to; to use a new key, create a new workspace attached to it and migrate.

use crate::address::Address;

use super::super::model::{Refusal, RuleId};
use super::SafetyContext;

pub fn check(ctx: &SafetyContext<'_, '_>) -> Vec<Refusal> {
    let facts = ctx.facts;
    let mut out = Vec::new();
    for ws in facts.desired.workspaces.values() {
        let Some(registration) = &ws.external_key else {
            continue;
        };
        let Some(attached) = facts.workspace_attached_id(&ws.address) else {
            continue;
        };
        let wanted = facts.registration_remote_id(registration);
        if wanted.as_deref() == Some(attached.as_str()) {
            continue;
        }
        out.push(refusal(
            &ws.address,
            &attached,
            registration,
            wanted.as_deref(),
        ));
    }
    out
}

fn refusal(
    workspace: &Address,
    attached: &str,
    registration: &Address,
    wanted: Option<&str>,
) -> Refusal {
    let target = match wanted {
        Some(id) => format!("{registration} (`{id}`)"),
        None => format!("{registration} (not registered yet)"),
    };
    Refusal {
        rule: RuleId::Safe001,
        address: workspace.clone(),
        title: format!("swap the workspace's key from `{attached}` to {target}"),
        why: format!(
            "the workspace is attached to `{attached}`; attaching is write-once, so its key cannot \
             be swapped, and the data it holds stays protected by `{attached}`"
        ),
        way_forward: format!(
            "set `external_key` back to the registration of `{attached}` (adopt it with \
             `cmek import external_key.<name> {attached}` if it is not managed); to use {registration}, \
             create a new workspace attached to it and migrate — a key attached to a workspace \
             cannot be swapped"
        ),
    }
}
