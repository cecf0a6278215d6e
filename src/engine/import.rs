//! Adopting existing remote objects into state: `cmek import ADDRESS ID` and the `import` blocks
//! that `apply` carries out.
//!
//! Steps, each of which fails with a clear error and leaves the state untouched:
//! 1. [`validate_request`]: the address parses, is declared in the spec, the id has the right
//!    shape ([`crate::spec::imports::check_id`]) and the address is not managed yet;
//! 2. [`read_remote`]: the object is read through the providers (an AWS key by ARN, key id or
//!    alias; a registration by `ekey_` id; a workspace by `wrkspc_` id);
//! 3. [`check_remote`]: the object matches the address's kind and what the spec pins (a key's
//!    immutable attributes, a registration's key, a workspace's attachment), and no other
//!    address manages it;
//! 4. [`adopt`]: the state entries are written, then [`link_protection`] records protection at
//!    once: an attached workspace makes its registration "in use" and its key "protects data",
//!    with the workspace's compartment UUID and the organization bound.
//!
//! **Safety.** Importing only reads remote objects and writes state. Nothing here calls a
//! mutating provider or Admin API method.

use std::fmt;

use serde_json::{Value, json};

use crate::address::{Address, ObjectKind};
use crate::anthropic::types::{Attachment, ExternalKey, ProviderConfig, Workspace};
use crate::engine::refresh::{Clients, key_ref, plan_key};
use crate::engine::session::Session;
use crate::observed::ObservedKey as RawKey;
use crate::plan::attrs::immutable_changes;
use crate::plan::facts::{desired_provider_config, provider_config_matches};
use crate::plan::input::{KeyState, ObservedKey, PolicyOracle};
use crate::providers::no_progress;
use crate::spec::imports::{check_id, declared_addresses, undeclared};
use crate::spec::model::{Desired, KeyKind};
use crate::state::{AttachmentRecord, EntryOrigin, ServedWorkspace, State};

/// Why an import did not happen. Nothing was written when this is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub message: String,
    pub hint: Option<String>,
}

