//! The diff: what to do to bring the remote world to the spec, and the drift found on the way.
//!
//! The diff never decides what is *allowed*: it proposes only actions that [`Action`] can
//! express (nothing destructive exists), skips changes that have no safe action (a swap, a
//! detach, a replacement, a frozen registration field), and leaves judging to `safety/`, which
//! reads the same [`Facts`]. Its output is unordered; `order.rs` sorts it.
//!
//! Decisions worth knowing (documented in `docs/plan-format.md`):
//! - A key that state remembers but the cloud no longer has is never recreated silently when it
//!   protected data: that would hide data loss. It becomes blocking drift (`key_missing`, exit 1)
//!   until the user restores it or writes a `removed` block. A key that never protected data is
//!   recreated, with a notice.
//! - An object whose block vanished from the spec is forgotten (nothing remote changes) when it
//!   protects nothing; otherwise SAFE003 refuses and nothing is planned for it.
//! - Anthropic's access removed out of band on a key in use is drift that endangers data: it is
//!   restored (`RestoreAccess`) and listed first.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::address::{Address, Cloud, ObjectKind};
use crate::anthropic::types::ExternalKey;
use crate::spec::model::{ExternalKeySpec, KeySpec, Platform, WorkspaceSpec};

use super::attrs::mutable_changes;
use super::facts::{
    Facts, KeyFacts, desired_provider_config, effective_geo, provider_config_matches,
};
use super::input::{CompartmentStatus, Decision, KeyState, ObservedKey, VersionState};
use super::model::{
    Action, AttributeChange, DriftItem, DriftKind, DriftSeverity, PlannedAction,
    PlannedProviderConfig, Reason,
};

/// The unordered result of the diff.
#[derive(Debug, Default)]
pub struct DiffOutput {
    pub actions: Vec<PlannedAction>,
    pub drift: Vec<DriftItem>,
}

/// Builds the action id for an action kind on an address.
pub fn action_id(kind: &str, address: &Address) -> String {
    format!("{kind}:{address}")
}

struct Differ<'f, 'a> {
    facts: &'f Facts<'a>,
    out: DiffOutput,
    /// Keys nothing may be planned against (missing remotely while protecting data, or an
    /// import target that does not exist).
    blocked_keys: BTreeSet<Address>,
    /// Key address -> ids of the key's actions that must precede registration and verify steps.
    key_action_ids: BTreeMap<Address, Vec<String>>,
    /// Key address -> whether the key is created in this plan.
    created_keys: BTreeSet<Address>,
    /// Registration address -> ids of its create/update-config actions.
    registration_action_ids: BTreeMap<Address, Vec<String>>,
    /// Key address -> position of its VerifyKey in `out.actions` (one per key).
    verify_index: HashMap<Address, usize>,
    /// `import` blocks: address -> remote id.
    imports: HashMap<&'a Address, &'a str>,
}

/// Diffs the spec against state and the observed world.
pub fn diff(facts: &Facts<'_>) -> DiffOutput {
    let mut d = Differ {
        facts,
        out: DiffOutput::default(),
        blocked_keys: BTreeSet::new(),
        key_action_ids: BTreeMap::new(),
        created_keys: BTreeSet::new(),
        registration_action_ids: BTreeMap::new(),
        verify_index: HashMap::new(),
        imports: facts
            .desired
            .imports
            .iter()
            .map(|i| (&i.to, i.id.as_str()))
            .collect(),
    };
    for spec in facts.desired.keys.values() {
        d.key(spec);
    }
    for spec in facts.desired.external_keys.values() {
        d.registration(spec);
    }
    for spec in facts.desired.workspaces.values() {
        d.workspace(spec);
    }
    d.vanished();
    // `import` blocks are adopted before anything else runs, so a failed import stops the
    // apply before any remote change.
    let imports: Vec<String> = d
        .out
        .actions
        .iter()
        .filter(|a| matches!(a.action, Action::Import { .. }))
        .map(|a| a.id.clone())
        .collect();
    if !imports.is_empty() {
        for a in &mut d.out.actions {
            if !matches!(a.action, Action::Import { .. }) {
                a.depends_on.extend(imports.iter().cloned());
            }
        }
    }
    d.out
        .drift
        .sort_by(|a, b| (a.severity, &a.address, &a.kind).cmp(&(b.severity, &b.address, &b.kind)));
    d.out
}

