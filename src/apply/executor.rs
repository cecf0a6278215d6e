//! The apply executor: runs a plan's actions against the providers and the Admin API with
//! bounded parallelism, in dependency order, persisting state after EVERY remote change, and
//! stopping at the first failure with state true to what happened.
//!
//! Scheduling ([`super::schedule`]): an action may start when every action it `depends_on` succeeded
//! AND every earlier action (in plan order) of the same *key group* succeeded. The key group is
//! the key an action is about (a key's own actions, its registrations, the attaches of its
//! workspaces), so the actions of one key always run one after another in plan order, and
//! actions of different keys run concurrently, at most `parallelism` at once.
//!
//! Remote calls run inside the in-flight futures; every state mutation and every state write
//! happens in the one scheduling loop, so state changes are serialized and each remote change
//! is persisted before the next completion is looked at.
//!
//! Invariants:
//! - a key create saves its client token in state (`pending_creates`) and persists it before
//!   the remote call, so an interrupted run finds the key instead of creating a second one;
//! - an access update is re-simulated (the oracle's `narrowed`) on the exact document about to
//!   be sent and goes out only as a `SafetyCheckedUpdate`;
//! - an attach starts only after this run's verification of its key passed (SAFE008, re-checked
//!   here) and after the key's access update (same key group, earlier in plan order); it records
//!   the protection history (served workspace with its compartment, ever attached, protects
//!   data, registration in use, workspace attached id) at once;
//! - an attach is held, never started, when the plan has a lint finding of severity `error` on
//!   its key, registration or workspace (DESIGN.md §4): the safe steps still run, then apply
//!   stops with [`ApplyError::Findings`] (exit 4);
//! - after the first failure no new action starts; actions already in flight finish and their
//!   results are recorded (and persisted) before `execute` returns the failure.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::{Value, json};

use crate::address::{Address, Cloud, ObjectKind};
use crate::anthropic::types::{CreateExternalKey, ExternalKey, ProviderConfig, Workspace};
use crate::engine::prior::ACCESS_ATTRIBUTE;
use crate::engine::refresh::{key_ref, plan_key};
use crate::engine::session::Session;
use crate::observed::ObservedKey as RawKey;
use crate::plan::input::{
    AccessDoc, AnthropicRequests, CompartmentStatus, CompartmentUse, Decision, PolicyOracle,
};
use crate::plan::model::{Action, AttributeChange, PlannedAction, PlannedProviderConfig};
use crate::plan::{Plan, attrs};
use crate::policy::render::aws as render_aws;
use crate::providers::{
    AccessChange, AccessDocument, AnthropicApi, ClientToken, CreateKeyRequest, InitialAccess,
    KeyLocation, KeyProvider, KeyRef, KeySettings, RotationSetting, SafetyCheckedUpdate,
    SimulationEvidence, TagChange,
};
use crate::spec::model::{Desired, KeyKind, KeySpec, Platform};
use crate::state::clock::now_rfc3339;
use crate::state::{AttachmentRecord, EntryOrigin, LockGuard, State, StateBackend};

use super::schedule::{Schedule, schedule};
use super::verify::{VerifyInput, verify_key};

/// Why apply stopped.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApplyError {
    /// Verification of a key failed: nothing was attached to it (exit 4).
    #[error("verification of {address} failed: {reason}")]
    Verification { address: String, reason: String },
    /// Keys with lint findings of severity `error`: their safe steps ran, their attaches were
    /// held (exit 4).
    #[error(
        "lint findings of severity error on {}: not attached: {}",
        addresses.join(", "),
        held.join(", ")
    )]
    Findings {
        /// The addresses with error findings.
        addresses: Vec<String>,
        /// The ids of the attaches that were held.
        held: Vec<String>,
    },
    /// Any other failure (exit 1).
    #[error("{action}: {reason}")]
    Failed { action: String, reason: String },
}

/// What a completed apply did.
#[derive(Debug, Clone, Default)]
pub struct ApplyOutcome {
    /// Ids of the actions that succeeded, in the order they finished.
    pub done: Vec<String>,
}

/// What happened to one action, as it happens (for progress output and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyEventKind {
    Started,
    Succeeded,
    Failed,
    /// Not started: an attach to a key with lint findings of severity `error`.
    Held,
}

