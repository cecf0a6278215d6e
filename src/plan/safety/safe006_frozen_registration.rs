//! SAFE006 — change `geo` or `provider_config` of a registration in use.
//!
//! **What it checks.** A registration some workspace (live or archived) references whose spec
//! asks for a different `geo`, or whose key now resolves to a different `provider_config`
//! (another ARN, key name, vault, tenant).
//!
//! **Why.** Anthropic freezes both once the registration is referenced; data written through it
//! is bound to that key. Only `display_name` can change.
//!
//! **Example.** `external_key "prod" { key = key.aws.other }` while `workspace.prod` is
//! attached to `external_key.prod`.
//!
//! **Safe way forward.** Revert the change. To use another key, declare a new `external_key`
//! for it and attach it to a new workspace.

use crate::address::Address;

use super::super::facts::{desired_provider_config, effective_geo, provider_config_matches};
use super::super::model::{Action, Refusal, RuleId};
use super::SafetyContext;

pub fn check(ctx: &SafetyContext<'_, '_>) -> Vec<Refusal> {
    let facts = ctx.facts;
    let mut out = Vec::new();
    for spec in facts.desired.external_keys.values() {
        let Some(observed) = facts.observed.registrations.get(&spec.address) else {
            continue;
        };
        if !facts.registration_in_use(&spec.address) {
            continue;
        }
        let mut changes = Vec::new();
        let have_geo = effective_geo(observed.geo.as_deref());
        if have_geo != spec.geo {
            changes.push(format!("geo: {have_geo} -> {}", spec.geo));
        }
        if let Some(key) = facts.desired.keys.get(&spec.key) {
            let remote = facts
                .observed
                .keys
                .get(&spec.key)
                .map(|k| k.remote_id.as_str());
            match desired_provider_config(key, remote) {
                Some(config) if provider_config_matches(&config, &observed.provider_config) => {}
                Some(_) => changes.push(format!("provider_config now points at {}", spec.key)),
                // The key does not exist: only a planned creation would change the config
                // (a missing key that protected data is blocking drift, not a change).
                None if creates_key(ctx, &spec.key) => changes.push(format!(
                    "provider_config would point at {}, a new key",
                    spec.key
                )),
                None => {}
            }
        }
        if !changes.is_empty() {
            out.push(refusal(&spec.address, &changes));
        }
    }
    out
}

fn creates_key(ctx: &SafetyContext<'_, '_>, key: &Address) -> bool {
    ctx.actions
        .iter()
        .any(|a| &a.address == key && matches!(a.action, Action::CreateKey { .. }))
}

fn refusal(address: &Address, changes: &[String]) -> Refusal {
    Refusal {
        rule: RuleId::Safe006,
        address: address.clone(),
        title: format!("change a registration in use ({})", changes.join("; ")),
        why: "a workspace references this registration, so Anthropic freezes `geo` and \
              `provider_config`; the data written through it is bound to its key"
            .to_string(),
        way_forward: "revert the change (only `display_name` can change); to use another key, \
                      declare a new `external_key` for it and attach it to a new workspace"
            .to_string(),
    }
}
