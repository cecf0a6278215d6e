//! The plan: an ordered list of actions with reasons, the refusals, the drift that endangers
//! data, lint findings, and the fingerprints of every observed remote object.
//!
//! **Structural safety invariant.** [`Action`] has no variant that deletes, disables, schedules
//! deletion of, or destroys a key or key version, removes Anthropic's access wholesale, detaches
//! or swaps a workspace key, or deletes a registration. The only way access could shrink is an
//! [`Action::UpdateKeyAccess`], which SAFE005/SAFE007 simulate; restorative actions only widen
//! or re-enable. `tests/plan_diff.rs` enumerates the variants with an exhaustive match, so adding
//! a variant forces a reviewer to classify it.
//!
//! The JSON form of [`Plan`] is the saved plan file (`-out`), versioned by [`FORMAT_VERSION`];
//! see `docs/plan-format.md`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::anthropic::types::ProviderConfig;

use super::input::AccessDoc;

/// Version of the plan JSON schema this cmek writes. Bump on any incompatible change.
/// Version 2 added `config` (where the plan was made from) and the findings' `location`.
pub const FORMAT_VERSION: u32 = 2;

/// Versions this cmek reads. A version-1 file has no `config`; `apply` refuses it (it cannot
/// tell which config it was made from) but `show` renders it.
pub const READABLE_VERSIONS: [u32; 2] = [1, 2];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    /// Lineage of the state the plan was made from.
    pub lineage: String,
    /// Serial of the state the plan was made from.
    pub serial: u64,
    /// Topologically ordered; ties by address, then action kind.
    pub actions: Vec<PlannedAction>,
    pub refusals: Vec<Refusal>,
    /// Data-endangering drift first, then notices.
    pub drift: Vec<DriftItem>,
    pub findings: Vec<Finding>,
    /// Remote id -> fingerprint of every observed remote object.
    pub fingerprints: BTreeMap<String, String>,
    /// The config the plan was made from; `None` only in version-1 files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<PlanConfig>,
}

/// Where a plan was made from: `apply PLANFILE` finds the config directory through `dir` and
/// refuses the plan when the spec there no longer loads to the same `Desired` (`fingerprint`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanConfig {
    /// The config directory as given to `cmek plan`, relative to the directory `plan` ran in
    /// (absolute only when it was given absolute and is not under that directory). Always
    /// written with `/` separators.
    pub dir: String,
    /// `sha256:<hex>` of the canonical JSON of the loaded spec (`Desired`, after variables,
    /// modules and locals are evaluated): any change to what the spec asks for changes it.
    pub fingerprint: String,
}

impl Plan {
    /// Apply runs a plan only when nothing is refused and no drift blocks it.
    pub fn is_refused(&self) -> bool {
        !self.refusals.is_empty()
    }

    /// Drift the plan cannot fix (a key that protected data is gone, a workspace is missing).
    pub fn is_blocked(&self) -> bool {
        self.drift.iter().any(|d| d.blocking)
    }

    /// This plan without the actions `done` (already carried out), and without the
    /// dependencies on them.
    pub fn without_actions(&self, done: &[String]) -> Plan {
        let mut rest = self.clone();
        rest.actions.retain(|a| !done.contains(&a.id));
        for action in &mut rest.actions {
            action.depends_on.retain(|d| !done.contains(d));
        }
        rest
    }

    /// Addresses with lint findings of severity `error`: apply carries out their safe steps
    /// but attaches no workspace to them (DESIGN.md §4), and stops with exit 4.
    pub fn error_finding_addresses(&self) -> std::collections::BTreeSet<Address> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .filter_map(|f| f.address.clone())
            .collect()
    }

    /// The attaches apply will hold because of error findings (see
    /// [`Plan::error_finding_addresses`]), with the flagged address.
    pub fn attaches_held_by_findings(&self) -> Vec<(&PlannedAction, Address)> {
        let errors = self.error_finding_addresses();
        if errors.is_empty() {
            return Vec::new();
        }
        self.actions
            .iter()
            .filter_map(|a| held_by(a, &errors).map(|flagged| (a, flagged)))
            .collect()
    }

    pub fn has_changes(&self) -> bool {
        !self.actions.is_empty()
    }

    pub fn action(&self, id: &str) -> Option<&PlannedAction> {
        self.actions.iter().find(|a| a.id == id)
    }
}

