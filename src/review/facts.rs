//! What is known about one key offline: from the spec (the organization, the registrations and
//! workspaces pointing at the key) and from the state's protection history (workspaces served
//! with their compartment UUIDs, organizations bound, remote ids).
//!
//! Unknowns are explicit, never guessed: a workspace not yet attached has no known compartment
//! (Anthropic assigns it; it is shown as [`UNKNOWN_COMPARTMENT`] and left out of rendered
//! policies, which then list the all-zeros validation compartment and the compartments of the
//! state history only); an AWS key that is not in state and whose account the spec does not name
//! is rendered for [`PLACEHOLDER_ACCOUNT`].

use std::collections::{BTreeMap, BTreeSet};

use crate::address::Address;
use crate::policy::render::aws::{CompartmentStatus, CompartmentUse};
use crate::spec::model::{Desired, KeySpec};
use crate::state::State;

/// How a workspace whose compartment is not known yet is shown.
pub const UNKNOWN_COMPARTMENT: &str = "(assigned by Anthropic at attach)";

/// The AWS account a policy is rendered for when the real one is unknown offline.
pub const PLACEHOLDER_ACCOUNT: &str = "000000000000";

/// Where a workspace stands with respect to the key under review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorkspaceStatus {
    /// Attached (state records the attachment).
    Attached,
    /// In the spec with this key; the compartment is known but the attachment is not recorded.
    Attaching,
    /// In the spec with this key; not attached yet, compartment unknown.
    ToAttach,
    /// The state history says the key served it; the spec no longer points it at this key.
    FormerlyAttached,
}

impl WorkspaceStatus {
    pub fn words(self) -> &'static str {
        match self {
            WorkspaceStatus::Attached => "attached",
            WorkspaceStatus::Attaching => "to attach (compartment known)",
            WorkspaceStatus::ToAttach => "to attach",
            WorkspaceStatus::FormerlyAttached => "formerly attached",
        }
    }
}

/// One workspace that uses, will use or used the key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WorkspaceFact {
    /// `wrkspc_...`.
    pub workspace_id: String,
    /// The spec address, when the spec still declares the workspace.
    pub address: Option<Address>,
    /// The compartment UUID, when known (state).
    pub compartment: Option<String>,
    pub status: WorkspaceStatus,
    /// The registration it points at (spec) or was attached through (state, `ekey_...`).
    pub via: String,
}

impl WorkspaceFact {
    pub fn compartment_words(&self) -> String {
        match &self.compartment {
            Some(c) => format!("`{c}`"),
            None => UNKNOWN_COMPARTMENT.to_string(),
        }
    }
}

/// Everything the per-cloud reviews need besides the key's own spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    /// Whether a state file was read at all.
    pub state_read: bool,
    /// The key's remote id from state (ARN, resource name, key id).
    pub remote_id: Option<String>,
    pub protects_data: bool,
    pub ever_attached: bool,
    /// The spec's organization.
    pub org_spec: String,
    /// Organizations the state says the key is bound to.
    pub orgs_bound: BTreeSet<String>,
    /// Registrations of this key: address → display name.
    pub registrations: BTreeMap<Address, Option<String>>,
    /// Sorted by workspace id, then status.
    pub workspaces: Vec<WorkspaceFact>,
}

impl KeyFacts {
    pub fn gather(desired: &Desired, state: Option<&State>, key: &KeySpec) -> KeyFacts {
        let entry = state.and_then(|s| s.key(&key.address));
        let protection = entry.map(|e| e.protection());
        let registrations: BTreeMap<Address, Option<String>> = desired
            .external_keys_of(&key.address)
            .map(|e| (e.address.clone(), e.display_name.clone()))
            .collect();

        let mut workspaces: BTreeMap<String, WorkspaceFact> = BTreeMap::new();
        for reg in registrations.keys() {
            for w in desired.workspaces_of(reg) {
                let ws_entry = state.and_then(|s| s.workspace(&w.address));
                let compartment = ws_entry.and_then(|e| e.compartment_id.clone());
                let attached = ws_entry.is_some_and(|e| e.attached_external_key_id().is_some());
                let status = match (&compartment, attached) {
                    (Some(_), true) => WorkspaceStatus::Attached,
                    (Some(_), false) => WorkspaceStatus::Attaching,
                    (None, _) => WorkspaceStatus::ToAttach,
                };
                workspaces.insert(
                    w.id.clone(),
                    WorkspaceFact {
                        workspace_id: w.id.clone(),
                        address: Some(w.address.clone()),
                        compartment,
                        status,
                        via: reg.to_string(),
                    },
                );
            }
        }
        for served in protection.map(|p| p.workspaces_served()).unwrap_or(&[]) {
            match workspaces.get_mut(&served.workspace_id) {
                Some(w) => {
                    // The history knows the compartment and the attachment.
                    w.compartment = Some(served.compartment_id.clone());
                    w.status = WorkspaceStatus::Attached;
                }
                None => {
                    let address = desired
                        .workspaces
                        .values()
                        .find(|w| w.id == served.workspace_id)
                        .map(|w| w.address.clone());
                    workspaces.insert(
                        served.workspace_id.clone(),
                        WorkspaceFact {
                            workspace_id: served.workspace_id.clone(),
                            address,
                            compartment: Some(served.compartment_id.clone()),
                            status: WorkspaceStatus::FormerlyAttached,
                            via: served.via_external_key_id.clone(),
                        },
                    );
                }
            }
        }
        KeyFacts {
            state_read: state.is_some(),
            remote_id: entry.map(|e| e.remote_id().to_string()),
            protects_data: protection.is_some_and(|p| p.protects_data()),
            ever_attached: protection.is_some_and(|p| p.ever_attached()),
            org_spec: desired.anthropic.organization_uuid.clone(),
            orgs_bound: protection
                .map(|p| p.org_uuids_bound().clone())
                .unwrap_or_default(),
            registrations,
            workspaces: workspaces.into_values().collect(),
        }
    }

    /// The spec's organization plus every organization the key is bound to, sorted.
    pub fn org_uuids(&self) -> Vec<String> {
        let mut all: BTreeSet<String> = self.orgs_bound.clone();
        all.insert(self.org_spec.clone());
        all.into_iter().collect()
    }

    /// Workspaces with a known compartment, as renderer input.
    pub fn compartment_uses(&self) -> Vec<CompartmentUse> {
        self.workspaces
            .iter()
            .filter_map(|w| {
                let uuid = w.compartment.clone()?;
                let status = match w.status {
                    WorkspaceStatus::Attached => CompartmentStatus::Attached,
                    WorkspaceStatus::Attaching | WorkspaceStatus::ToAttach => {
                        CompartmentStatus::Attaching
                    }
                    WorkspaceStatus::FormerlyAttached => CompartmentStatus::FormerlyAttached,
                };
                Some(CompartmentUse {
                    uuid,
                    workspace_id: w.workspace_id.clone(),
                    status,
                })
            })
            .collect()
    }

    /// Workspaces the spec points at this key whose compartment is unknown offline.
    pub fn unknown_compartments(&self) -> Vec<&WorkspaceFact> {
        self.workspaces
            .iter()
            .filter(|w| w.compartment.is_none())
            .collect()
    }
}