impl ImportError {
    fn new(message: impl Into<String>) -> Self {
        ImportError {
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// The remote object behind an import, as read through the providers.
#[derive(Debug, Clone)]
pub enum RemoteObject {
    Key {
        raw: Box<RawKey>,
        observed: Box<ObservedKey>,
        usage: KeyUsage,
    },
    Registration(ExternalKey),
    Workspace(Workspace),
}

impl RemoteObject {
    /// The id state records: the key ARN (an alias is resolved), the `ekey_` or `wrkspc_` id.
    pub fn remote_id(&self) -> &str {
        match self {
            RemoteObject::Key { observed, .. } => &observed.remote_id,
            RemoteObject::Registration(r) => &r.id,
            RemoteObject::Workspace(w) => &w.id,
        }
    }
}

/// What already depends on a key at Anthropic: the registrations that point at it and the
/// workspaces (declared in the spec or known to state) attached through them. Read on import so
/// the key is protected at once, before any registration or workspace is imported.
#[derive(Debug, Clone, Default)]
pub struct KeyUsage {
    /// Registrations whose `provider_config` names the key's ARN.
    pub registrations: Vec<ExternalKey>,
    /// Workspaces attached to one of those registrations (or, on Claude Platform on AWS, to
    /// the key ARN itself).
    pub workspaces: Vec<Workspace>,
}

impl KeyUsage {
    fn in_use(&self) -> bool {
        !self.workspaces.is_empty()
            || self
                .registrations
                .iter()
                .any(|r| r.attachment == Attachment::Attached)
    }
}

/// Reads what depends on the key with ARN `arn` at Anthropic.
async fn key_usage(
    desired: &Desired,
    state: &State,
    clients: &Clients,
    arn: &str,
) -> Result<KeyUsage, ImportError> {
    let api = clients.anthropic.as_ref();
    let located = |e: &dyn fmt::Display| {
        ImportError::new(format!("reading what depends on `{arn}` at Anthropic: {e}"))
    };
    let mut usage = KeyUsage::default();
    let mut attach_ids: Vec<String> = vec![arn.to_string()];
    if desired.anthropic.platform != crate::spec::model::Platform::ClaudePlatformAws {
        let all = api
            .list_all_external_keys()
            .await
            .map_err(|e| located(&e))?;
        usage.registrations = all
            .into_iter()
            .filter(|r| matches!(&r.provider_config, ProviderConfig::Aws { kms_arn, .. } if kms_arn == arn))
            .collect();
        attach_ids.extend(usage.registrations.iter().map(|r| r.id.clone()));
    }
    let mut ids: Vec<String> = desired.workspaces.values().map(|w| w.id.clone()).collect();
    ids.extend(state.workspaces().values().map(|w| w.id().to_string()));
    ids.sort();
    ids.dedup();
    for id in ids {
        if let Some(ws) = api.get_workspace(&id).await.map_err(|e| located(&e))?
            && ws
                .external_key_id
                .as_ref()
                .is_some_and(|e| attach_ids.contains(e))
        {
            usage.workspaces.push(ws);
        }
    }
    Ok(usage)
}

/// What one import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub address: Address,
    /// The id as given.
    pub requested_id: String,
    /// The id recorded in state.
    pub remote_id: String,
    /// One line per fact worth telling (alias resolved, attachment, protection recorded).
    pub notes: Vec<String>,
}

/// Step 1: the offline checks. Returns the parsed address.
pub fn validate_request(
    desired: &Desired,
    state: &State,
    address: &str,
    id: &str,
) -> Result<Address, ImportError> {
    let parsed = Address::parse(address.trim()).map_err(|e| ImportError::new(e.to_string()))?;
    let declared = declared_addresses(&desired.keys, &desired.external_keys, &desired.workspaces);
    if !declared.contains(&&parsed) {
        let (message, hint) = undeclared(&parsed, &declared);
        return Err(ImportError { message, hint });
    }
    let id = id.trim();
    check_id(parsed.kind, id, desired.anthropic.platform).map_err(|v| ImportError {
        message: format!("cannot import `{id}` to {parsed}: {}", v.message),
        hint: v.hint,
    })?;
    if let Some(ws) = desired.workspaces.get(&parsed)
        && ws.id != id
    {
        return Err(ImportError::new(format!(
            "{parsed} declares workspace `{}` (at {}), not `{id}`",
            ws.id, ws.origin
        ))
        .hint(format!(
            "import `{}`, or change the block's `id` if it names the wrong workspace",
            ws.id
        )));
    }
    if let Some(existing) = managed_id(state, &parsed) {
        return Err(ImportError::new(format!(
            "{parsed} is already managed (as `{existing}`); import adopts objects state does not know"
        ))
        .hint(if existing == id {
            "nothing to do: `cmek plan` shows how it compares with the spec".to_string()
        } else {
            format!(
                "a managed address keeps its remote object; to manage `{id}` instead, stop managing \
                 the current one with `removed {{ from = {parsed} }}` and apply first"
            )
        }));
    }
    Ok(parsed)
}

/// The remote id state holds for `address`, if it is managed.
fn managed_id(state: &State, address: &Address) -> Option<String> {
    match address.kind {
        ObjectKind::Key(_) => state.key(address).map(|e| e.remote_id().to_string()),
        ObjectKind::ExternalKey => state.external_key(address).map(|e| e.id().to_string()),
        ObjectKind::Workspace => state.workspace(address).map(|e| e.id().to_string()),
    }
}

/// The address that already manages remote id `id` (of the same kind as `address`), if any.
fn managed_elsewhere(state: &State, address: &Address, id: &str) -> Option<Address> {
    let found = match address.kind {
        ObjectKind::Key(_) => state
            .keys()
            .iter()
            .find(|(_, e)| e.remote_id() == id)
            .map(|(a, _)| a.clone()),
        ObjectKind::ExternalKey => state
            .external_keys()
            .iter()
            .find(|(_, e)| e.id() == id)
            .map(|(a, _)| a.clone()),
        ObjectKind::Workspace => state
            .workspaces()
            .iter()
            .find(|(_, e)| e.id() == id)
            .map(|(a, _)| a.clone()),
    };
    found.filter(|a| a != address)
}

/// Step 2: reads the object through the providers. A missing object is an error.
pub async fn read_remote(
    desired: &Desired,
    state: &State,
    clients: &Clients,
    oracle: &dyn PolicyOracle,
    address: &Address,
    id: &str,
) -> Result<RemoteObject, ImportError> {
    let located =
        |e: &dyn fmt::Display| ImportError::new(format!("reading `{id}` for {address}: {e}"));
    match address.kind {
        ObjectKind::Key(cloud) => {
            let provider = clients.provider(cloud).map_err(|e| located(&e))?;
            let r = key_ref(desired, address, id);
            let mut results = provider
                .refresh(std::slice::from_ref(&r), &no_progress)
                .await;
            match results.pop() {
                Some(Ok(Some(raw))) => {
                    let observed = plan_key(&raw, oracle);
                    let usage = key_usage(desired, state, clients, &observed.remote_id).await?;
                    Ok(RemoteObject::Key {
                        raw: Box::new(raw),
                        observed: Box::new(observed),
                        usage,
                    })
                }
                Some(Ok(None)) => Err(ImportError::new(format!(
                    "cannot import {address}: no KMS key `{id}` in {} (looked up in the account of the configured credentials)",
                    key_region(&r)
                ))
                .hint("check the id, the region and the AWS credentials (`provider \"aws\"`)")),
                Some(Err(e)) => Err(located(&e)),
                None => Err(ImportError::new(format!(
                    "reading `{id}` for {address}: the provider returned nothing"
                ))),
            }
        }
        ObjectKind::ExternalKey => {
            match clients
                .anthropic
                .get_external_key(id)
                .await
                .map_err(|e| located(&e))?
            {
                Some(r) => Ok(RemoteObject::Registration(r)),
                None => Err(ImportError::new(format!(
                    "cannot import {address}: the organization has no registration `{id}`"
                ))
                .hint("list them with the Admin API (GET /v1/organizations/external_keys) or the Claude Console")),
            }
        }
        ObjectKind::Workspace => {
            match clients
                .anthropic
                .get_workspace(id)
                .await
                .map_err(|e| located(&e))?
            {
                Some(w) => Ok(RemoteObject::Workspace(w)),
                None => Err(ImportError::new(format!(
                    "cannot import {address}: the organization has no workspace `{id}`"
                ))
                .hint("check the id in the Claude Console (Settings > Workspaces)")),
            }
        }
    }
}

fn key_region(r: &crate::providers::KeyRef) -> String {
    match r {
        crate::providers::KeyRef::Aws { region, .. } => region.clone(),
        other => other.id().to_string(),
    }
}

/// Step 3: the object matches the address and what the spec pins; no other address manages it.
/// Returns notes worth telling (e.g. "pending deletion: the plan restores it").
pub fn check_remote(
    desired: &Desired,
    state: &State,
    address: &Address,
    requested_id: &str,
    remote: &RemoteObject,
    caller_account: Option<&str>,
) -> Result<Vec<String>, ImportError> {
    let mut notes = Vec::new();
    if let Some(other) = managed_elsewhere(state, address, remote.remote_id()) {
        return Err(ImportError::new(format!(
            "`{}` is already managed at {other}; one remote object can be managed at one address only",
            remote.remote_id()
        ))
        .hint(format!(
            "to move it, add `removed {{ from = {other} }}`, apply, then import it here"
        )));
    }
    match remote {
        RemoteObject::Key { observed, .. } => {
            let Some(spec) = desired.keys.get(address) else {
                return Err(ImportError::new(format!(
                    "{address} is not declared in the spec"
                )));
            };
            let changes = immutable_changes(spec, observed, caller_account);
            if !changes.is_empty() {
                let list: Vec<String> = changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{} is {} (the spec says {})",
                            c.name,
                            plain(&c.before),
                            plain(&c.after)
                        )
                    })
                    .collect();
                return Err(ImportError::new(format!(
                    "`{}` does not match {address} ({}): {}",
                    observed.remote_id,
                    spec.origin,
                    list.join("; ")
                ))
                .hint(
                    "these attributes cannot change on an existing key: import the key to a block \
                     that describes it, or fix the block",
                ));
            }
            if observed.remote_id != requested_id {
                notes.push(format!(
                    "`{requested_id}` resolves to `{}`",
                    observed.remote_id
                ));
            }
            match &observed.state {
                KeyState::Enabled => {}
                KeyState::Disabled => notes.push(
                    "the key is disabled; the next plan re-enables it (restorative)".to_string(),
                ),
                KeyState::PendingDeletion { deletion_date } => notes.push(format!(
                    "the key is scheduled for deletion{}; the next plan cancels it (restorative)",
                    deletion_date
                        .as_deref()
                        .map(|d| format!(" on {d}"))
                        .unwrap_or_default()
                )),
                KeyState::Other { name } => notes.push(format!(
                    "the key is in state `{name}`; verification fails until it is Enabled"
                )),
            }
        }
        RemoteObject::Registration(ekey) => {
            let Some(spec) = desired.external_keys.get(address) else {
                return Err(ImportError::new(format!(
                    "{address} is not declared in the spec"
                )));
            };
            let Some(key_spec) = desired.keys.get(&spec.key) else {
                return Err(ImportError::new(format!(
                    "{address} points at {}, which is not declared",
                    spec.key
                )));
            };
            let cloud_matches = matches!(
                (&key_spec.kind, &ekey.provider_config),
                (KeyKind::Aws(_), ProviderConfig::Aws { .. })
                    | (KeyKind::Gcp(_), ProviderConfig::Gcp { .. })
                    | (KeyKind::Azure(_), ProviderConfig::Azure { .. })
            );
            if !cloud_matches {
                return Err(ImportError::new(format!(
                    "registration `{}` is for a {} key, but {address} registers {} ({})",
                    ekey.id,
                    config_cloud(&ekey.provider_config),
                    spec.key,
                    key_spec.kind.cloud()
                ))
                .hint("import it to the external_key block of that key"));
            }
            let managed_key = state.key(&spec.key).map(|k| k.remote_id().to_string());
            match (
                &managed_key,
                desired_provider_config(key_spec, managed_key.as_deref()),
            ) {
                (Some(arn), Some(want)) => {
                    if !provider_config_matches(&want, &ekey.provider_config) {
                        return Err(ImportError::new(format!(
                            "registration `{}` points at {}, but {address} registers {} (`{arn}`)",
                            ekey.id,
                            config_target(&ekey.provider_config),
                            spec.key
                        ))
                        .hint("import the registration of that key, or fix the block's `key`"));
                    }
                }
                (None, _) => {
                    if let (KeyKind::Aws(aws), ProviderConfig::Aws { kms_arn, .. }) =
                        (&key_spec.kind, &ekey.provider_config)
                        && let Some(region) = kms_arn.split(':').nth(3)
                        && region != aws.region
                    {
                        return Err(ImportError::new(format!(
                            "registration `{}` points at a key in {region}, but {} is in {} ({})",
                            ekey.id, spec.key, aws.region, key_spec.origin
                        ))
                        .hint("import the registration of that key, or fix the block"));
                    }
                    notes.push(format!(
                        "{} is not managed yet; import it too (its key is {})",
                        spec.key,
                        config_target(&ekey.provider_config)
                    ));
                }
                (Some(_), None) => {}
            }
            if ekey.attachment == Attachment::Attached {
                notes.push(
                    "the registration is in use by a workspace: its geo and provider_config are frozen"
                        .to_string(),
                );
            }
        }
        RemoteObject::Workspace(ws) => {
            let Some(spec) = desired.workspaces.get(address) else {
                return Err(ImportError::new(format!(
                    "{address} is not declared in the spec"
                )));
            };
            if let Some(attached) = &ws.external_key_id {
                let Some(registration) = &spec.external_key else {
                    return Err(ImportError::new(format!(
                        "workspace `{}` is attached to `{attached}` (for good), but {address} ({}) declares no external_key",
                        ws.id, spec.origin
                    ))
                    .hint(format!(
                        "set `external_key` to the registration `{attached}` is managed as (import it: `cmek import external_key.<name> {attached}`)"
                    )));
                };
                if let Some(entry) = state.external_key(registration)
                    && entry.id() != attached
                {
                    return Err(ImportError::new(format!(
                        "workspace `{}` is attached to `{attached}` (for good), but {address} ({}) declares {registration}, which is `{}`",
                        ws.id,
                        spec.origin,
                        entry.id()
                    ))
                    .hint("an attachment cannot change: point the block's external_key at the registration it is attached to"));
                }
                if state.external_key(registration).is_none() && attached.starts_with("ekey_") {
                    notes.push(format!(
                        "import {registration} too (`cmek import {registration} {attached}`) so the key behind it is protected"
                    ));
                }
            }
            if let Some(at) = &ws.archived_at {
                notes.push(format!("the workspace was archived at {at}"));
            }
        }
    }
    Ok(notes)
}