/// One progress event. `message` is a short sentence (never key material).
#[derive(Debug, Clone)]
pub struct ApplyEvent<'p> {
    pub action: &'p PlannedAction,
    pub kind: ApplyEventKind,
    pub message: String,
}

impl ApplyEvent<'_> {
    /// One line for the terminal.
    pub fn line(&self) -> String {
        let address = &self.action.address;
        match self.kind {
            ApplyEventKind::Started => format!("{address}: {}...", self.message),
            ApplyEventKind::Succeeded => format!("{address}: {}", self.message),
            ApplyEventKind::Failed => format!("{address}: FAILED: {}", self.message),
            ApplyEventKind::Held => format!("{address}: HELD: {}", self.message),
        }
    }
}

fn failed(action: &PlannedAction, reason: impl std::fmt::Display) -> ApplyError {
    ApplyError::Failed {
        action: action.id.clone(),
        reason: reason.to_string(),
    }
}

/// Everything the executor works with. Built from a [`Session`] by [`ApplyEnv::from_session`];
/// tests replace the clients with recording doubles.
pub struct ApplyEnv<'a> {
    pub desired: &'a Desired,
    pub state: &'a mut State,
    pub backend: &'a dyn StateBackend,
    pub lock: &'a LockGuard,
    /// The AWS KMS provider, when the spec uses AWS.
    pub aws: Option<Arc<dyn KeyProvider>>,
    pub anthropic: Arc<dyn AnthropicApi>,
    pub oracle: &'a dyn PolicyOracle,
    /// Workspaces as the last refresh read them (their compartments).
    pub observed_workspaces: &'a BTreeMap<Address, Workspace>,
    /// At most this many actions in flight (at least 1).
    pub parallelism: usize,
}

impl<'a> ApplyEnv<'a> {
    /// The session's spec, state (under its lock), clients and oracle.
    pub fn from_session(session: &'a mut Session) -> Result<ApplyEnv<'a>, ApplyError> {
        let lock = session.lock.as_ref().ok_or_else(|| ApplyError::Failed {
            action: "apply".into(),
            reason: "the state lock was already released".into(),
        })?;
        Ok(ApplyEnv {
            desired: &session.desired,
            state: &mut session.state,
            backend: &session.backend,
            lock,
            aws: session
                .clients
                .aws
                .clone()
                .map(|a| a as Arc<dyn KeyProvider>),
            anthropic: session.clients.anthropic.clone(),
            oracle: &session.oracle,
            observed_workspaces: &session.observed_workspaces,
            parallelism: session.parallelism.max(1),
        })
    }
}

/// What this run learned so far (read when preparing actions, written by completions).
#[derive(Default)]
struct Memory {
    key_refs: BTreeMap<Address, KeyRef>,
    registration_ids: BTreeMap<Address, String>,
    verified: BTreeSet<Address>,
}

/// The result of an action's remote part, applied to state by the scheduling loop.
enum Completion {
    KeyCreated {
        created: RawKey,
        access: AccessDoc,
    },
    AccessUpdated {
        after: AccessDoc,
    },
    AttributesUpdated,
    /// A restorative call (cancel deletion, enable): nothing to record.
    Restored,
    RegistrationCreated {
        key: Address,
        created: ExternalKey,
    },
    DisplayNameUpdated,
    Verified {
        summary: String,
        /// Claude Enterprise: the registration Anthropic just validated, which makes it the
        /// organization's key.
        organization_key: Option<Address>,
    },
    Attached {
        workspace: Workspace,
        workspace_id: String,
        external_key: Address,
        key: Address,
        ekey_id: String,
    },
    /// A state-only action (forget, import) already applied.
    StateOnly,
}

type Job<'f> = Pin<Box<dyn Future<Output = (usize, Result<Completion, ApplyError>)> + 'f>>;

/// What preparing an action gives.
enum Prepared<'f> {
    /// The remote part, to run concurrently.
    Remote(Job<'f>),
    /// A state-only action (forget, import): the loop applies it at once.
    StateOnly,
}

fn key_spec<'d>(desired: &'d Desired, address: &Address) -> Option<&'d KeySpec> {
    desired.keys.get(address)
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

