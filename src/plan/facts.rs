//! Facts derived once from the inputs and shared by the diff and the safety rules: which remote
//! id a registration has, which key it points at, which workspaces a key serves (now, in the
//! past, or after this plan), whether an object protects data, and each key's desired access.
//!
//! Keeping these in one place means the diff (what to do) and the safety rules (what must not
//! be done) can never disagree about, say, whether a key is in use.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::address::Address;
use crate::anthropic::types::{Attachment, ProviderConfig};
use crate::spec::model::{Desired, KeyKind, KeySpec, Platform};

use super::input::{
    AccessDoc, AnthropicRequests, CompartmentStatus, CompartmentUse, DesiredAccessInput,
    ORG_LABEL_PREFIX, Observed, PolicyOracle, Prior, PriorKey,
};

/// Everything the plan core reads, plus the facts derived from it.
pub struct Facts<'a> {
    pub desired: &'a Desired,
    pub prior: &'a Prior,
    pub observed: &'a Observed,
    pub oracle: &'a dyn PolicyOracle,
    pub keys: BTreeMap<Address, KeyFacts<'a>>,
    /// Tombstoned key histories by remote id (for re-adopted keys).
    tombstones: HashMap<&'a str, &'a PriorKey>,
}

/// What is known about one key (in the spec, in state, or both).
pub struct KeyFacts<'a> {
    /// State's protection history (from state, or from a tombstone with the same remote id).
    pub history: Option<&'a PriorKey>,
    /// Every workspace the key is, was, or is about to be attached to; by workspace id.
    pub compartments: Vec<CompartmentUse>,
    /// Sorted: the current organization and every one ever bound.
    pub org_uuids: Vec<String>,
    /// The key protects data: ever attached, served a workspace, or a registration in use.
    pub in_use: bool,
    /// Rendered from the spec with all compartments; `None` for keys not in the spec.
    pub desired_access: Option<AccessDoc>,
}

impl<'a> Facts<'a> {
    pub fn new(
        desired: &'a Desired,
        prior: &'a Prior,
        observed: &'a Observed,
        oracle: &'a dyn PolicyOracle,
    ) -> Self {
        let mut facts = Facts {
            desired,
            prior,
            observed,
            oracle,
            keys: BTreeMap::new(),
            tombstones: prior
                .tombstones
                .iter()
                .filter_map(|t| t.key.as_ref().map(|k| (t.remote_id.as_str(), k)))
                .collect(),
        };
        facts.keys = facts.derive_keys();
        facts
    }

    pub fn platform(&self) -> Platform {
        self.desired.anthropic.platform
    }

