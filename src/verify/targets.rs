//! Which keys `cmek verify` checks: every key in the state (the keys cmek manages), each joined
//! with its spec (for the requests Anthropic makes) and the registrations that point at it (for
//! Anthropic's validate). A key in the spec but not in the state is not created yet: it is not
//! verified, and a note says so.
//!
//! Keys are addressed where their ARN says they live (`engine::refresh::key_ref`), never where
//! the spec says, so an edited spec cannot hide a key from verification.

use std::collections::BTreeMap;

use crate::address::Address;
use crate::engine::refresh::key_ref;
use crate::policy::render::aws::CompartmentUse;
use crate::providers::KeyRef;
use crate::review::facts::KeyFacts;
use crate::spec::model::{Desired, KeySpec};
use crate::state::State;

/// One key to verify.
#[derive(Debug, Clone)]
pub struct Target {
    pub address: Address,
    /// The key's id at its provider, per state.
    pub remote_id: String,
    pub key_ref: KeyRef,
    /// The key's spec; `None` when the state knows a key the spec no longer declares.
    pub spec: Option<KeySpec>,
    /// The registrations of this key, per state: (address, `ekey_...` id), sorted by address.
    pub registrations: Vec<(Address, String)>,
    /// The workspaces the key serves, served, or is about to serve, with known compartments.
    pub compartments: Vec<CompartmentUse>,
}

/// The keys to verify, sorted by address, and notes on the keys that are not verified.
pub fn targets(desired: &Desired, state: &State) -> (Vec<Target>, Vec<String>) {
    let mut out = Vec::new();
    for (address, entry) in state.keys() {
        let spec = desired.keys.get(address).cloned();
        let mut registrations: BTreeMap<Address, String> = state
            .external_keys()
            .iter()
            .filter(|(_, e)| e.key.as_ref() == Some(address))
            .map(|(a, e)| (a.clone(), e.id().to_string()))
            .collect();
        for reg in desired.external_keys_of(address) {
            if let Some(e) = state.external_key(&reg.address) {
                registrations.insert(reg.address.clone(), e.id().to_string());
            }
        }
        let compartments = spec
            .as_ref()
            .map(|s| KeyFacts::gather(desired, Some(state), s).compartment_uses())
            .unwrap_or_default();
        out.push(Target {
            address: address.clone(),
            remote_id: entry.remote_id().to_string(),
            key_ref: key_ref(desired, address, entry.remote_id()),
            spec,
            registrations: registrations.into_iter().collect(),
            compartments,
        });
    }
    let mut notes = Vec::new();
    for address in desired.keys.keys() {
        if state.key(address).is_none() {
            notes.push(format!(
                "{address} is in the spec but not in the state (not created yet): not verified; `cmek apply` creates and verifies it"
            ));
        }
    }
    (out, notes)
}