/// A JSON value as a user writes it: strings without quotes.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn config_cloud(c: &ProviderConfig) -> &'static str {
    match c {
        ProviderConfig::Aws { .. } => "aws",
        ProviderConfig::Gcp { .. } => "gcp",
        ProviderConfig::Azure { .. } => "azure",
    }
}

fn config_target(c: &ProviderConfig) -> String {
    match c {
        ProviderConfig::Aws { kms_arn, .. } => format!("`{kms_arn}`"),
        ProviderConfig::Gcp { key_name } => format!("`{key_name}`"),
        ProviderConfig::Azure {
            vault_uri,
            key_name,
            ..
        } => format!("`{key_name}` in {vault_uri}"),
    }
}

/// Step 4: writes the entry and records protection. Returns notes on the protection recorded.
pub fn adopt(
    state: &mut State,
    desired: &Desired,
    address: &Address,
    remote: &RemoteObject,
    now: &str,
) -> Result<Vec<String>, ImportError> {
    let state_err = |e: crate::state::StateError| ImportError::new(e.to_string());
    match remote {
        RemoteObject::Key {
            observed, usage, ..
        } => {
            let org = &desired.anthropic.organization_uuid;
            let entry = state
                .upsert_key(
                    address,
                    &observed.remote_id,
                    EntryOrigin::Imported,
                    json!({}),
                    now,
                )
                .map_err(state_err)?;
            let mut notes = Vec::new();
            for ws in &usage.workspaces {
                let via = ws.external_key_id.clone().unwrap_or_default();
                entry.protection_mut().record_served(ServedWorkspace {
                    workspace_id: ws.id.clone(),
                    compartment_id: ws.compartment_id.clone(),
                    attached_at: now.to_string(),
                    via_external_key_id: via.clone(),
                });
                notes.push(format!(
                    "protection recorded: the key protects the data of {} (compartment {}) through {via}",
                    ws.id, ws.compartment_id
                ));
            }
            if usage.in_use() {
                entry.protection_mut().mark_protects_data();
                entry.protection_mut().bind_org(org);
                notes.push(format!(
                    "protection recorded: the key protects data; organization {org} bound"
                ));
            }
            for r in &usage.registrations {
                let managed = state.external_keys().values().any(|e| e.id() == r.id)
                    || desired.imports.iter().any(|i| i.id.trim() == r.id);
                if !managed {
                    let used = if r.attachment == Attachment::Attached {
                        "in use"
                    } else {
                        "not in use"
                    };
                    let target = desired
                        .external_keys_of(address)
                        .next()
                        .map(|e| e.address.to_string())
                        .unwrap_or_else(|| "external_key.<name>".to_string());
                    notes.push(format!(
                        "registration `{}` ({used}) points at this key; adopt it with `cmek import {target} {}`",
                        r.id, r.id
                    ));
                }
            }
            let mut linked = link_protection(state, org, now).map_err(state_err)?;
            notes.append(&mut linked);
            return Ok(notes);
        }
        RemoteObject::Registration(ekey) => {
            let key = desired.external_keys.get(address).map(|e| e.key.clone());
            let entry = state
                .upsert_external_key(address, &ekey.id, key, json!({}), now)
                .map_err(state_err)?;
            if ekey.attachment == Attachment::Attached {
                entry.mark_in_use();
            }
        }
        RemoteObject::Workspace(ws) => {
            state
                .upsert_workspace(
                    address,
                    &ws.id,
                    Some(ws.compartment_id.clone()),
                    Value::Object(Default::default()),
                    now,
                )
                .map_err(state_err)?;
            // On Claude Platform on AWS a workspace is attached to a key ARN, not a
            // registration: state records registration attachments only; the refresh's view of
            // the workspace protects it there.
            if let Some(attached) = ws
                .external_key_id
                .as_deref()
                .filter(|e| e.starts_with("ekey_"))
            {
                state
                    .record_imported_attachment(address, attached, &ws.compartment_id, now)
                    .map_err(state_err)?;
            }
        }
    }
    link_protection(state, &desired.anthropic.organization_uuid, now).map_err(state_err)
}