impl<'f, 'a> Differ<'f, 'a> {
    fn push(
        &mut self,
        address: &Address,
        action: Action,
        reason: Reason,
        depends_on: Vec<String>,
    ) -> String {
        let id = action_id(action.kind(), address);
        let irreversible = action.is_irreversible();
        self.out.actions.push(PlannedAction {
            id: id.clone(),
            address: address.clone(),
            action,
            reason,
            depends_on,
            irreversible,
        });
        id
    }

    fn drift(
        &mut self,
        address: &Address,
        kind: DriftKind,
        severity: DriftSeverity,
        message: String,
        restored_by: Vec<String>,
        blocking: bool,
    ) {
        self.out.drift.push(DriftItem {
            address: address.clone(),
            kind,
            severity,
            message,
            restored_by,
            blocking,
        });
    }

    /// What an `import` block asks for at `address`.
    ///
    /// No block, or a block naming the object state already manages there: nothing. A block
    /// naming another object than the managed one, or an object managed at another address:
    /// a conflict (blocking drift). Otherwise the id to adopt (a key's resolved ARN when the
    /// refresh found it, so an alias or key id is recorded as the ARN).
    fn import_target(&self, address: &Address) -> ImportTarget {
        let Some(id) = self.imports.get(address).map(|id| id.trim().to_string()) else {
            return ImportTarget::None;
        };
        let prior = &self.facts.prior;
        let observed_key = self.facts.observed.keys.get(address);
        let managed = match address.kind {
            ObjectKind::Key(_) => prior.keys.get(address).map(|k| k.remote_id.as_str()),
            ObjectKind::ExternalKey => prior
                .registrations
                .get(address)
                .map(|r| r.remote_id.as_str()),
            ObjectKind::Workspace => prior.workspaces.get(address).map(|w| w.remote_id.as_str()),
        };
        if let Some(managed) = managed {
            let same = managed == id
                || (matches!(address.kind, ObjectKind::Key(_))
                    && key_id_names(managed, &id, observed_key));
            return if same {
                ImportTarget::None
            } else {
                ImportTarget::Conflict(format!(
                    "the import block names `{id}`, but {address} is already managed as                      `{managed}`; remove the import block (a managed address keeps its object),                      or stop managing the current one with `removed {{ from = {address} }}` first"
                ))
            };
        }
        let resolved = match (address.kind, observed_key) {
            (ObjectKind::Key(_), Some(k)) => k.remote_id.clone(),
            _ => id,
        };
        let elsewhere = match address.kind {
            ObjectKind::Key(_) => prior
                .keys
                .iter()
                .find(|(_, k)| k.remote_id == resolved)
                .map(|(a, _)| a),
            ObjectKind::ExternalKey => prior
                .registrations
                .iter()
                .find(|(_, r)| r.remote_id == resolved)
                .map(|(a, _)| a),
            ObjectKind::Workspace => prior
                .workspaces
                .iter()
                .find(|(_, w)| w.remote_id == resolved)
                .map(|(a, _)| a),
        };
        match elsewhere {
            Some(other) if other != address => ImportTarget::Conflict(format!(
                "the import block names `{resolved}`, which is already managed at {other}; one                  remote object can be managed at one address only"
            )),
            _ => ImportTarget::Adopt(resolved),
        }
    }

    /// Plans the import at `address`, if any: the action id, or `Err(())` when the import is
    /// blocked (conflict, or the target was not found) and nothing else may be planned there.
    fn plan_import(&mut self, address: &Address, found: bool) -> Result<Option<String>, ()> {
        match self.import_target(address) {
            ImportTarget::None => Ok(None),
            ImportTarget::Conflict(message) => {
                self.drift(
                    address,
                    DriftKind::ImportConflict,
                    DriftSeverity::Notice,
                    message,
                    Vec::new(),
                    true,
                );
                Ok(None)
            }
            ImportTarget::Adopt(id) if !found => {
                self.drift(
                    address,
                    DriftKind::ImportTargetMissing,
                    DriftSeverity::Notice,
                    format!("import target `{id}` was not found; check the id and credentials"),
                    Vec::new(),
                    true,
                );
                Err(())
            }
            ImportTarget::Adopt(id) => Ok(Some(self.push(
                address,
                Action::Import { remote_id: id },
                Reason::ImportBlock,
                Vec::new(),
            ))),
        }
    }

