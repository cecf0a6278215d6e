//! The apply executor: runs a plan's actions in their (dependency) order against the providers
//! and the Admin API, persisting state after EVERY remote change, and stopping at the first
//! failure with state true to what happened.
//!
//! Invariants:
//! - a key create saves its client token in state (`pending_creates`) before the remote call,
//!   so an interrupted run finds the key instead of creating a second one;
//! - an access update is re-simulated (the oracle's `narrowed`) on the exact document about to
//!   be sent and goes out only as a `SafetyCheckedUpdate`;
//! - an attach runs only after this run's verification of its key passed (SAFE008, re-checked
//!   here), and records the protection history (served workspace with its compartment, ever
//!   attached, protects data, registration in use, workspace attached id) at once.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::address::Address;
use crate::anthropic::types::{CreateExternalKey, ProviderConfig};
use crate::engine::prior::ACCESS_ATTRIBUTE;
use crate::engine::refresh::{key_ref, plan_key};
use crate::engine::session::Session;
use crate::observed::ObservedKey as RawKey;
use crate::plan::input::{
    AccessDoc, AnthropicRequests, CompartmentStatus, CompartmentUse, Decision, PolicyOracle,
};
use crate::plan::model::{Action, PlannedAction, PlannedProviderConfig};
use crate::plan::{Plan, attrs};
use crate::policy::render::aws as render_aws;
use crate::providers::{
    AccessChange, AccessDocument, ClientToken, CreateKeyRequest, InitialAccess, KeyLocation,
    KeyProvider, KeyRef, KeySettings, RotationSetting, SafetyCheckedUpdate, SimulationEvidence,
    TagChange,
};
use crate::spec::model::{KeyKind, KeySpec, Platform};
use crate::state::clock::now_rfc3339;
use crate::state::{AttachmentRecord, EntryOrigin};

use super::verify::{VerifyInput, verify_key};

/// Why apply stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Verification of a key failed: nothing was attached to it (exit 4).
    #[error("verification of {address} failed: {reason}")]
    Verification { address: String, reason: String },
    /// Any other failure (exit 1).
    #[error("{action}: {reason}")]
    Failed { action: String, reason: String },
}

/// What a completed apply did.
#[derive(Debug, Clone, Default)]
pub struct ApplyOutcome {
    pub done: Vec<String>,
}

fn failed(action: &PlannedAction, reason: impl std::fmt::Display) -> ApplyError {
    ApplyError::Failed {
        action: action.id.clone(),
        reason: reason.to_string(),
    }
}

/// Execution context: what this run learned so far.
struct Run<'s> {
    session: &'s mut Session,
    key_refs: BTreeMap<Address, KeyRef>,
    registration_ids: BTreeMap<Address, String>,
    verified: BTreeSet<Address>,
    progress: &'s mut dyn FnMut(&str),
}

fn key_spec<'a>(session: &'a Session, address: &Address) -> Option<&'a KeySpec> {
    session.desired.keys.get(address)
}

/// The key's applied attributes to record in state: desired mutable attributes + access.
fn key_attributes(spec: Option<&KeySpec>, access: Option<&AccessDoc>) -> Value {
    let mut map = serde_json::Map::new();
    if let Some(spec) = spec {
        for (k, v) in attrs::desired_mutable(spec) {
            map.insert(k, v);
        }
    }
    if let Some(access) = access
        && let Ok(v) = serde_json::to_value(access)
    {
        map.insert(ACCESS_ATTRIBUTE.into(), v);
    }
    Value::Object(map)
}