/// Records every protection fact that entries now in state imply, whichever was imported first:
/// a workspace attached to a managed registration whose key is managed → the attachment on all
/// three (served workspace with its compartment, organization bound); a registration in use →
/// its managed key protects data. Idempotent; returns a note per new fact.
pub fn link_protection(
    state: &mut State,
    org_uuid: &str,
    now: &str,
) -> Result<Vec<String>, crate::state::StateError> {
    let mut notes = Vec::new();
    let attached: Vec<(Address, String, String, Option<String>, String)> = state
        .workspaces()
        .iter()
        .filter_map(|(a, w)| {
            let ekey = w.attached_external_key_id()?;
            let compartment = w.compartment_id.clone()?;
            Some((
                a.clone(),
                w.id().to_string(),
                ekey.to_string(),
                w.attached_at().map(str::to_string),
                compartment,
            ))
        })
        .collect();
    for (workspace, workspace_id, ekey_id, attached_at, compartment) in attached {
        let Some((registration, key)) = state
            .external_keys()
            .iter()
            .find(|(_, e)| e.id() == ekey_id)
            .map(|(a, e)| (a.clone(), e.key.clone()))
        else {
            continue;
        };
        if let Some(e) = state.external_key_mut(&registration) {
            e.mark_in_use();
        }
        let Some(key) = key.filter(|k| state.key(k).is_some()) else {
            continue;
        };
        let known = state.key(&key).is_some_and(|k| {
            k.protection()
                .workspaces_served()
                .iter()
                .any(|s| s.workspace_id == workspace_id && s.via_external_key_id == ekey_id)
        });
        state.record_attachment(&AttachmentRecord {
            workspace: &workspace,
            external_key: &registration,
            key: &key,
            compartment_id: &compartment,
            org_uuid,
            attached_at: attached_at.as_deref().unwrap_or(now),
        })?;
        if !known {
            notes.push(format!(
                "protection recorded: {key} protects the data of {workspace_id} (compartment {compartment}) through {ekey_id}"
            ));
        }
    }
    let in_use: Vec<(Address, Address)> = state
        .external_keys()
        .iter()
        .filter(|(_, e)| e.in_use())
        .filter_map(|(a, e)| e.key.clone().map(|k| (a.clone(), k)))
        .collect();
    for (registration, key) in in_use {
        if let Some(entry) = state.key_mut(&key) {
            let before = entry.protection().protects_data();
            entry.protection_mut().mark_protects_data();
            entry.protection_mut().bind_org(org_uuid);
            if !before {
                notes.push(format!(
                    "protection recorded: {key} protects data ({registration} is in use); organization {org_uuid} bound"
                ));
            }
        }
    }
    Ok(notes)
}