    // ---- keys ----------------------------------------------------------------------------

    fn key(&mut self, spec: &KeySpec) {
        let facts = self.facts;
        let address = &spec.address;
        let Some(kf) = facts.keys.get(address) else {
            return;
        };
        let mut chain: Vec<String> = Vec::new();
        match self.plan_import(address, facts.observed.keys.contains_key(address)) {
            Ok(import) => chain.extend(import),
            Err(()) => {
                self.blocked_keys.insert(address.clone());
                return;
            }
        }
        let Some(observed) = facts.observed.keys.get(address) else {
            self.absent_key(spec, kf);
            return;
        };
        self.key_state(address, observed, &mut chain);
        self.key_version(address, observed, &mut chain);
        let restorative = chain.clone();

        let changes = mutable_changes(spec, observed);
        if !changes.is_empty() {
            chain.push(self.push(
                address,
                Action::UpdateKeyAttributes { changes },
                Reason::AttributeChanged,
                restorative.clone(),
            ));
        }
        if let Some(id) = self.key_access(spec, kf, observed, &restorative) {
            chain.push(id);
        }
        // Immutable differences have no action (a key is never replaced): SAFE004 refuses them.
        self.key_action_ids.insert(address.clone(), chain);
    }

    fn absent_key(&mut self, spec: &KeySpec, kf: &KeyFacts<'_>) {
        let address = &spec.address;
        let Some(access) = kf.desired_access.clone() else {
            return;
        };
        let reason = match self.facts.prior.keys.get(address) {
            Some(prior) if kf.in_use => {
                let served: Vec<&str> = kf
                    .compartments
                    .iter()
                    .filter(|c| c.status != CompartmentStatus::AboutToAttach)
                    .map(|c| c.workspace_id.as_str())
                    .collect();
                let whom = if served.is_empty() {
                    "registered, in-use data".to_string()
                } else {
                    format!("data of {}", served.join(", "))
                };
                self.drift(
                    address,
                    DriftKind::KeyMissing,
                    DriftSeverity::DataAtRisk,
                    format!(
                        "key `{}` is gone remotely and it protected {whom}; cmek will not create a \
                         replacement (that would hide the loss). Restore the key if the provider \
                         still can (cancel its deletion, recover it from soft delete), or, if the \
                         data is knowingly lost, add `removed {{ from = {address} }}`",
                        prior.remote_id
                    ),
                    Vec::new(),
                    true,
                );
                self.blocked_keys.insert(address.clone());
                return;
            }
            Some(prior) => {
                self.drift(
                    address,
                    DriftKind::KeyMissing,
                    DriftSeverity::Notice,
                    format!(
                        "key `{}` is gone remotely; it never protected data, so a new key is created",
                        prior.remote_id
                    ),
                    vec![action_id("create_key", address)],
                    false,
                );
                Reason::KeyMissingRecreate
            }
            None => Reason::NewInSpec,
        };
        let diff = self
            .facts
            .oracle
            .statement_diff(&access.empty_like(), &access);
        let id = self.push(
            address,
            Action::CreateKey { access, diff },
            reason,
            Vec::new(),
        );
        self.created_keys.insert(address.clone());
        self.key_action_ids.insert(address.clone(), vec![id]);
    }

