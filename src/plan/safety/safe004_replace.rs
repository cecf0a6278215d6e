//! SAFE004 — replace a key.
//!
//! **What it checks.** An existing key whose immutable attributes differ from the spec:
//! account, region, multi-region, key spec/usage (AWS); project, location, key ring, name,
//! purpose, protection level (GCP); vault, name, key type/size (Azure). (A different provider
//! is a different address, which SAFE003 covers.)
//!
//! **Why.** These cannot change in place; the only way to honour them is a new key, and a new
//! key does not decrypt anything the old one protects. Peers "replace" (delete + create) here;
//! cmek has no replace.
//!
//! **Example.** `region = "us-east-1"` on a key created in `us-east-2`.
//!
//! **Safe way forward.** Revert the attribute. To move to a new key, declare a new `key` block
//! (and registration), attach it to a new workspace, and migrate.

use crate::address::Address;

use super::super::attrs::immutable_changes;
use super::super::model::{AttributeChange, Refusal, RuleId};
use super::SafetyContext;

pub fn check(ctx: &SafetyContext<'_, '_>) -> Vec<Refusal> {
    let facts = ctx.facts;
    let caller = facts.observed.aws_caller_account.as_deref();
    let mut out = Vec::new();
    for spec in facts.desired.keys.values() {
        let Some(observed) = facts.observed.keys.get(&spec.address) else {
            continue;
        };
        let changes = immutable_changes(spec, observed, caller);
        if !changes.is_empty() {
            out.push(refusal(&spec.address, &changes));
        }
    }
    out
}

fn refusal(address: &Address, changes: &[AttributeChange]) -> Refusal {
    let list: Vec<String> = changes
        .iter()
        .map(|c| format!("{}: {} -> {}", c.name, c.before, c.after))
        .collect();
    Refusal {
        rule: RuleId::Safe004,
        address: address.clone(),
        title: format!("replace the key ({})", list.join(", ")),
        why: "these attributes cannot change on an existing key; honouring them needs a new key, \
              and a new key cannot decrypt what the existing one protects"
            .to_string(),
        way_forward: "revert the attribute in the spec; to move to a new key, declare a new key \
                      block, attach it to a new workspace and migrate"
            .to_string(),
    }
}