    /// The key a registration points at (spec first, then state).
    pub fn registration_key(&self, registration: &Address) -> Option<&'a Address> {
        if let Some(spec) = self.desired.external_keys.get(registration) {
            return Some(&spec.key);
        }
        self.prior
            .registrations
            .get(registration)
            .and_then(|r| r.key.as_ref())
    }

    /// The registration's remote id as it exists now: the observed `ekey_...`; on Claude
    /// Platform on AWS the key's ARN. `None` when it does not exist yet.
    pub fn registration_remote_id(&self, registration: &Address) -> Option<String> {
        if self.platform() == Platform::ClaudePlatformAws {
            let key = self.registration_key(registration)?;
            return self.observed.keys.get(key).map(|k| k.remote_id.clone());
        }
        self.observed
            .registrations
            .get(registration)
            .map(|r| r.id.clone())
    }

    /// Some workspace (live or archived) references the registration.
    pub fn registration_in_use(&self, registration: &Address) -> bool {
        let observed = self
            .observed
            .registrations
            .get(registration)
            .is_some_and(|r| r.attachment == Attachment::Attached);
        let prior = self
            .prior
            .registrations
            .get(registration)
            .is_some_and(|r| r.in_use);
        observed || prior
    }

    /// The key id a workspace is attached to (observed; state's memory when not read).
    pub fn workspace_attached_id(&self, workspace: &Address) -> Option<String> {
        match self.observed.workspaces.get(workspace) {
            Some(w) => w.external_key_id.clone(),
            None => self
                .prior
                .workspaces
                .get(workspace)
                .and_then(|w| w.attached_external_key_id.clone()),
        }
    }

    /// Whether a key (by address) protects data.
    pub fn key_in_use(&self, key: &Address) -> bool {
        self.keys.get(key).is_some_and(|k| k.in_use)
    }

    /// Requests whose success data already depends on: validation plus the traffic of every
    /// attached or formerly attached workspace (not the ones about to be attached).
    pub fn existing_requests(&self, key: &Address) -> AnthropicRequests {
        let (workspaces, org_uuids) = match self.keys.get(key) {
            Some(k) => (
                k.compartments
                    .iter()
                    .filter(|c| c.status != CompartmentStatus::AboutToAttach)
                    .cloned()
                    .collect(),
                k.org_uuids.clone(),
            ),
            None => (
                Vec::new(),
                vec![self.desired.anthropic.organization_uuid.clone()],
            ),
        };
        AnthropicRequests {
            platform: self.platform(),
            org_uuids,
            validation: true,
            workspaces,
        }
    }

    /// The desired access of a spec key rendered with only some of its compartments.
    pub fn render_access_with(
        &self,
        spec: &KeySpec,
        facts: &KeyFacts<'_>,
        keep: impl Fn(&CompartmentUse) -> bool,
    ) -> AccessDoc {
        let compartments: Vec<CompartmentUse> = facts
            .compartments
            .iter()
            .filter(|c| keep(c))
            .cloned()
            .collect();
        self.oracle.render_desired_access(&DesiredAccessInput {
            key: spec,
            platform: self.platform(),
            aws_account: self.aws_account(&spec.address),
            compartments: &compartments,
            org_uuids: &facts.org_uuids,
            protects_pre_current_data: facts.history.is_some_and(|h| h.data_under_older_policy),
        })
    }

    /// The AWS account that owns a key: the observed `account` attribute, else the caller's.
    pub fn aws_account(&self, key: &Address) -> Option<&'a str> {
        self.observed
            .keys
            .get(key)
            .and_then(|k| k.immutable.get("account"))
            .map(String::as_str)
            .or(self.observed.aws_caller_account.as_deref())
    }

    fn derive_keys(&self) -> BTreeMap<Address, KeyFacts<'a>> {
        let key_addresses: BTreeSet<&Address> = self
            .desired
            .keys
            .keys()
            .chain(self.prior.keys.keys())
            .collect();

        // Registration remote id -> key address, over every registration we know.
        let mut registration_addresses: BTreeSet<&Address> =
            self.desired.external_keys.keys().collect();
        registration_addresses.extend(self.prior.registrations.keys());
        registration_addresses.extend(self.observed.registrations.keys());
        let mut id_to_key: HashMap<String, &Address> = HashMap::new();
        let mut registrations_of: HashMap<&Address, Vec<&Address>> = HashMap::new();
        for reg in &registration_addresses {
            let Some(key) = self.registration_key(reg) else {
                continue;
            };
            registrations_of.entry(key).or_default().push(reg);
            if let Some(id) = self.registration_remote_id(reg) {
                id_to_key.insert(id, key);
            }
            if let Some(prior) = self.prior.registrations.get(*reg) {
                id_to_key.entry(prior.remote_id.clone()).or_insert(key);
            }
        }

        // Workspaces: attached now (observed or remembered) or about to be attached.
        let mut uses: HashMap<&Address, BTreeMap<String, CompartmentUse>> = HashMap::new();
        let mut workspace_addresses: BTreeSet<&Address> = self.desired.workspaces.keys().collect();
        workspace_addresses.extend(self.prior.workspaces.keys());
        workspace_addresses.extend(self.observed.workspaces.keys());
        for ws in workspace_addresses {
            let observed = self.observed.workspaces.get(ws);
            let compartment = observed.map(|w| w.compartment_id.clone()).or_else(|| {
                self.prior
                    .workspaces
                    .get(ws)
                    .and_then(|w| w.compartment_uuid.clone())
            });
            let Some(compartment) = compartment else {
                continue;
            };
            let workspace_id = observed
                .map(|w| w.id.clone())
                .or_else(|| self.prior.workspaces.get(ws).map(|w| w.remote_id.clone()))
                .or_else(|| self.desired.workspaces.get(ws).map(|w| w.id.clone()))
                .unwrap_or_default();
            match self.workspace_attached_id(ws) {
                Some(id) => {
                    if let Some(key) = id_to_key.get(&id) {
                        insert_use(
                            uses.entry(key).or_default(),
                            &workspace_id,
                            &compartment,
                            CompartmentStatus::Attached,
                        );
                    }
                }
                None => {
                    let target = self
                        .desired
                        .workspaces
                        .get(ws)
                        .and_then(|w| w.external_key.as_ref())
                        .and_then(|e| self.registration_key(e));
                    if let (Some(key), Some(_)) = (target, observed) {
                        insert_use(
                            uses.entry(key).or_default(),
                            &workspace_id,
                            &compartment,
                            CompartmentStatus::AboutToAttach,
                        );
                    }
                }
            }
        }

        let mut out = BTreeMap::new();
        for key in key_addresses {
            let history = self.history(key);
            let mut compartments = uses.remove(key).unwrap_or_default();
            if let Some(h) = history {
                for served in &h.served {
                    insert_use(
                        &mut compartments,
                        &served.workspace_id,
                        &served.compartment_uuid,
                        CompartmentStatus::FormerlyAttached,
                    );
                }
            }
            let compartments: Vec<CompartmentUse> = compartments.into_values().collect();
            let registrations_in_use = registrations_of
                .get(key)
                .is_some_and(|regs| regs.iter().any(|r| self.registration_in_use(r)));
            let in_use = history.is_some_and(|h| h.ever_attached || h.protects_data)
                || compartments
                    .iter()
                    .any(|c| c.status != CompartmentStatus::AboutToAttach)
                || registrations_in_use;
            let org_uuids = self.org_uuids(key, history);
            let mut facts = KeyFacts {
                history,
                compartments,
                org_uuids,
                in_use,
                desired_access: None,
            };
            if let Some(spec) = self.desired.keys.get(key) {
                facts.desired_access = Some(self.render_access_with(spec, &facts, |_| true));
            }
            out.insert(key.clone(), facts);
        }
        out
    }

    /// State's history for a key, or a tombstone's when the same remote object is re-adopted.
    fn history(&self, key: &Address) -> Option<&'a PriorKey> {
        if let Some(h) = self.prior.keys.get(key) {
            return Some(h);
        }
        let remote = self.observed.keys.get(key)?.remote_id.as_str();
        self.tombstones.get(remote).copied()
    }

    fn org_uuids(&self, key: &Address, history: Option<&PriorKey>) -> Vec<String> {
        let mut set: BTreeSet<String> = BTreeSet::new();
        set.insert(self.desired.anthropic.organization_uuid.clone());
        if let Some(h) = history {
            set.extend(h.org_uuids_bound.iter().cloned());
        }
        if let Some(spec) = self.desired.keys.get(key) {
            let named = match &spec.kind {
                KeyKind::Aws(_) => None,
                KeyKind::Gcp(g) => Some(&g.labels),
                KeyKind::Azure(a) => Some(&a.tags),
            };
            for (name, value) in named.into_iter().flatten() {
                if let Some(uuid) = name.strip_prefix(ORG_LABEL_PREFIX)
                    && value == "true"
                {
                    set.insert(uuid.to_string());
                }
            }
        }
        set.into_iter().collect()
    }
}