    fn key_state(&mut self, address: &Address, observed: &ObservedKey, chain: &mut Vec<String>) {
        let in_use = self.facts.key_in_use(address);
        let severity = if in_use {
            DriftSeverity::DataAtRisk
        } else {
            DriftSeverity::Notice
        };
        let stake = if in_use {
            "data it protects becomes unreadable"
        } else {
            "the key would be unusable"
        };
        match &observed.state {
            KeyState::Enabled => {}
            KeyState::PendingDeletion { deletion_date } => {
                let cancel = self.push(
                    address,
                    Action::CancelKeyDeletion {
                        deletion_date: deletion_date.clone(),
                    },
                    Reason::KeyPendingDeletion,
                    chain.clone(),
                );
                chain.push(cancel.clone());
                let mut restored = vec![cancel.clone()];
                // Cancelling an AWS deletion leaves the key Disabled; Azure recovery keeps it.
                if address.kind == ObjectKind::Key(Cloud::Aws) {
                    let enable = self.push(
                        address,
                        Action::EnableKey,
                        Reason::KeyPendingDeletion,
                        vec![cancel],
                    );
                    chain.push(enable.clone());
                    restored.push(enable);
                }
                let when = deletion_date
                    .as_deref()
                    .map(|d| format!(" on {d}"))
                    .unwrap_or_default();
                self.drift(
                    address,
                    DriftKind::KeyPendingDeletion,
                    severity,
                    format!("key is scheduled for deletion{when}; once deleted, {stake} for good"),
                    restored,
                    false,
                );
            }
            KeyState::Disabled => {
                let enable = self.push(
                    address,
                    Action::EnableKey,
                    Reason::KeyDisabled,
                    chain.clone(),
                );
                chain.push(enable.clone());
                self.drift(
                    address,
                    DriftKind::KeyDisabled,
                    severity,
                    format!("key is disabled; {stake} until it is enabled"),
                    vec![enable],
                    false,
                );
            }
            KeyState::Other { name } => {
                self.drift(
                    address,
                    DriftKind::KeyStateUnusual,
                    severity,
                    format!(
                        "key is in state `{name}`; cmek has no action for it and verification will fail until it is Enabled"
                    ),
                    Vec::new(),
                    false,
                );
            }
        }
    }

    fn key_version(&mut self, address: &Address, observed: &ObservedKey, chain: &mut Vec<String>) {
        let Some(version) = &observed.primary_version else {
            return;
        };
        let in_use = self.facts.key_in_use(address);
        let severity = if in_use {
            DriftSeverity::DataAtRisk
        } else {
            DriftSeverity::Notice
        };
        let (restore_first, reason, kind, what) = match &version.state {
            VersionState::Enabled => return,
            VersionState::Other(_) => return,
            VersionState::Disabled => (
                false,
                Reason::VersionDisabled,
                DriftKind::VersionDisabled,
                "is disabled",
            ),
            VersionState::DestroyScheduled => (
                true,
                Reason::VersionDestroyScheduled,
                DriftKind::VersionDestroyScheduled,
                "is scheduled for destruction",
            ),
            VersionState::Destroyed => {
                self.drift(
                    address,
                    DriftKind::VersionDestroyed,
                    severity,
                    format!(
                        "primary version `{}` is destroyed: data wrapped by it cannot be recovered. \
                         Make an enabled version primary (rotate) before anything else",
                        version.name
                    ),
                    Vec::new(),
                    true,
                );
                return;
            }
        };
        let id = self.push(
            address,
            Action::EnableKeyVersion {
                version: version.name.clone(),
                restore_first,
            },
            reason,
            chain.clone(),
        );
        chain.push(id.clone());
        self.drift(
            address,
            kind,
            severity,
            format!("primary version `{}` {what}", version.name),
            vec![id],
            false,
        );
    }