/// Steps 2–4 on an open session, for one address (`cmek import` and `import` blocks). Writes
/// the session's in-memory state only; the caller persists it.
pub async fn import_one(
    session: &mut Session,
    address: &Address,
    id: &str,
) -> Result<Imported, ImportError> {
    let remote = read_remote(
        &session.desired,
        &session.state,
        &session.clients,
        &session.oracle,
        address,
        id,
    )
    .await?;
    let caller_account = match (&remote, &session.clients.aws) {
        (RemoteObject::Key { .. }, Some(aws)) => Some(
            aws.caller_identity()
                .await
                .map_err(|e| {
                    ImportError::new(format!(
                        "reading the AWS caller identity: {}",
                        crate::providers::aws::provider::provider_error(e, "sts")
                    ))
                })?
                .account,
        ),
        _ => None,
    };
    let mut notes = check_remote(
        &session.desired,
        &session.state,
        address,
        id,
        &remote,
        caller_account.as_deref(),
    )?;
    if let RemoteObject::Workspace(ws) = &remote {
        session
            .observed_workspaces
            .insert(address.clone(), ws.clone());
        notes.insert(0, match &ws.external_key_id {
            Some(e) => format!(
                "attached to `{e}` (compartment {}): the attachment is permanent and now protected",
                ws.compartment_id
            ),
            None => format!("not attached (compartment {})", ws.compartment_id),
        });
    }
    let now = crate::state::clock::now_rfc3339();
    let mut state = session.state.clone();
    notes.extend(adopt(&mut state, &session.desired, address, &remote, &now)?);
    state.validate().map_err(|e| {
        ImportError::new(format!(
            "the state after importing {address} would be invalid: {e}"
        ))
    })?;
    session.state = state;
    Ok(Imported {
        address: address.clone(),
        requested_id: id.to_string(),
        remote_id: remote.remote_id().to_string(),
        notes,
    })
}