/// Adds a use, keeping the strongest status (attached > about to attach > formerly attached).
fn insert_use(
    map: &mut BTreeMap<String, CompartmentUse>,
    workspace_id: &str,
    compartment: &str,
    status: CompartmentStatus,
) {
    let entry = map
        .entry(workspace_id.to_string())
        .or_insert_with(|| CompartmentUse {
            workspace_id: workspace_id.to_string(),
            compartment_uuid: compartment.to_string(),
            status,
        });
    let strength = |s: CompartmentStatus| match s {
        CompartmentStatus::Attached => 2,
        CompartmentStatus::AboutToAttach => 1,
        CompartmentStatus::FormerlyAttached => 0,
    };
    if strength(status) > strength(entry.status) {
        entry.status = status;
        entry.compartment_uuid = compartment.to_string();
    }
}

/// The registration's `provider_config` derived from its key's spec; `None` for an AWS key
/// that does not exist yet (its ARN is known only after creation).
pub fn desired_provider_config(
    spec: &KeySpec,
    observed_remote_id: Option<&str>,
) -> Option<ProviderConfig> {
    match &spec.kind {
        KeyKind::Aws(a) => observed_remote_id.map(|arn| ProviderConfig::Aws {
            kms_arn: arn.to_string(),
            region: Some(a.region.clone()),
        }),
        KeyKind::Gcp(g) => Some(ProviderConfig::Gcp {
            key_name: format!(
                "projects/{}/locations/{}/keyRings/{}/cryptoKeys/{}",
                g.project, g.location, g.key_ring, g.name
            ),
        }),
        KeyKind::Azure(z) => Some(ProviderConfig::Azure {
            vault_uri: z.vault_uri.clone(),
            key_name: z.name.clone(),
            tenant_id: z.tenant_id.clone(),
            client_id: None,
        }),
    }
}

/// Whether an observed `provider_config` already says what the spec wants. Optional fields the
/// spec does not set (AWS `region` when absent remotely, Azure `client_id`) are not compared.
pub fn provider_config_matches(desired: &ProviderConfig, observed: &ProviderConfig) -> bool {
    match (desired, observed) {
        (
            ProviderConfig::Aws {
                kms_arn: a,
                region: ra,
            },
            ProviderConfig::Aws {
                kms_arn: b,
                region: rb,
            },
        ) => a == b && (ra.is_none() || rb.is_none() || ra == rb),
        (ProviderConfig::Gcp { key_name: a }, ProviderConfig::Gcp { key_name: b }) => a == b,
        (
            ProviderConfig::Azure {
                vault_uri: va,
                key_name: ka,
                tenant_id: ta,
                client_id: ca,
            },
            ProviderConfig::Azure {
                vault_uri: vb,
                key_name: kb,
                tenant_id: tb,
                client_id: cb,
            },
        ) => {
            va.trim_end_matches('/') == vb.trim_end_matches('/')
                && ka == kb
                && ta.eq_ignore_ascii_case(tb)
                && (ca.is_none() || ca == cb)
        }
        _ => false,
    }
}

/// The geo a registration has; the API may omit it, and `us` is the only one there is.
pub fn effective_geo(geo: Option<&str>) -> &str {
    geo.unwrap_or("us")
}