    /// Plans the access change of a present key, if any; returns its action id.
    fn key_access(
        &mut self,
        spec: &KeySpec,
        kf: &KeyFacts<'_>,
        observed: &ObservedKey,
        after: &[String],
    ) -> Option<String> {
        let facts = self.facts;
        let oracle = facts.oracle;
        let address = &spec.address;
        let desired = kf.desired_access.as_ref()?;
        if oracle.canonical_eq(&observed.access, desired) {
            return None;
        }
        if kf.in_use {
            let requests = facts.existing_requests(address);
            let lost: Vec<_> = oracle
                .narrowed(desired, &observed.access, &requests)
                .into_iter()
                .filter(|f| f.old == Decision::Allow && f.new == Decision::Deny)
                .collect();
            if !lost.is_empty() {
                let diff = oracle.statement_diff(&observed.access, desired);
                let id = self.push(
                    address,
                    Action::RestoreAccess {
                        before: observed.access.clone(),
                        after: desired.clone(),
                        diff,
                    },
                    Reason::AccessRemovedOutOfBand,
                    after.to_vec(),
                );
                let denied: Vec<String> = lost
                    .iter()
                    .take(3)
                    .map(|f| format!("{} ({})", f.request, f.reason))
                    .collect();
                let more = lost.len().saturating_sub(3);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                self.drift(
                    address,
                    DriftKind::AccessRemoved,
                    DriftSeverity::DataAtRisk,
                    format!(
                        "Anthropic's access was removed outside cmek; now denied: {}{more}",
                        denied.join("; ")
                    ),
                    vec![id.clone()],
                    false,
                );
                return Some(id);
            }
        }
        let has_new = kf
            .compartments
            .iter()
            .any(|c| c.status == CompartmentStatus::AboutToAttach);
        let applied = kf.history.and_then(|h| h.applied_access.as_ref());
        let reason = if has_new
            && oracle.canonical_eq(
                &observed.access,
                &facts
                    .render_access_with(spec, kf, |c| c.status != CompartmentStatus::AboutToAttach),
            ) {
            Reason::CompartmentAddedBeforeAttach
        } else if !oracle
            .bound_org_uuids(desired)
            .is_subset(&oracle.bound_org_uuids(&observed.access))
        {
            Reason::OrgBindingAdded
        } else if applied.is_some_and(|a| !oracle.canonical_eq(a, &observed.access)) {
            Reason::AccessDrift
        } else {
            Reason::AccessChanged
        };
        let diff = oracle.statement_diff(&observed.access, desired);
        let id = self.push(
            address,
            Action::UpdateKeyAccess {
                before: observed.access.clone(),
                after: desired.clone(),
                diff,
            },
            reason,
            after.to_vec(),
        );
        if reason == Reason::AccessDrift {
            self.drift(
                address,
                DriftKind::AccessChanged,
                DriftSeverity::Notice,
                "access was changed outside cmek; the spec's access is written back".to_string(),
                vec![id.clone()],
                false,
            );
        }
        Some(id)
    }

    // ---- registrations -------------------------------------------------------------------

    fn registration(&mut self, spec: &ExternalKeySpec) {
        let facts = self.facts;
        let address = &spec.address;
        if self.blocked_keys.contains(&spec.key) {
            return;
        }
        // On Claude Platform on AWS the key ARN is the registration: nothing to create.
        if facts.platform() == Platform::ClaudePlatformAws {
            return;
        }
        let Some(key_spec) = facts.desired.keys.get(&spec.key) else {
            return;
        };
        let mut chain = Vec::new();
        match self.plan_import(address, facts.observed.registrations.contains_key(address)) {
            Ok(import) => chain.extend(import),
            Err(()) => return,
        }
        let key_deps = self
            .key_action_ids
            .get(&spec.key)
            .cloned()
            .unwrap_or_default();
        let planned_config = self.planned_provider_config(key_spec);
        match facts.observed.registrations.get(address) {
            None => {
                let reason = if let Some(prior) = facts.prior.registrations.get(address) {
                    self.drift(
                        address,
                        DriftKind::RegistrationMissing,
                        DriftSeverity::Notice,
                        format!(
                            "registration `{}` no longer exists at Anthropic; it is registered again",
                            prior.remote_id
                        ),
                        vec![action_id("create_registration", address)],
                        false,
                    );
                    Reason::RegistrationMissing
                } else {
                    Reason::NewInSpec
                };
                let mut deps = chain.clone();
                deps.extend(key_deps);
                let id = self.push(
                    address,
                    Action::CreateRegistration {
                        key: spec.key.clone(),
                        display_name: spec.display_name.clone(),
                        geo: spec.geo.clone(),
                        provider_config: planned_config,
                    },
                    reason,
                    deps,
                );
                chain.push(id);
            }
            Some(observed) => {
                if let Some(name) = &spec.display_name
                    && observed.display_name.as_ref() != Some(name)
                {
                    self.push(
                        address,
                        Action::UpdateRegistrationDisplayName {
                            before: observed.display_name.clone(),
                            after: name.clone(),
                        },
                        Reason::DisplayNameChanged,
                        chain.clone(),
                    );
                }
                if !facts.registration_in_use(address)
                    && let Some(action) = config_update(spec, observed, &planned_config)
                {
                    let mut deps = chain.clone();
                    deps.extend(key_deps);
                    let id = self.push(address, action, Reason::RegistrationConfigChanged, deps);
                    chain.push(id);
                }
            }
        }
        self.registration_action_ids.insert(address.clone(), chain);
        // Claude Enterprise: "per organization (one key per organization, no workspace step)"
        // (domain/anthropic-cmek.md §1). There is no attach; the registration's validation is
        // what makes it the organization's key, so the key is verified (round trip, simulation,
        // Anthropic's validate) until the registration is in use.
        if facts.platform() == Platform::ClaudeEnterprise && !facts.registration_in_use(address) {
            self.ensure_verify(&spec.key, address);
        }
    }