/// Read-only view used to prepare an action.
struct Ctx<'c> {
    desired: &'c Desired,
    state: &'c State,
    memory: &'c Memory,
    observed_workspaces: &'c BTreeMap<Address, Workspace>,
}

impl Ctx<'_> {
    fn key_ref_of(&self, action: &PlannedAction, address: &Address) -> Result<KeyRef, ApplyError> {
        if let Some(r) = self.memory.key_refs.get(address) {
            return Ok(r.clone());
        }
        let entry = self
            .state
            .key(address)
            .ok_or_else(|| failed(action, format!("{address} has no remote key yet")))?;
        Ok(key_ref(self.desired, address, entry.remote_id()))
    }

    fn registration_id(&self, address: &Address) -> Option<String> {
        self.memory
            .registration_ids
            .get(address)
            .cloned()
            .or_else(|| self.state.external_key(address).map(|e| e.id().to_string()))
    }

    /// Compartments the key serves or is about to serve (state history + spec workspaces with
    /// known compartments).
    fn compartments(&self, key: &Address) -> Vec<CompartmentUse> {
        let mut out: BTreeMap<String, CompartmentUse> = BTreeMap::new();
        if let Some(entry) = self.state.key(key) {
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
        for ek in self.desired.external_keys_of(key) {
            for ws in self.desired.workspaces_of(&ek.address) {
                if out.contains_key(&ws.id) {
                    continue;
                }
                let compartment = self
                    .state
                    .workspace(&ws.address)
                    .and_then(|w| w.compartment_id.clone())
                    .or_else(|| {
                        self.observed_workspaces
                            .get(&ws.address)
                            .map(|w| w.compartment_id.clone())
                    });
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
}

/// The provider of a key's cloud.
fn provider_for(
    aws: &Option<Arc<dyn KeyProvider>>,
    action: &PlannedAction,
    cloud: Cloud,
) -> Result<Arc<dyn KeyProvider>, ApplyError> {
    match cloud {
        Cloud::Aws => aws
            .clone()
            .ok_or_else(|| failed(action, "no AWS provider is configured")),
        other => Err(failed(
            action,
            format!("{} keys are not supported by this build", other.as_str()),
        )),
    }
}

fn cloud_of(action: &PlannedAction, address: &Address) -> Result<Cloud, ApplyError> {
    match address.kind {
        ObjectKind::Key(cloud) => Ok(cloud),
        _ => Err(failed(action, format!("{address} is not a key"))),
    }
}

async fn read_key(
    provider: &dyn KeyProvider,
    action: &PlannedAction,
    key: &KeyRef,
) -> Result<RawKey, ApplyError> {
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

/// The executor's fixed inputs, shared by every job.
struct Shared<'a> {
    desired: &'a Desired,
    aws: Option<Arc<dyn KeyProvider>>,
    anthropic: Arc<dyn AnthropicApi>,
    oracle: &'a dyn PolicyOracle,
}

impl<'a> Shared<'a> {
    fn org(&self) -> &'a str {
        &self.desired.anthropic.organization_uuid
    }

    fn platform(&self) -> Platform {
        self.desired.anthropic.platform
    }

    /// Prepares one action: reads what it needs from state now, returns its remote part.
    fn prepare<'f>(
        &'f self,
        index: usize,
        action: &'f PlannedAction,
        cx: &Ctx<'_>,
        token: Option<ClientToken>,
    ) -> Result<Prepared<'f>, ApplyError>
    where
        'a: 'f,
    {
        let job = |fut: Pin<Box<dyn Future<Output = Result<Completion, ApplyError>> + 'f>>| {
            Prepared::Remote(Box::pin(async move { (index, fut.await) }))
        };
        Ok(match &action.action {
            Action::CreateKey { access, .. } => {
                let token = token.ok_or_else(|| {
                    failed(
                        action,
                        "internal: a key create needs its recorded client token",
                    )
                })?;
                job(Box::pin(self.create_key(action, access, token)))
            }
            Action::UpdateKeyAccess { after, .. } | Action::RestoreAccess { after, .. } => {
                let key = cx.key_ref_of(action, &action.address)?;
                let compartments = cx.compartments(&action.address);
                job(Box::pin(self.update_access(
                    action,
                    key,
                    compartments,
                    after,
                )))
            }
            Action::UpdateKeyAttributes { changes } => {
                let key = cx.key_ref_of(action, &action.address)?;
                job(Box::pin(self.update_attributes(action, key, changes)))
            }
            Action::CancelKeyDeletion { .. } => {
                let key = cx.key_ref_of(action, &action.address)?;
                let provider = provider_for(&self.aws, action, cloud_of(action, &action.address)?)?;
                job(Box::pin(async move {
                    provider
                        .cancel_deletion(&key)
                        .await
                        .map_err(|e| failed(action, e))?;
                    Ok(Completion::Restored)
                }))
            }
            Action::EnableKey => {
                let key = cx.key_ref_of(action, &action.address)?;
                let provider = provider_for(&self.aws, action, cloud_of(action, &action.address)?)?;
                job(Box::pin(async move {
                    provider
                        .enable_key(&key)
                        .await
                        .map_err(|e| failed(action, e))?;
                    Ok(Completion::Restored)
                }))
            }
            Action::EnableKeyVersion { .. } => {
                return Err(failed(
                    action,
                    "key versions are a Cloud KMS concept; not supported by this build",
                ));
            }
            Action::CreateRegistration {
                key,
                display_name,
                geo,
                provider_config,
            } => {
                let provider_config = match provider_config {
                    PlannedProviderConfig::Known { config } => config.clone(),
                    PlannedProviderConfig::FromCreatedKey { key } => {
                        match cx.key_ref_of(action, key)? {
                            KeyRef::Aws { region, key, .. } => ProviderConfig::Aws {
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
                let request = CreateExternalKey {
                    provider_config,
                    display_name: display_name.clone(),
                    geo: Some(geo.clone()),
                };
                let api = self.anthropic.clone();
                let key = key.clone();
                job(Box::pin(async move {
                    let created = api
                        .create_external_key(&request)
                        .await
                        .map_err(|e| failed(action, e))?;
                    Ok(Completion::RegistrationCreated { key, created })
                }))
            }
            Action::UpdateRegistrationDisplayName { after, .. } => {
                let id = cx
                    .registration_id(&action.address)
                    .ok_or_else(|| failed(action, "the registration is not in state"))?;
                let api = self.anthropic.clone();
                job(Box::pin(async move {
                    api.update_display_name(&id, after)
                        .await
                        .map_err(|e| failed(action, e))?;
                    Ok(Completion::DisplayNameUpdated)
                }))
            }
            Action::UpdateRegistrationConfig { .. } => {
                return Err(failed(
                    action,
                    "changing geo/provider_config of a registration is not supported by this build; register a new one",
                ));
            }
            Action::VerifyKey { registration } => {
                let key = cx.key_ref_of(action, &action.address)?;
                let compartments = cx.compartments(&action.address);
                let registration_id = registration.as_ref().and_then(|r| cx.registration_id(r));
                let organization_key = match (self.platform(), registration, &registration_id) {
                    (Platform::ClaudeEnterprise, Some(r), Some(_)) => Some(r.clone()),
                    _ => None,
                };
                job(Box::pin(self.verify(
                    action,
                    key,
                    compartments,
                    registration_id,
                    organization_key,
                )))
            }
            Action::AttachWorkspace {
                workspace_id,
                external_key,
                key,
                ..
            } => {
                if !cx.memory.verified.contains(key) {
                    return Err(failed(
                        action,
                        format!("refusing to attach: {key} was not verified in this run (SAFE008)"),
                    ));
                }
                // Claude Platform on AWS: "keys are identified by KMS key ARN, not `ekey_`" and
                // "the key is validated at attach" (domain/anthropic-cmek.md §4): the attach
                // names the key ARN.
                let ekey_id = if self.platform() == Platform::ClaudePlatformAws {
                    match cx.key_ref_of(action, key)? {
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
                    cx.registration_id(external_key).ok_or_else(|| {
                        failed(action, format!("{external_key} is not registered"))
                    })?
                };
                let api = self.anthropic.clone();
                let (external_key, key) = (external_key.clone(), key.clone());
                job(Box::pin(async move {
                    let workspace = api
                        .attach_workspace_key(workspace_id, &ekey_id)
                        .await
                        .map_err(|e| failed(action, e))?;
                    Ok(Completion::Attached {
                        workspace,
                        workspace_id: workspace_id.clone(),
                        external_key,
                        key,
                        ekey_id,
                    })
                }))
            }
            Action::Forget { .. } | Action::Import { .. } => Prepared::StateOnly,
        })
    }

    async fn create_key(
        &self,
        action: &PlannedAction,
        access: &AccessDoc,
        token: ClientToken,
    ) -> Result<Completion, ApplyError> {
        let address = &action.address;
        let spec = key_spec(self.desired, address)
            .ok_or_else(|| failed(action, "the key is not in the spec"))?;
        let KeyKind::Aws(aws) = &spec.kind else {
            return Err(failed(action, "only AWS keys can be created by this build"));
        };
        let AccessDoc::AwsPolicy(document) = access else {
            return Err(failed(action, "an AWS key needs a key policy"));
        };
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
        let provider = provider_for(&self.aws, action, cloud_of(action, address)?)?;
        let created = provider
            .create_key(&request)
            .await
            .map_err(|e| failed(action, e))?;
        Ok(Completion::KeyCreated {
            created,
            access: access.clone(),
        })
    }

    /// Re-simulates the exact document against Anthropic's requests, then sends it.
    async fn update_access(
        &self,
        action: &PlannedAction,
        key: KeyRef,
        compartments: Vec<CompartmentUse>,
        after: &AccessDoc,
    ) -> Result<Completion, ApplyError> {
        let provider = provider_for(&self.aws, action, cloud_of(action, &action.address)?)?;
        let current = read_key(provider.as_ref(), action, &key).await?;
        let observed = plan_key(&current, self.oracle);
        let mut orgs: BTreeSet<String> = observed.org_uuids_bound.clone();
        orgs.insert(self.org().to_string());
        let requests = AnthropicRequests {
            platform: self.platform(),
            org_uuids: orgs.into_iter().collect(),
            validation: true,
            workspaces: compartments,
        };
        // Only requests the key allows now and the new document would deny count: a request
        // it starts allowing (the compartment of a workspace about to be attached) is the point.
        let flips: Vec<_> = self
            .oracle
            .narrowed(&observed.access, after, &requests)
            .into_iter()
            .filter(|f| f.old == Decision::Allow && f.new == Decision::Deny)
            .collect();
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
        provider
            .put_access(&key, &AccessChange::Replace(update))
            .await
            .map_err(|e| failed(action, e))?;
        Ok(Completion::AccessUpdated {
            after: after.clone(),
        })
    }

    async fn update_attributes(
        &self,
        action: &PlannedAction,
        key: KeyRef,
        changes: &[AttributeChange],
    ) -> Result<Completion, ApplyError> {
        let spec = key_spec(self.desired, &action.address)
            .ok_or_else(|| failed(action, "the key is not in the spec"))?;
        let KeyKind::Aws(aws) = &spec.kind else {
            return Err(failed(action, "only AWS keys are supported by this build"));
        };
        let provider = provider_for(&self.aws, action, cloud_of(action, &action.address)?)?;
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
        Ok(Completion::AttributesUpdated)
    }

    async fn verify(
        &self,
        action: &PlannedAction,
        key: KeyRef,
        compartments: Vec<CompartmentUse>,
        registration_id: Option<String>,
        organization_key: Option<Address>,
    ) -> Result<Completion, ApplyError> {
        let address = &action.address;
        let verification = |reason: String| ApplyError::Verification {
            address: address.to_string(),
            reason,
        };
        let spec = key_spec(self.desired, address)
            .ok_or_else(|| verification("the key is not in the spec".into()))?;
        let provider = provider_for(&self.aws, action, cloud_of(action, address)?)?;
        let observed = read_key(provider.as_ref(), action, &key).await?;
        let compartments: Vec<render_aws::CompartmentUse> = compartments
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
        let input = VerifyInput {
            key_ref: &key,
            spec,
            observed: &observed,
            platform: self.platform(),
            org_uuid: self.org(),
            compartments,
            registration_id: registration_id.as_deref(),
        };
        let summary = verify_key(provider.as_ref(), self.anthropic.as_ref(), &input)
            .await
            .map_err(verification)?;
        Ok(Completion::Verified {
            summary,
            organization_key,
        })
    }
}

/// Applies a state-only action (forget) to state.
fn apply_state_only(state: &mut State, action: &PlannedAction) -> Result<(), ApplyError> {
    let now = now_rfc3339();
    match &action.action {
        Action::Forget { .. } => state
            .forget(&action.address, action.reason.as_str(), &now)
            .map(|_| ())
            .map_err(|e| failed(action, e)),
        // Imports re-read and re-check the remote object; [`execute`] runs them through
        // `engine::import` before the scheduler starts.
        Action::Import { .. } => Err(failed(
            action,
            "internal: imports run before the other actions (apply::execute)",
        )),
        _ => Err(failed(action, "internal: not a state-only action")),
    }
}

/// Claude Enterprise: the validated registration is now the organization's key (the sandbox
/// and, by cmek's reading of domain/anthropic-cmek.md §1, Anthropic make the validated
/// registration the key of the whole organization). From here on the key protects data: state
/// remembers it so every safety rule treats it as in use, even if the spec or the remote forgets.
fn record_organization_key(
    state: &mut State,
    desired: &Desired,
    key: &Address,
    registration: &Address,
) {
    if let Some(entry) = state.external_key_mut(registration) {
        entry.mark_in_use();
    }
    if let Some(entry) = state.key_mut(key) {
        let protection = entry.protection_mut();
        protection.mark_protects_data();
        protection.bind_org(&desired.anthropic.organization_uuid);
    }
}

/// Records a completion in state and memory. Returns the progress message and whether state
/// changed (and must be persisted now).
fn record(
    state: &mut State,
    memory: &mut Memory,
    desired: &Desired,
    action: &PlannedAction,
    completion: Completion,
) -> Result<(String, bool), ApplyError> {
    let now = now_rfc3339();
    let address = &action.address;
    Ok(match completion {
        Completion::KeyCreated { created, access } => {
            let remote = created.remote_id();
            memory
                .key_refs
                .insert(address.clone(), KeyRef::of(&created));
            state
                .upsert_key(
                    address,
                    remote.as_str(),
                    EntryOrigin::Created,
                    key_attributes(key_spec(desired, address), Some(&access)),
                    &now,
                )
                .map_err(|e| failed(action, e))?;
            if let Some(k) = state.key_mut(address) {
                k.protection_mut()
                    .bind_org(&desired.anthropic.organization_uuid);
            }
            (format!("created {remote}"), true)
        }
        Completion::AccessUpdated { after } => {
            if let Some(entry) = state.key(address) {
                let remote = entry.remote_id().to_string();
                let origin = entry.origin;
                state
                    .upsert_key(
                        address,
                        &remote,
                        origin,
                        key_attributes(key_spec(desired, address), Some(&after)),
                        &now,
                    )
                    .map_err(|e| failed(action, e))?;
            }
            ("access updated".to_string(), true)
        }
        Completion::AttributesUpdated => {
            if let Some(entry) = state.key(address) {
                let remote = entry.remote_id().to_string();
                let origin = entry.origin;
                let mut attributes = key_attributes(key_spec(desired, address), None);
                if let (Value::Object(map), Value::Object(old)) =
                    (&mut attributes, &entry.attributes)
                    && let Some(a) = old.get(ACCESS_ATTRIBUTE)
                {
                    map.insert(ACCESS_ATTRIBUTE.into(), a.clone());
                }
                state
                    .upsert_key(address, &remote, origin, attributes, &now)
                    .map_err(|e| failed(action, e))?;
            }
            ("attributes updated".to_string(), true)
        }
        Completion::Restored => ("restored".to_string(), false),
        Completion::RegistrationCreated { key, created } => {
            state
                .upsert_external_key(
                    address,
                    &created.id,
                    Some(key),
                    json!({"display_name": created.display_name, "geo": created.geo}),
                    &now,
                )
                .map_err(|e| failed(action, e))?;
            memory
                .registration_ids
                .insert(address.clone(), created.id.clone());
            (format!("registered {}", created.id), true)
        }
        Completion::DisplayNameUpdated => ("display name updated".to_string(), true),
        Completion::Verified {
            summary,
            organization_key,
        } => {
            memory.verified.insert(address.clone());
            match organization_key {
                Some(registration) => {
                    record_organization_key(state, desired, address, &registration);
                    (
                        format!(
                            "{summary}; {registration} is the organization's key (Claude Enterprise)"
                        ),
                        true,
                    )
                }
                None => (summary, false),
            }
        }
        Completion::Attached {
            workspace,
            workspace_id,
            external_key,
            key,
            ekey_id,
        } => {
            state
                .upsert_workspace(
                    address,
                    &workspace_id,
                    Some(workspace.compartment_id.clone()),
                    json!({"name": workspace.name}),
                    &now,
                )
                .map_err(|e| failed(action, e))?;
            let attachment = AttachmentRecord {
                workspace: address,
                external_key: &external_key,
                key: &key,
                compartment_id: &workspace.compartment_id,
                org_uuid: &desired.anthropic.organization_uuid,
                attached_at: &now,
            };
            if desired.anthropic.platform == Platform::ClaudePlatformAws {
                state.record_key_arn_attachment(&attachment)
            } else {
                state.record_attachment(&attachment)
            }
            .map_err(|e| failed(action, e))?;
            (
                format!(
                    "attached {workspace_id} to {ekey_id} (compartment {})",
                    workspace.compartment_id
                ),
                true,
            )
        }
        Completion::StateOnly => ("done".to_string(), true),
    })
}

/// Why an attach must be held, if it must.
fn held_by_findings(action: &PlannedAction, errors: &BTreeSet<Address>) -> Option<String> {
    crate::plan::model::held_by(action, errors).map(|flagged| {
        format!(
            "{flagged} has lint findings of severity error; not attached (fix them and apply again)"
        )
    })
}

/// Runs every action of `plan` (see the module doc for the order and the guarantees).
/// `progress` receives every event as it happens.
pub async fn execute_with(
    env: ApplyEnv<'_>,
    plan: &Plan,
    key_refs: BTreeMap<Address, KeyRef>,
    progress: &mut dyn FnMut(&ApplyEvent<'_>),
) -> Result<ApplyOutcome, ApplyError> {
    let ApplyEnv {
        desired,
        state,
        backend,
        lock,
        aws,
        anthropic,
        oracle,
        observed_workspaces,
        parallelism,
    } = env;
    let parallelism = parallelism.max(1);
    let shared = Shared {
        desired,
        aws,
        anthropic,
        oracle,
    };
    let Schedule {
        dependents,
        mut indegree,
    } = schedule(plan, desired, state)?;
    let errors = plan.error_finding_addresses();
    let mut memory = Memory {
        key_refs,
        ..Memory::default()
    };
    let mut ready: BTreeSet<usize> = (0..plan.actions.len())
        .filter(|&i| indegree[i] == 0)
        .collect();
    let mut in_flight: FuturesUnordered<Job<'_>> = FuturesUnordered::new();
    let mut failures: Vec<ApplyError> = Vec::new();
    let mut held: Vec<String> = Vec::new();
    // Why an action cannot run because something it waits for was held.
    let mut held_upstream: Vec<Option<String>> = vec![None; plan.actions.len()];
    let mut outcome = ApplyOutcome::default();

    // Records one finished action: state, persist, progress, newly ready dependents.
    macro_rules! finish {
        ($i:expr, $result:expr) => {{
            let i: usize = $i;
            let action = &plan.actions[i];
            let recorded = match $result {
                Ok(completion) => record(state, &mut memory, desired, action, completion),
                Err(e) => Err(e),
            };
            let recorded = match recorded {
                Ok((message, changed)) if changed => backend
                    .write(state, lock)
                    .await
                    .map(|()| message)
                    .map_err(|e| failed(action, format!("could not write state: {e}"))),
                Ok((message, _)) => Ok(message),
                Err(e) => Err(e),
            };
            match recorded {
                Ok(message) => {
                    progress(&ApplyEvent {
                        action,
                        kind: ApplyEventKind::Succeeded,
                        message,
                    });
                    outcome.done.push(action.id.clone());
                    for &d in &dependents[i] {
                        indegree[d] -= 1;
                        if indegree[d] == 0 {
                            ready.insert(d);
                        }
                    }
                }
                Err(e) => {
                    progress(&ApplyEvent {
                        action,
                        kind: ApplyEventKind::Failed,
                        message: e.to_string(),
                    });
                    failures.push(e);
                }
            }
        }};
    }

    loop {
        while failures.is_empty() && in_flight.len() < parallelism {
            let Some(i) = ready.pop_first() else { break };
            let action = &plan.actions[i];
            if let Some(why) = held_by_findings(action, &errors).or(held_upstream[i].take()) {
                progress(&ApplyEvent {
                    action,
                    kind: ApplyEventKind::Held,
                    message: why,
                });
                held.push(action.id.clone());
                // What waits for a held action is held too (and reported), never run.
                for &d in &dependents[i] {
                    held_upstream[d]
                        .get_or_insert_with(|| format!("waits for {}, which is held", action.id));
                    indegree[d] -= 1;
                    if indegree[d] == 0 {
                        ready.insert(d);
                    }
                }
                continue;
            }
            progress(&ApplyEvent {
                action,
                kind: ApplyEventKind::Started,
                message: crate::plan::render::describe(&action.action),
            });
            // A key create records its client token, durably, before the remote call.
            let mut token = None;
            if matches!(action.action, Action::CreateKey { .. }) {
                let t = match state.pending_creates().get(&action.address) {
                    Some(p) => p.client_token.clone(),
                    None => ClientToken::generate(),
                };
                state.begin_create(&action.address, t.clone(), &now_rfc3339());
                if let Err(e) = backend.write(state, lock).await {
                    let e = failed(action, format!("could not write state: {e}"));
                    finish!(i, Err::<Completion, _>(e));
                    continue;
                }
                token = Some(t);
            }
            let cx = Ctx {
                desired,
                state,
                memory: &memory,
                observed_workspaces,
            };
            match shared.prepare(i, action, &cx, token) {
                Ok(Prepared::Remote(job)) => in_flight.push(job),
                Ok(Prepared::StateOnly) => {
                    let applied = apply_state_only(state, action).map(|()| Completion::StateOnly);
                    finish!(i, applied);
                }
                Err(e) => finish!(i, Err::<Completion, _>(e)),
            }
        }
        let Some((i, result)) = in_flight.next().await else {
            break;
        };
        finish!(i, result);
    }

    if let Some(first) = failures.into_iter().next() {
        return Err(first);
    }
    if !held.is_empty() {
        return Err(ApplyError::Findings {
            addresses: errors.iter().map(ToString::to_string).collect(),
            held,
        });
    }
    Ok(outcome)
}

/// Runs `plan` with the session's clients and its `parallelism`; `progress` gets one line per
/// event. The plan's `import` actions run first, one at a time, through `engine::import` (the
/// same re-read and checks as `cmek import`; every other action depends on them), then the
/// scheduler runs the rest.
pub async fn execute(
    session: &mut Session,
    plan: &Plan,
    key_refs: BTreeMap<Address, KeyRef>,
    progress: &mut dyn FnMut(&str),
) -> Result<ApplyOutcome, ApplyError> {
    let mut imported = Vec::new();
    for action in &plan.actions {
        let Action::Import { remote_id } = &action.action else {
            continue;
        };
        let event = |kind, message| ApplyEvent {
            action,
            kind,
            message,
        };
        progress(&event(ApplyEventKind::Started, format!("import {remote_id}")).line());
        let result = crate::engine::import::import_one(session, &action.address, remote_id)
            .await
            .map_err(|e| failed(action, e));
        let result = match result {
            Ok(done) => session
                .persist()
                .await
                .map(|()| done)
                .map_err(|e| failed(action, format!("could not write state: {e}"))),
            Err(e) => Err(e),
        };
        match result {
            Ok(done) => {
                let mut message = format!("imported {}", done.remote_id);
                for note in &done.notes {
                    message.push_str(&format!("\n    {note}"));
                }
                progress(&event(ApplyEventKind::Succeeded, message).line());
                imported.push(action.id.clone());
            }
            Err(e) => {
                progress(&event(ApplyEventKind::Failed, e.to_string()).line());
                return Err(e);
            }
        }
    }
    let rest;
    let plan = if imported.is_empty() {
        plan
    } else {
        rest = plan.without_actions(&imported);
        &rest
    };
    let env = ApplyEnv::from_session(session)?;
    let mut outcome =
        execute_with(env, plan, key_refs, &mut |event| progress(&event.line())).await?;
    imported.append(&mut outcome.done);
    outcome.done = imported;
    Ok(outcome)
}