impl Run<'_> {
    fn say(&mut self, line: &str) {
        (self.progress)(line);
    }

    async fn persist(&mut self, action: &PlannedAction) -> Result<(), ApplyError> {
        self.session
            .persist()
            .await
            .map_err(|e| failed(action, format!("could not write state: {e}")))
    }

    fn provider(&self, action: &PlannedAction) -> Result<&dyn KeyProvider, ApplyError> {
        self.session
            .clients
            .provider(crate::address::Cloud::Aws)
            .map_err(|e| failed(action, e))
    }

    fn key_ref_of(&self, action: &PlannedAction, address: &Address) -> Result<KeyRef, ApplyError> {
        if let Some(r) = self.key_refs.get(address) {
            return Ok(r.clone());
        }
        let entry = self
            .session
            .state
            .key(address)
            .ok_or_else(|| failed(action, format!("{address} has no remote key yet")))?;
        Ok(key_ref(&self.session.desired, address, entry.remote_id()))
    }

    async fn read_key(&self, action: &PlannedAction, key: &KeyRef) -> Result<RawKey, ApplyError> {
        let provider = self.provider(action)?;
        let mut results = provider
            .refresh(std::slice::from_ref(key), &crate::providers::no_progress)
            .await;
        match results.pop() {
            Some(Ok(Some(k))) => Ok(k),
            Some(Ok(None)) => Err(failed(action, format!("{} not found", key.id()))),
            Some(Err(e)) => Err(failed(action, e)),
            None => Err(failed(action, "the provider returned nothing")),
        }
    }

    /// Compartments the key serves or is about to serve (state history + spec workspaces with
    /// known compartments).
    fn compartments(&self, key: &Address) -> Vec<CompartmentUse> {
        let mut out: BTreeMap<String, CompartmentUse> = BTreeMap::new();
        if let Some(entry) = self.session.state.key(key) {
            for w in entry.protection().workspaces_served() {
                out.insert(
                    w.workspace_id.clone(),
                    CompartmentUse {
                        workspace_id: w.workspace_id.clone(),
                        compartment_uuid: w.compartment_id.clone(),
                        status: CompartmentStatus::Attached,
                    },
                );
            }
        }
        for ek in self.session.desired.external_keys_of(key) {
            for ws in self.session.desired.workspaces_of(&ek.address) {
                if out.contains_key(&ws.id) {
                    continue;
                }
                let compartment = self
                    .session
                    .state
                    .workspace(&ws.address)
                    .and_then(|w| w.compartment_id.clone())
                    .or_else(|| self.observed_compartment(&ws.address));
                if let Some(c) = compartment {
                    out.insert(
                        ws.id.clone(),
                        CompartmentUse {
                            workspace_id: ws.id.clone(),
                            compartment_uuid: c,
                            status: CompartmentStatus::AboutToAttach,
                        },
                    );
                }
            }
        }
        out.into_values().collect()
    }

    fn observed_compartment(&self, workspace: &Address) -> Option<String> {
        self.session
            .observed_workspaces
            .get(workspace)
            .map(|w| w.compartment_id.clone())
    }

    async fn create_key(
        &mut self,
        action: &PlannedAction,
        access: &AccessDoc,
    ) -> Result<(), ApplyError> {
        let address = &action.address;
        let spec = key_spec(self.session, address)
            .ok_or_else(|| failed(action, "the key is not in the spec"))?
            .clone();
        let KeyKind::Aws(aws) = &spec.kind else {
            return Err(failed(action, "only AWS keys can be created by this build"));
        };
        let AccessDoc::AwsPolicy(document) = access else {
            return Err(failed(action, "an AWS key needs a key policy"));
        };
        let token = match self.session.state.pending_creates().get(address) {
            Some(p) => p.client_token.clone(),
            None => ClientToken::generate(),
        };
        self.session
            .state
            .begin_create(address, token.clone(), &now_rfc3339());
        self.persist(action).await?;
        let request = CreateKeyRequest {
            address: address.clone(),
            location: KeyLocation::Aws {
                region: aws.region.clone(),
            },
            settings: KeySettings::Aws {
                key_spec: "SYMMETRIC_DEFAULT".into(),
                key_usage: "ENCRYPT_DECRYPT".into(),
                multi_region: aws.multi_region,
                description: aws.description.clone(),
            },
            access: InitialAccess::AwsKeyPolicy {
                document: document.clone(),
            },
            tags: aws.tags.clone(),
            rotation: aws.rotation.then_some(RotationSetting {
                enabled: true,
                period_days: aws.rotation_period_days,
                period_seconds: None,
            }),
            alias: aws.alias.clone(),
            client_token: token,
        };
        let created = self
            .provider(action)?
            .create_key(&request)
            .await
            .map_err(|e| failed(action, e))?;
        let remote = created.remote_id();
        self.key_refs.insert(address.clone(), KeyRef::of(&created));
        self.session
            .state
            .upsert_key(
                address,
                remote.as_str(),
                EntryOrigin::Created,
                key_attributes(Some(&spec), Some(access)),
                &now_rfc3339(),
            )
            .map_err(|e| failed(action, e))?;
        let org = self.session.desired.anthropic.organization_uuid.clone();
        if let Some(k) = self.session.state.key_mut(address) {
            k.protection_mut().bind_org(&org);
        }
        self.persist(action).await?;
        self.say(&format!("  created {remote}"));
        Ok(())
    }

    /// Re-simulates the exact document against Anthropic's requests, then sends it.
    async fn update_access(
        &mut self,
        action: &PlannedAction,
        after: &AccessDoc,
    ) -> Result<(), ApplyError> {
        let address = action.address.clone();
        let key = self.key_ref_of(action, &address)?;
        let current = self.read_key(action, &key).await?;
        let observed = plan_key(&current, &self.session.oracle);
        let org = self.session.desired.anthropic.organization_uuid.clone();
        let mut orgs: BTreeSet<String> = observed.org_uuids_bound.clone();
        orgs.insert(org);
        let requests = AnthropicRequests {
            platform: self.session.desired.anthropic.platform,
            org_uuids: orgs.into_iter().collect(),
            validation: true,
            workspaces: self.compartments(&address),
        };
        // `narrowed` reports flips both ways; only a request that was allowed and would be
        // denied is a loss (a fix-forward that grants Anthropic's access flips the other way).
        let flips: Vec<_> = self
            .session
            .oracle
            .narrowed(&observed.access, after, &requests)
            .into_iter()
            .filter(|f| f.old == Decision::Allow && f.new == Decision::Deny)
            .collect::<Vec<_>>();
        if !flips.is_empty() {
            let lines: Vec<String> = flips
                .iter()
                .map(|f| format!("{}: {}", f.request, f.reason))
                .collect();
            return Err(failed(
                action,
                format!(
                    "refusing to send: the new document would deny Anthropic requests (SAFE005): {}",
                    lines.join("; ")
                ),
            ));
        }
        let AccessDoc::AwsPolicy(document) = after else {
            return Err(failed(
                action,
                "only AWS key policies can be updated by this build",
            ));
        };
        let simulated = requests.org_uuids.len() * (3 + 2 * requests.workspaces.len());
        let update = SafetyCheckedUpdate::after_simulation(
            &key,
            AccessDocument::AwsKeyPolicy {
                document: document.clone(),
            },
            SimulationEvidence {
                simulated_requests: simulated,
                base_fingerprint: Some(crate::observed::Fingerprint::of_value(
                    &crate::observed::Fingerprinted::canonical_value(&current),
                )),
                summary: "SAFE005 re-simulated by apply: no request narrowed".into(),
            },
        )
        .map_err(|e| failed(action, e))?;
        self.provider(action)?
            .put_access(&key, &AccessChange::Replace(update))
            .await
            .map_err(|e| failed(action, e))?;
        let spec = key_spec(self.session, &address).cloned();
        if let Some(entry) = self.session.state.key(&address) {
            let remote = entry.remote_id().to_string();
            let origin = entry.origin;
            self.session
                .state
                .upsert_key(
                    &address,
                    &remote,
                    origin,
                    key_attributes(spec.as_ref(), Some(after)),
                    &now_rfc3339(),
                )
                .map_err(|e| failed(action, e))?;
        }
        self.persist(action).await
    }

    async fn update_attributes(
        &mut self,
        action: &PlannedAction,
        changes: &[crate::plan::model::AttributeChange],
    ) -> Result<(), ApplyError> {
        let key = self.key_ref_of(action, &action.address)?;
        let spec = key_spec(self.session, &action.address)
            .cloned()
            .ok_or_else(|| failed(action, "the key is not in the spec"))?;
        let KeyKind::Aws(aws) = &spec.kind else {
            return Err(failed(action, "only AWS keys are supported by this build"));
        };
        let provider = self.provider(action)?;
        for change in changes {
            match change.name.as_str() {
                "description" => provider
                    .set_description(&key, &aws.description)
                    .await
                    .map_err(|e| failed(action, e))?,
                "alias" => {
                    if let Some(alias) = &aws.alias {
                        provider
                            .set_alias(&key, alias)
                            .await
                            .map_err(|e| failed(action, e))?
                    }
                }
                "rotation" | "rotation_period_days" => {
                    if aws.rotation {
                        provider
                            .set_rotation(
                                &key,
                                &RotationSetting {
                                    enabled: true,
                                    period_days: aws.rotation_period_days,
                                    period_seconds: None,
                                },
                            )
                            .await
                            .map_err(|e| failed(action, e))?
                    }
                }
                "tags" => {
                    let change = TagChange::new(aws.tags.clone(), Vec::new())
                        .map_err(|e| failed(action, e))?;
                    provider
                        .set_tags_or_labels(&key, &change)
                        .await
                        .map_err(|e| failed(action, e))?
                }
                other => return Err(failed(action, format!("cannot change `{other}`"))),
            }
        }
        if let Some(entry) = self.session.state.key(&action.address) {
            let remote = entry.remote_id().to_string();
            let origin = entry.origin;
            let mut attributes = key_attributes(Some(&spec), None);
            if let (Value::Object(map), Some(Value::Object(old))) =
                (&mut attributes, Some(&entry.attributes))
                && let Some(a) = old.get(ACCESS_ATTRIBUTE)
            {
                map.insert(ACCESS_ATTRIBUTE.into(), a.clone());
            }
            self.session
                .state
                .upsert_key(&action.address, &remote, origin, attributes, &now_rfc3339())
                .map_err(|e| failed(action, e))?;
        }
        self.persist(action).await
    }

    async fn create_registration(
        &mut self,
        action: &PlannedAction,
        key: &Address,
        display_name: &Option<String>,
        geo: &str,
        config: &PlannedProviderConfig,
    ) -> Result<(), ApplyError> {
        let provider_config = match config {
            PlannedProviderConfig::Known { config } => config.clone(),
            PlannedProviderConfig::FromCreatedKey { key } => {
                let r = self.key_ref_of(action, key)?;
                match r {
                    KeyRef::Aws { region, key } => ProviderConfig::Aws {
                        kms_arn: key,
                        region: Some(region),
                    },
                    other => {
                        return Err(failed(
                            action,
                            format!("cannot register {} from this build", other.id()),
                        ));
                    }
                }
            }
        };
        let created = self
            .session
            .clients
            .anthropic
            .create_external_key(&CreateExternalKey {
                provider_config,
                display_name: display_name.clone(),
                geo: Some(geo.to_string()),
            })
            .await
            .map_err(|e| failed(action, e))?;
        self.session
            .state
            .upsert_external_key(
                &action.address,
                &created.id,
                Some(key.clone()),
                json!({"display_name": created.display_name, "geo": created.geo}),
                &now_rfc3339(),
            )
            .map_err(|e| failed(action, e))?;
        self.registration_ids
            .insert(action.address.clone(), created.id.clone());
        self.persist(action).await?;
        self.say(&format!("  registered {}", created.id));
        Ok(())
    }

    fn registration_id(&self, address: &Address) -> Option<String> {
        self.registration_ids.get(address).cloned().or_else(|| {
            self.session
                .state
                .external_key(address)
                .map(|e| e.id().to_string())
        })
    }

    async fn verify(
        &mut self,
        action: &PlannedAction,
        registration: &Option<Address>,
    ) -> Result<(), ApplyError> {
        let address = action.address.clone();
        let verification = |reason: String| ApplyError::Verification {
            address: address.to_string(),
            reason,
        };
        let key = self.key_ref_of(action, &address)?;
        let spec = key_spec(self.session, &address)
            .cloned()
            .ok_or_else(|| verification("the key is not in the spec".into()))?;
        let observed = self.read_key(action, &key).await?;
        let compartments: Vec<render_aws::CompartmentUse> = self
            .compartments(&address)
            .into_iter()
            .map(|c| render_aws::CompartmentUse {
                uuid: c.compartment_uuid,
                workspace_id: c.workspace_id,
                status: match c.status {
                    CompartmentStatus::Attached => render_aws::CompartmentStatus::Attached,
                    CompartmentStatus::FormerlyAttached => {
                        render_aws::CompartmentStatus::FormerlyAttached
                    }
                    CompartmentStatus::AboutToAttach => render_aws::CompartmentStatus::Attaching,
                },
            })
            .collect();
        let registration_id = registration.as_ref().and_then(|r| self.registration_id(r));
        let input = VerifyInput {
            key_ref: &key,
            spec: &spec,
            observed: &observed,
            platform: self.session.desired.anthropic.platform,
            org_uuid: &self.session.desired.anthropic.organization_uuid,
            compartments,
            registration_id: registration_id.as_deref(),
        };
        let provider = self.provider(action)?;
        let summary = verify_key(provider, self.session.clients.anthropic.as_ref(), &input)
            .await
            .map_err(verification)?;
        self.verified.insert(address.clone());
        self.say(&format!("  {summary}"));
        if self.session.desired.anthropic.platform == Platform::ClaudeEnterprise
            && let Some(registration) = registration
            && registration_id.is_some()
        {
            self.record_organization_key(action, &address, registration)
                .await?;
        }
        Ok(())
    }

    /// Claude Enterprise: the validated registration is now the organization's key (the
    /// sandbox and, by cmek's reading of domain/anthropic-cmek.md §1, Anthropic make the
    /// validated registration the key of the whole organization). From here on the key protects
    /// data: state remembers it so every safety rule treats it as in use, even if the spec or
    /// the remote forgets.
    async fn record_organization_key(
        &mut self,
        action: &PlannedAction,
        key: &Address,
        registration: &Address,
    ) -> Result<(), ApplyError> {
        let org = self.session.desired.anthropic.organization_uuid.clone();
        let state = &mut self.session.state;
        if let Some(entry) = state.external_key_mut(registration) {
            entry.mark_in_use();
        }
        if let Some(entry) = state.key_mut(key) {
            let protection = entry.protection_mut();
            protection.mark_protects_data();
            protection.bind_org(&org);
        }
        self.persist(action).await?;
        self.say(&format!(
            "  {registration} is the organization's key (Claude Enterprise)"
        ));
        Ok(())
    }

    async fn attach(
        &mut self,
        action: &PlannedAction,
        workspace_id: &str,
        external_key: &Address,
        key: &Address,
    ) -> Result<(), ApplyError> {
        if !self.verified.contains(key) {
            return Err(failed(
                action,
                format!("refusing to attach: {key} was not verified in this run (SAFE008)"),
            ));
        }
        // Claude Platform on AWS: "keys are identified by KMS key ARN, not `ekey_`" and "the key
        // is validated at attach" (domain/anthropic-cmek.md §4): the attach names the key ARN.
        let platform_aws = self.session.desired.anthropic.platform == Platform::ClaudePlatformAws;
        let ekey_id = if platform_aws {
            match self.key_ref_of(action, key)? {
                KeyRef::Aws { key, .. } => key,
                other => {
                    return Err(failed(
                        action,
                        format!(
                            "Claude Platform on AWS attaches AWS KMS keys only, not {}",
                            other.id()
                        ),
                    ));
                }
            }
        } else {
            self.registration_id(external_key)
                .ok_or_else(|| failed(action, format!("{external_key} is not registered")))?
        };
        let workspace = self
            .session
            .clients
            .anthropic
            .attach_workspace_key(workspace_id, &ekey_id)
            .await
            .map_err(|e| failed(action, e))?;
        let now = now_rfc3339();
        let state = &mut self.session.state;
        state
            .upsert_workspace(
                &action.address,
                workspace_id,
                Some(workspace.compartment_id.clone()),
                json!({"name": workspace.name}),
                &now,
            )
            .map_err(|e| failed(action, e))?;
        let record = AttachmentRecord {
            workspace: &action.address,
            external_key,
            key,
            compartment_id: &workspace.compartment_id,
            org_uuid: &self.session.desired.anthropic.organization_uuid,
            attached_at: &now,
        };
        if platform_aws {
            state.record_key_arn_attachment(&record)
        } else {
            state.record_attachment(&record)
        }
        .map_err(|e| failed(action, e))?;
        self.persist(action).await?;
        self.say(&format!(
            "  attached {workspace_id} to {ekey_id} (compartment {})",
            workspace.compartment_id
        ));
        Ok(())
    }

    async fn run_one(&mut self, action: &PlannedAction) -> Result<(), ApplyError> {
        match &action.action {
            Action::CreateKey { access, .. } => self.create_key(action, access).await,
            Action::UpdateKeyAccess { after, .. } | Action::RestoreAccess { after, .. } => {
                self.update_access(action, after).await
            }
            Action::UpdateKeyAttributes { changes } => {
                self.update_attributes(action, changes).await
            }
            Action::CancelKeyDeletion { .. } => {
                let key = self.key_ref_of(action, &action.address)?;
                self.provider(action)?
                    .cancel_deletion(&key)
                    .await
                    .map_err(|e| failed(action, e))
            }
            Action::EnableKey => {
                let key = self.key_ref_of(action, &action.address)?;
                self.provider(action)?
                    .enable_key(&key)
                    .await
                    .map_err(|e| failed(action, e))
            }
            Action::EnableKeyVersion { .. } => Err(failed(
                action,
                "key versions are a Cloud KMS concept; not supported by this build",
            )),
            Action::CreateRegistration {
                key,
                display_name,
                geo,
                provider_config,
            } => {
                self.create_registration(action, key, display_name, geo, provider_config)
                    .await
            }
            Action::UpdateRegistrationDisplayName { after, .. } => {
                let id = self
                    .registration_id(&action.address)
                    .ok_or_else(|| failed(action, "the registration is not in state"))?;
                self.session
                    .clients
                    .anthropic
                    .update_display_name(&id, after)
                    .await
                    .map_err(|e| failed(action, e))?;
                self.persist(action).await
            }
            Action::UpdateRegistrationConfig { .. } => Err(failed(
                action,
                "changing geo/provider_config of a registration is not supported by this build; register a new one",
            )),
            Action::VerifyKey { registration } => self.verify(action, registration).await,
            Action::AttachWorkspace {
                workspace_id,
                external_key,
                key,
                ..
            } => self.attach(action, workspace_id, external_key, key).await,
            Action::Forget { .. } => {
                self.session
                    .state
                    .forget(&action.address, action.reason.as_str(), &now_rfc3339())
                    .map_err(|e| failed(action, e))?;
                self.persist(action).await
            }
            Action::Import { remote_id } => self.import(action, remote_id).await,
        }
    }

    /// Adopts an `import` block's object: re-read and re-checked against the spec here (the
    /// same steps as `cmek import`), then saved with its protection history.
    async fn import(&mut self, action: &PlannedAction, remote_id: &str) -> Result<(), ApplyError> {
        let imported = crate::engine::import::import_one(self.session, &action.address, remote_id)
            .await
            .map_err(|e| failed(action, e))?;
        self.persist(action).await?;
        self.say(&format!("  imported {}", imported.remote_id));
        for note in &imported.notes {
            self.say(&format!("    {note}"));
        }
        Ok(())
    }
}

/// Runs every action of `plan` in order. `progress` receives one line per action and per
/// result. Stops at the first failure (state already records everything done before it).
pub async fn execute(
    session: &mut Session,
    plan: &Plan,
    key_refs: BTreeMap<Address, KeyRef>,
    progress: &mut dyn FnMut(&str),
) -> Result<ApplyOutcome, ApplyError> {
    let mut run = Run {
        session,
        key_refs,
        registration_ids: BTreeMap::new(),
        verified: BTreeSet::new(),
        progress,
    };
    let mut outcome = ApplyOutcome::default();
    for action in &plan.actions {
        let line = format!(
            "{}: {}...",
            action.address,
            crate::plan::render::describe(&action.action)
        );
        run.say(&line);
        run.run_one(action).await?;
        outcome.done.push(action.id.clone());
    }
    Ok(outcome)
}