    fn planned_provider_config(&self, key: &KeySpec) -> PlannedProviderConfig {
        let remote = if self.created_keys.contains(&key.address) {
            None
        } else {
            self.facts
                .observed
                .keys
                .get(&key.address)
                .map(|k| k.remote_id.as_str())
        };
        match desired_provider_config(key, remote) {
            Some(config) => PlannedProviderConfig::Known { config },
            None => PlannedProviderConfig::FromCreatedKey {
                key: key.address.clone(),
            },
        }
    }

    // ---- workspaces ----------------------------------------------------------------------

    fn workspace(&mut self, spec: &WorkspaceSpec) {
        let facts = self.facts;
        let address = &spec.address;
        let mut deps = Vec::new();
        match self.plan_import(address, facts.observed.workspaces.contains_key(address)) {
            Ok(import) => deps.extend(import),
            Err(()) => return,
        }
        let Some(observed) = facts.observed.workspaces.get(address) else {
            self.drift(
                address,
                DriftKind::WorkspaceMissing,
                DriftSeverity::Notice,
                format!(
                    "workspace `{}` was not found at Anthropic; check the id (cmek does not create workspaces)",
                    spec.id
                ),
                Vec::new(),
                true,
            );
            return;
        };
        // Attached already: equal is a no-op, different is SAFE001; detaching is SAFE002.
        let Some(registration) = &spec.external_key else {
            return;
        };
        if observed.external_key_id.is_some() {
            return;
        }
        let Some(key) = facts.registration_key(registration) else {
            return;
        };
        if self.blocked_keys.contains(key) {
            return;
        }
        if let Some(problem) = self.platform_aws_mismatch(key) {
            self.drift(
                address,
                DriftKind::PlatformMismatch,
                DriftSeverity::Notice,
                format!("{problem}; the workspace is not attached"),
                Vec::new(),
                true,
            );
            return;
        }
        let verify = self.ensure_verify(key, registration);
        deps.push(verify);
        deps.extend(self.key_action_ids.get(key).cloned().unwrap_or_default());
        deps.extend(
            self.registration_action_ids
                .get(registration)
                .cloned()
                .unwrap_or_default(),
        );
        self.push(
            address,
            Action::AttachWorkspace {
                workspace_id: observed.id.clone(),
                external_key: registration.clone(),
                external_key_id: facts.registration_remote_id(registration),
                key: key.clone(),
            },
            Reason::AttachInSpec,
            deps,
        );
    }