/// The flagged address that holds `action` (an attach whose key, registration or workspace has
/// an error finding), if any.
pub fn held_by(
    action: &PlannedAction,
    errors: &std::collections::BTreeSet<Address>,
) -> Option<Address> {
    let Action::AttachWorkspace {
        external_key, key, ..
    } = &action.action
    else {
        return None;
    };
    [key, external_key, &action.address]
        .into_iter()
        .find(|a| errors.contains(*a))
        .cloned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedAction {
    /// Stable and unique within a plan: `<kind>:<address>`, e.g. `attach:workspace.prod`.
    pub id: String,
    pub address: Address,
    pub action: Action,
    pub reason: Reason,
    /// Ids of actions that must succeed first.
    pub depends_on: Vec<String>,
    /// Cannot be undone (only attaches).
    pub irreversible: bool,
}

/// One attribute changed in place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeChange {
    pub name: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// A registration's `provider_config` as planned: known now, or derived from a key this plan
/// creates (its ARN is known only after the create).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PlannedProviderConfig {
    Known { config: ProviderConfig },
    FromCreatedKey { key: Address },
}

/// Everything cmek can do. See the module doc for the invariant: nothing here destroys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Create the key with its access document in one step.
    CreateKey {
        access: AccessDoc,
        /// The access being created, statement by statement (diff from an empty document).
        diff: Vec<String>,
    },
    /// Replace the key's access document (policy / bindings / assignment+ops+tag). Checked by
    /// SAFE005 and SAFE007 here and again by the executor on the exact document it sends.
    UpdateKeyAccess {
        before: AccessDoc,
        after: AccessDoc,
        /// Statement-level diff for humans (from the policy library).
        diff: Vec<String>,
    },
    /// Rotation, tags/labels, description, alias.
    UpdateKeyAttributes { changes: Vec<AttributeChange> },
    /// Restorative: cancel a scheduled deletion (AWS) / recover a soft-deleted key (Azure).
    CancelKeyDeletion { deletion_date: Option<String> },
    /// Restorative: re-enable a disabled key.
    EnableKey,
    /// Restorative: restore a destroy-scheduled primary version and/or enable it (GCP).
    EnableKeyVersion {
        version: String,
        restore_first: bool,
    },
    /// Restorative: re-add Anthropic's access that was removed out of band (a widening update).
    RestoreAccess {
        before: AccessDoc,
        after: AccessDoc,
        diff: Vec<String>,
    },
    /// Register the key at Anthropic (`ekey_...`).
    CreateRegistration {
        key: Address,
        display_name: Option<String>,
        geo: String,
        provider_config: PlannedProviderConfig,
    },
    UpdateRegistrationDisplayName {
        before: Option<String>,
        after: String,
    },
    /// Only for a registration no workspace references (SAFE006 otherwise).
    UpdateRegistrationConfig {
        geo: Option<AttributeChange>,
        provider_config: Option<PlannedProviderConfig>,
        before_provider_config: Option<ProviderConfig>,
    },
    /// Round trip + access simulation + Anthropic validate; required before any attach.
    VerifyKey { registration: Option<Address> },
    /// Attach the workspace to the registration. Write-once at Anthropic: irreversible.
    AttachWorkspace {
        workspace_id: String,
        external_key: Address,
        /// `ekey_...` when the registration already exists.
        external_key_id: Option<String>,
        /// The key behind the registration (verified in this run first).
        key: Address,
    },
    /// Stop managing the object; nothing remote changes (history kept in a tombstone).
    Forget { remote_id: String },
    /// Adopt an existing remote object into state.
    Import { remote_id: String },
}

/// What an action does to the world, for summaries and the safety invariant test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Create,
    Update,
    Restore,
    Verify,
    Attach,
    Forget,
    Import,
}