    /// Claude Platform on AWS: why Anthropic would refuse to attach `key`, if it would.
    /// "The key must be in the **same AWS account and region** as the workspace" and `mrk-`
    /// keys are rejected (domain/anthropic-cmek.md §4). The workspaces live in the account the
    /// configured credentials act in and the `provider "aws"` region; the key's account and
    /// region are read from the key (or, for a key this plan creates, they are those by
    /// construction). The spec loader checked the spec's region offline; this catches keys
    /// that exist already (imported, or created elsewhere).
    fn platform_aws_mismatch(&self, key: &Address) -> Option<String> {
        let facts = self.facts;
        if facts.platform() != Platform::ClaudePlatformAws {
            return None;
        }
        let observed = facts.observed.keys.get(key)?;
        let attr = |name: &str| observed.immutable.get(name).map(String::as_str);
        let arn = crate::spec::platform_rules::parse_kms_arn(&observed.remote_id);
        if attr("multi_region") == Some("true")
            || arn
                .as_ref()
                .is_some_and(|a| a.resource.starts_with("key/mrk-"))
        {
            return Some(format!(
                "{key} ({}) is a multi-region key; Claude Platform on AWS needs a single-region key",
                observed.remote_id
            ));
        }
        let key_region = attr("region").or(arn.as_ref().map(|a| a.region));
        let key_account = attr("account").or(arn.as_ref().map(|a| a.account));
        let home_region = facts
            .desired
            .providers
            .aws
            .as_ref()
            .map(|p| p.region.as_str());
        let home_account = facts.observed.aws_caller_account.as_deref();
        if let (Some(k), Some(h)) = (key_region, home_region)
            && k != h
        {
            return Some(format!(
                "{key} ({}) is in region {k}, the workspaces in {h} (provider \"aws\"): Claude Platform on AWS needs the key in the same AWS account and region as the workspace",
                observed.remote_id
            ));
        }
        if let (Some(k), Some(h)) = (key_account, home_account)
            && k != h
        {
            return Some(format!(
                "{key} ({}) is in account {k}, the workspaces in account {h}: Claude Platform on AWS needs the key in the same AWS account and region as the workspace",
                observed.remote_id
            ));
        }
        None
    }

    /// The key's VerifyKey action (one per key), created on first need; returns its id.
    fn ensure_verify(&mut self, key: &Address, registration: &Address) -> String {
        let id = action_id("verify_key", key);
        let reg_deps = self
            .registration_action_ids
            .get(registration)
            .cloned()
            .unwrap_or_default();
        if let Some(existing) = self
            .verify_index
            .get(key)
            .and_then(|&i| self.out.actions.get_mut(i))
        {
            for dep in reg_deps {
                if !existing.depends_on.contains(&dep) {
                    existing.depends_on.push(dep);
                }
            }
            return id;
        }
        let mut deps = self.key_action_ids.get(key).cloned().unwrap_or_default();
        deps.extend(reg_deps);
        let registration =
            (self.facts.platform() != Platform::ClaudePlatformAws).then(|| registration.clone());
        self.verify_index
            .insert(key.clone(), self.out.actions.len());
        self.push(
            key,
            Action::VerifyKey { registration },
            Reason::VerificationRequiredBeforeAttach,
            deps,
        )
    }

    // ---- objects whose blocks vanished ---------------------------------------------------

    fn vanished(&mut self) {
        let facts = self.facts;
        let removed: BTreeSet<&Address> = facts.desired.removed.iter().map(|r| &r.from).collect();
        let mut forget: Vec<(Address, String, bool)> = Vec::new();
        for (address, prior) in &facts.prior.keys {
            if !facts.desired.keys.contains_key(address) {
                forget.push((
                    address.clone(),
                    prior.remote_id.clone(),
                    facts.key_in_use(address),
                ));
            }
        }
        for (address, prior) in &facts.prior.registrations {
            if !facts.desired.external_keys.contains_key(address) {
                let protected = facts.registration_in_use(address);
                forget.push((address.clone(), prior.remote_id.clone(), protected));
            }
        }
        for (address, prior) in &facts.prior.workspaces {
            if !facts.desired.workspaces.contains_key(address) {
                let protected = facts.workspace_attached_id(address).is_some();
                forget.push((address.clone(), prior.remote_id.clone(), protected));
            }
        }
        for (address, remote_id, protected) in forget {
            if removed.contains(&address) {
                self.push(
                    &address,
                    Action::Forget { remote_id },
                    Reason::RemovedBlock,
                    Vec::new(),
                );
            } else if !protected {
                self.push(
                    &address,
                    Action::Forget { remote_id },
                    Reason::NoLongerInSpec,
                    Vec::new(),
                );
            }
            // Protected and not in a `removed` block: SAFE003 refuses; nothing is planned, but
            // data-endangering drift on such a key is still shown.
            else if matches!(address.kind, ObjectKind::Key(_)) {
                self.unmanaged_key_drift(&address);
            }
        }
    }