impl Action {
    /// Short machine name, also the prefix of [`PlannedAction::id`].
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreateKey { .. } => "create_key",
            Action::UpdateKeyAccess { .. } => "update_key_access",
            Action::UpdateKeyAttributes { .. } => "update_key_attributes",
            Action::CancelKeyDeletion { .. } => "cancel_key_deletion",
            Action::EnableKey => "enable_key",
            Action::EnableKeyVersion { .. } => "enable_key_version",
            Action::RestoreAccess { .. } => "restore_access",
            Action::CreateRegistration { .. } => "create_registration",
            Action::UpdateRegistrationDisplayName { .. } => "update_registration_display_name",
            Action::UpdateRegistrationConfig { .. } => "update_registration_config",
            Action::VerifyKey { .. } => "verify_key",
            Action::AttachWorkspace { .. } => "attach",
            Action::Forget { .. } => "forget",
            Action::Import { .. } => "import",
        }
    }

    /// Tie-break rank among actions on the same address (after dependencies).
    pub fn rank(&self) -> u8 {
        match self {
            Action::Import { .. } => 0,
            Action::Forget { .. } => 1,
            Action::CancelKeyDeletion { .. } => 2,
            Action::EnableKey => 3,
            Action::EnableKeyVersion { .. } => 4,
            Action::RestoreAccess { .. } => 5,
            Action::CreateKey { .. } => 6,
            Action::UpdateKeyAccess { .. } => 7,
            Action::UpdateKeyAttributes { .. } => 8,
            Action::CreateRegistration { .. } => 9,
            Action::UpdateRegistrationConfig { .. } => 10,
            Action::UpdateRegistrationDisplayName { .. } => 11,
            Action::VerifyKey { .. } => 12,
            Action::AttachWorkspace { .. } => 13,
        }
    }

    pub fn effect(&self) -> Effect {
        match self {
            Action::CreateKey { .. } | Action::CreateRegistration { .. } => Effect::Create,
            Action::UpdateKeyAccess { .. }
            | Action::UpdateKeyAttributes { .. }
            | Action::UpdateRegistrationDisplayName { .. }
            | Action::UpdateRegistrationConfig { .. } => Effect::Update,
            Action::CancelKeyDeletion { .. }
            | Action::EnableKey
            | Action::EnableKeyVersion { .. }
            | Action::RestoreAccess { .. } => Effect::Restore,
            Action::VerifyKey { .. } => Effect::Verify,
            Action::AttachWorkspace { .. } => Effect::Attach,
            Action::Forget { .. } => Effect::Forget,
            Action::Import { .. } => Effect::Import,
        }
    }

    /// Only attaching is irreversible.
    pub fn is_irreversible(&self) -> bool {
        matches!(self, Action::AttachWorkspace { .. })
    }
}