    /// Drift on a protected key whose block vanished (SAFE003): shown, not acted on.
    fn unmanaged_key_drift(&mut self, address: &Address) {
        let Some(observed) = self.facts.observed.keys.get(address) else {
            return;
        };
        let mut problems: Vec<(DriftKind, String)> = Vec::new();
        match &observed.state {
            KeyState::PendingDeletion { deletion_date } => {
                let when = deletion_date
                    .as_deref()
                    .map(|d| format!(" on {d}"))
                    .unwrap_or_default();
                problems.push((
                    DriftKind::KeyPendingDeletion,
                    format!("key is scheduled for deletion{when}"),
                ));
            }
            KeyState::Disabled => {
                problems.push((DriftKind::KeyDisabled, "key is disabled".to_string()));
            }
            KeyState::Enabled | KeyState::Other { .. } => {}
        }
        if let Some(v) = &observed.primary_version {
            let found = match v.state {
                VersionState::Disabled => Some((DriftKind::VersionDisabled, "is disabled")),
                VersionState::DestroyScheduled => Some((
                    DriftKind::VersionDestroyScheduled,
                    "is scheduled for destruction",
                )),
                VersionState::Destroyed => Some((DriftKind::VersionDestroyed, "is destroyed")),
                VersionState::Enabled | VersionState::Other(_) => None,
            };
            if let Some((kind, what)) = found {
                problems.push((kind, format!("primary version `{}` {what}", v.name)));
            }
        }
        for (kind, what) in problems {
            self.drift(
                address,
                kind,
                DriftSeverity::DataAtRisk,
                format!(
                    "{what}; the key protects data but its block is gone from the spec (SAFE003), \
                     so cmek plans nothing for it: restore the block to let cmek restore the key"
                ),
                Vec::new(),
                false,
            );
        }
    }
}

/// What an `import` block asks for at one address (see `Differ::import_target`).
enum ImportTarget {
    None,
    Adopt(String),
    Conflict(String),
}

/// Whether an import id (key id, ARN, alias name or alias ARN) names the managed key `arn`.
/// An alias is judged by the alias the refresh saw on the key.
fn key_id_names(arn: &str, id: &str, observed: Option<&super::input::ObservedKey>) -> bool {
    if arn.ends_with(&format!(":key/{id}")) {
        return true;
    }
    let alias = match id.rsplit_once(':') {
        Some((_, resource)) if id.starts_with("arn:") => resource,
        _ => id,
    };
    alias.starts_with("alias/")
        && observed
            .and_then(|k| k.mutable.get("alias"))
            .and_then(|v| v.as_str())
            .is_some_and(|a| a == alias)
}

/// The config update a registration not in use needs, if any.
fn config_update(
    spec: &ExternalKeySpec,
    observed: &ExternalKey,
    planned: &PlannedProviderConfig,
) -> Option<Action> {
    let have_geo = effective_geo(observed.geo.as_deref());
    let geo = (have_geo != spec.geo).then(|| AttributeChange {
        name: "geo".to_string(),
        before: serde_json::Value::String(have_geo.to_string()),
        after: serde_json::Value::String(spec.geo.clone()),
    });
    let provider_config = match planned {
        PlannedProviderConfig::Known { config } => {
            (!provider_config_matches(config, &observed.provider_config)).then(|| planned.clone())
        }
        PlannedProviderConfig::FromCreatedKey { .. } => Some(planned.clone()),
    };
    if geo.is_none() && provider_config.is_none() {
        return None;
    }
    Some(Action::UpdateRegistrationConfig {
        geo,
        before_provider_config: provider_config
            .as_ref()
            .map(|_| observed.provider_config.clone()),
        provider_config,
    })
}