/// Why an action is planned (like Terraform's `action_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The object is in the spec and not in state or remotely.
    NewInSpec,
    /// A key that never protected data is gone remotely; a fresh one is created.
    KeyMissingRecreate,
    /// A registration state knew is gone at Anthropic (it was not in use).
    RegistrationMissing,
    /// A mutable attribute differs from the spec.
    AttributeChanged,
    /// The spec's access changed since the last apply.
    AccessChanged,
    /// The remote access differs from what cmek last wrote, without removing Anthropic's.
    AccessDrift,
    /// A workspace's compartment must be allowed before the workspace is attached.
    CompartmentAddedBeforeAttach,
    /// An organization binding is added (new org UUID).
    OrgBindingAdded,
    KeyPendingDeletion,
    KeyDisabled,
    VersionDisabled,
    VersionDestroyScheduled,
    AccessRemovedOutOfBand,
    DisplayNameChanged,
    RegistrationConfigChanged,
    VerificationRequiredBeforeAttach,
    /// The spec sets the workspace's `external_key` and the workspace has none.
    AttachInSpec,
    RemovedBlock,
    /// The block vanished from the spec and the object protects nothing: only forgotten.
    NoLongerInSpec,
    ImportBlock,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NewInSpec => "new_in_spec",
            Reason::KeyMissingRecreate => "key_missing_recreate",
            Reason::RegistrationMissing => "registration_missing",
            Reason::AttributeChanged => "attribute_changed",
            Reason::AccessChanged => "access_changed",
            Reason::AccessDrift => "access_drift",
            Reason::CompartmentAddedBeforeAttach => "compartment_added_before_attach",
            Reason::OrgBindingAdded => "org_binding_added",
            Reason::KeyPendingDeletion => "key_pending_deletion",
            Reason::KeyDisabled => "key_disabled",
            Reason::VersionDisabled => "version_disabled",
            Reason::VersionDestroyScheduled => "version_destroy_scheduled",
            Reason::AccessRemovedOutOfBand => "access_removed_out_of_band",
            Reason::DisplayNameChanged => "display_name_changed",
            Reason::RegistrationConfigChanged => "registration_config_changed",
            Reason::VerificationRequiredBeforeAttach => "verification_required_before_attach",
            Reason::AttachInSpec => "attach_in_spec",
            Reason::RemovedBlock => "removed_block",
            Reason::NoLongerInSpec => "no_longer_in_spec",
            Reason::ImportBlock => "import_block",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The safety rules (DESIGN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RuleId {
    #[serde(rename = "SAFE001")]
    Safe001,
    #[serde(rename = "SAFE002")]
    Safe002,
    #[serde(rename = "SAFE003")]
    Safe003,
    #[serde(rename = "SAFE004")]
    Safe004,
    #[serde(rename = "SAFE005")]
    Safe005,
    #[serde(rename = "SAFE006")]
    Safe006,
    #[serde(rename = "SAFE007")]
    Safe007,
    #[serde(rename = "SAFE008")]
    Safe008,
}

impl RuleId {
    pub const ALL: [RuleId; 8] = [
        RuleId::Safe001,
        RuleId::Safe002,
        RuleId::Safe003,
        RuleId::Safe004,
        RuleId::Safe005,
        RuleId::Safe006,
        RuleId::Safe007,
        RuleId::Safe008,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::Safe001 => "SAFE001",
            RuleId::Safe002 => "SAFE002",
            RuleId::Safe003 => "SAFE003",
            RuleId::Safe004 => "SAFE004",
            RuleId::Safe005 => "SAFE005",
            RuleId::Safe006 => "SAFE006",
            RuleId::Safe007 => "SAFE007",
            RuleId::Safe008 => "SAFE008",
        }
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change the plan will not make. The plan keeps every action; apply refuses to run it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Refusal {
    pub rule: RuleId,
    pub address: Address,
    /// One line: what the change would do.
    pub title: String,
    /// Why it is refused (the data at stake).
    pub why: String,
    /// The concrete safe way forward.
    pub way_forward: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftSeverity {
    /// Data is unavailable or could be lost: shown first, in red.
    DataAtRisk,
    /// Worth knowing; nothing is at risk.
    Notice,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    KeyPendingDeletion,
    KeyDisabled,
    KeyStateUnusual,
    VersionDisabled,
    VersionDestroyScheduled,
    VersionDestroyed,
    AccessRemoved,
    AccessChanged,
    KeyMissing,
    RegistrationMissing,
    WorkspaceMissing,
    ImportTargetMissing,
    /// Claude Platform on AWS: the key is not in the workspaces' AWS account and region, or is
    /// multi-region, so Anthropic would refuse the attach (domain/anthropic-cmek.md §4).
    PlatformMismatch,
    /// An `import` block names an object other than the one state manages at its address, or
    /// one that state already manages at another address.
    ImportConflict,
}

/// A difference between state/spec and the remote world that the user did not ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftItem {
    pub address: Address,
    pub kind: DriftKind,
    pub severity: DriftSeverity,
    pub message: String,
    /// Ids of the restorative actions in `actions`, empty when nothing can fix it.
    pub restored_by: Vec<String>,
    /// The plan cannot proceed until a human acts (exit 1); apply refuses a blocked plan.
    pub blocking: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// A lint finding attached to the plan (`cmek plan` runs the lint engine on the spec it plans).
/// Sorted by address, then rule, then message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub address: Option<Address>,
    pub message: String,
    /// `file:line:col` in the config directory (version 2; absent in version-1 files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}
