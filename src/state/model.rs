//! The state document: what cmek manages, the remote ids behind each address, what it last
//! applied, and the **protection history** that keeps data safe after spec blocks disappear.
//!
//! Invariants (kept by making fields private and offering only these mutations):
//! - protection only grows: a key that once protected data, served a workspace or was bound to an
//!   organization keeps that record for as long as the entry exists;
//! - a workspace's `attached_external_key_id` is write-once, like the attachment at Anthropic;
//! - an entry leaves the state only through [`State::forget`], which leaves a [`Tombstone`] with
//!   the whole entry, so history is never silently lost;
//! - the state never holds a secret ([`State::check_no_secrets`] runs before every write).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::address::{Address, ObjectKind};
use crate::providers::ClientToken;

use super::error::StateError;

/// The state format this cmek reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// How a key came under management.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EntryOrigin {
    /// cmek created it.
    #[default]
    Created,
    /// Adopted with `cmek import` or an `import` block.
    Imported,
}

/// One workspace a key served.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ServedWorkspace {
    /// `wrkspc_...`.
    pub workspace_id: String,
    /// The compartment UUID Anthropic uses in the encryption context of this workspace's data.
    pub compartment_id: String,
    pub attached_at: String,
    /// The registration (`ekey_...`) the workspace was attached through.
    pub via_external_key_id: String,
}

/// What a key protects. Only grows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyProtection {
    #[serde(default)]
    protects_data: bool,
    #[serde(default)]
    ever_attached: bool,
    #[serde(default)]
    workspaces_served: Vec<ServedWorkspace>,
    #[serde(default)]
    org_uuids_bound: BTreeSet<String>,
}

impl KeyProtection {
    pub fn protects_data(&self) -> bool {
        self.protects_data
    }

    pub fn ever_attached(&self) -> bool {
        self.ever_attached
    }

    pub fn workspaces_served(&self) -> &[ServedWorkspace] {
        &self.workspaces_served
    }

    pub fn org_uuids_bound(&self) -> &BTreeSet<String> {
        &self.org_uuids_bound
    }

    /// Compartment UUIDs of every workspace the key served, sorted and unique.
    pub fn compartments(&self) -> BTreeSet<&str> {
        self.workspaces_served
            .iter()
            .map(|w| w.compartment_id.as_str())
            .collect()
    }

    /// Records that the key protects data (e.g. learned by import from an attached registration).
    pub fn mark_protects_data(&mut self) {
        self.protects_data = true;
    }

    pub fn bind_org(&mut self, org_uuid: &str) {
        self.org_uuids_bound.insert(org_uuid.to_string());
    }

    /// Records that the key served `served`; idempotent for the same workspace and registration.
    pub fn record_served(&mut self, served: ServedWorkspace) {
        self.ever_attached = true;
        self.protects_data = true;
        let known = self.workspaces_served.iter().any(|w| {
            w.workspace_id == served.workspace_id
                && w.via_external_key_id == served.via_external_key_id
        });
        if !known {
            self.workspaces_served.push(served);
            self.workspaces_served.sort();
        }
    }

    /// Whether dropping the key from management needs an explicit `removed` block (SAFE003).
    pub fn is_protected(&self) -> bool {
        self.protects_data || self.ever_attached || !self.workspaces_served.is_empty()
    }
}

/// A managed key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    /// AWS key ARN, GCP crypto key resource name, or Azure versionless key id.
    remote_id: String,
    #[serde(default)]
    pub origin: EntryOrigin,
    /// The attributes cmek last applied (the rendered desired values), for diffs.
    #[serde(default)]
    pub attributes: Value,
    #[serde(default)]
    protection: KeyProtection,
    pub updated_at: String,
}

impl KeyEntry {
    pub fn remote_id(&self) -> &str {
        &self.remote_id
    }

    pub fn protection(&self) -> &KeyProtection {
        &self.protection
    }

    pub fn protection_mut(&mut self) -> &mut KeyProtection {
        &mut self.protection
    }
}

/// A managed registration at Anthropic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalKeyEntry {
    /// `ekey_...`.
    id: String,
    /// The key this registration points at, when that key is managed too.
    #[serde(default)]
    pub key: Option<Address>,
    /// Whether any workspace ever referenced it (then `geo`/`provider_config` are frozen and it
    /// must never be dropped without a `removed` block). Only goes from false to true.
    #[serde(default)]
    in_use: bool,
    #[serde(default)]
    pub attributes: Value,
    pub updated_at: String,
}

impl ExternalKeyEntry {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn in_use(&self) -> bool {
        self.in_use
    }

    pub fn mark_in_use(&mut self) {
        self.in_use = true;
    }
}

/// A managed workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceEntry {
    /// `wrkspc_...`.
    id: String,
    #[serde(default)]
    pub compartment_id: Option<String>,
    /// Write-once: the registration the workspace is attached to.
    #[serde(default)]
    attached_external_key_id: Option<String>,
    #[serde(default)]
    attached_at: Option<String>,
    #[serde(default)]
    pub attributes: Value,
    pub updated_at: String,
}

impl WorkspaceEntry {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn attached_external_key_id(&self) -> Option<&str> {
        self.attached_external_key_id.as_deref()
    }

    pub fn attached_at(&self) -> Option<&str> {
        self.attached_at.as_deref()
    }
}

/// A create that was started: its client token is saved before the remote call, so a run that
/// crashed after the call finds the key instead of making a second one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCreate {
    pub client_token: ClientToken,
    pub started_at: String,
}

/// The record an entry leaves when it is forgotten (a `removed` block, or `cmek state rm`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub address: Address,
    /// Every remote id the entry held (key id, `ekey_`, `wrkspc_`, attached `ekey_`).
    pub ids: Vec<String>,
    pub forgotten_at: String,
    pub reason: String,
    /// The entry exactly as it was, protection history included.
    pub entry: Value,
}

/// What [`State::record_attachment`] needs: the three entries and the facts of the attach.
#[derive(Debug, Clone)]
pub struct AttachmentRecord<'a> {
    pub workspace: &'a Address,
    pub external_key: &'a Address,
    pub key: &'a Address,
    pub compartment_id: &'a str,
    pub org_uuid: &'a str,
    pub attached_at: &'a str,
}

/// The state document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    format_version: u32,
    /// The cmek version that last wrote the state.
    pub cmek_version: String,
    lineage: Uuid,
    serial: u64,
    #[serde(default)]
    keys: BTreeMap<Address, KeyEntry>,
    #[serde(default)]
    external_keys: BTreeMap<Address, ExternalKeyEntry>,
    #[serde(default)]
    workspaces: BTreeMap<Address, WorkspaceEntry>,
    #[serde(default)]
    pending_creates: BTreeMap<Address, PendingCreate>,
    #[serde(default)]
    forgotten: Vec<Tombstone>,
    /// Fields a newer patch release wrote that this cmek does not know, by JSON pointer; written
    /// back unchanged so nothing is lost.
    #[serde(skip)]
    unknown: BTreeMap<String, Value>,
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    /// A new, empty state with a fresh lineage and serial 0 (the first write makes it 1).
    pub fn new() -> Self {
        State {
            format_version: FORMAT_VERSION,
            cmek_version: env!("CARGO_PKG_VERSION").to_string(),
            lineage: Uuid::new_v4(),
            serial: 0,
            keys: BTreeMap::new(),
            external_keys: BTreeMap::new(),
            workspaces: BTreeMap::new(),
            pending_creates: BTreeMap::new(),
            forgotten: Vec::new(),
            unknown: BTreeMap::new(),
        }
    }

    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    pub fn lineage(&self) -> Uuid {
        self.lineage
    }

    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// Backends only: the serial this state is based on (e.g. the current one, before a push).
    pub(crate) fn set_serial(&mut self, serial: u64) {
        self.serial = serial;
    }

    pub(crate) fn set_unknown(&mut self, unknown: BTreeMap<String, Value>) {
        self.unknown = unknown;
    }

    /// Fields kept from a newer patch release, by JSON pointer.
    pub fn unknown_fields(&self) -> impl Iterator<Item = &str> {
        self.unknown.keys().map(String::as_str)
    }

    pub fn keys(&self) -> &BTreeMap<Address, KeyEntry> {
        &self.keys
    }

    pub fn external_keys(&self) -> &BTreeMap<Address, ExternalKeyEntry> {
        &self.external_keys
    }

    pub fn workspaces(&self) -> &BTreeMap<Address, WorkspaceEntry> {
        &self.workspaces
    }

    pub fn pending_creates(&self) -> &BTreeMap<Address, PendingCreate> {
        &self.pending_creates
    }

    pub fn forgotten(&self) -> &[Tombstone] {
        &self.forgotten
    }

    pub fn key(&self, address: &Address) -> Option<&KeyEntry> {
        self.keys.get(address)
    }

    pub fn key_mut(&mut self, address: &Address) -> Option<&mut KeyEntry> {
        self.keys.get_mut(address)
    }

    pub fn external_key(&self, address: &Address) -> Option<&ExternalKeyEntry> {
        self.external_keys.get(address)
    }

    pub fn external_key_mut(&mut self, address: &Address) -> Option<&mut ExternalKeyEntry> {
        self.external_keys.get_mut(address)
    }

    pub fn workspace(&self, address: &Address) -> Option<&WorkspaceEntry> {
        self.workspaces.get(address)
    }

    pub fn workspace_mut(&mut self, address: &Address) -> Option<&mut WorkspaceEntry> {
        self.workspaces.get_mut(address)
    }

    /// Every managed address, sorted.
    pub fn addresses(&self) -> Vec<&Address> {
        let mut out: Vec<&Address> = self
            .keys
            .keys()
            .chain(self.external_keys.keys())
            .chain(self.workspaces.keys())
            .collect();
        out.sort();
        out
    }

    /// The tombstones of `address`, oldest first.
    pub fn tombstones_of<'a>(
        &'a self,
        address: &'a Address,
    ) -> impl Iterator<Item = &'a Tombstone> {
        self.forgotten.iter().filter(move |t| &t.address == address)
    }

    /// Adds or updates a key entry. The remote id may only change for a key that never protected
    /// data (a replacement of a protecting key is refused here as a second line after SAFE004).
    pub fn upsert_key(
        &mut self,
        address: &Address,
        remote_id: &str,
        origin: EntryOrigin,
        attributes: Value,
        at: &str,
    ) -> Result<&mut KeyEntry, StateError> {
        expect_kind(address, Kind::Key)?;
        let entry = self
            .keys
            .entry(address.clone())
            .or_insert_with(|| KeyEntry {
                remote_id: remote_id.to_string(),
                origin,
                attributes: Value::Null,
                protection: KeyProtection::default(),
                updated_at: at.to_string(),
            });
        if entry.remote_id != remote_id {
            if entry.protection.is_protected() {
                return Err(StateError::ReplacesProtectedKey {
                    address: address.to_string(),
                    old: entry.remote_id.clone(),
                    new: remote_id.to_string(),
                });
            }
            entry.remote_id = remote_id.to_string();
            entry.origin = origin;
        }
        entry.attributes = attributes;
        entry.updated_at = at.to_string();
        self.pending_creates.remove(address);
        Ok(entry)
    }

    /// Adds or updates a registration entry. Its id never changes once recorded.
    pub fn upsert_external_key(
        &mut self,
        address: &Address,
        id: &str,
        key: Option<Address>,
        attributes: Value,
        at: &str,
    ) -> Result<&mut ExternalKeyEntry, StateError> {
        expect_kind(address, Kind::ExternalKey)?;
        if !id.starts_with("ekey_") {
            return Err(bad_entry(address, format!("`{id}` is not an `ekey_` id")));
        }
        let entry = self
            .external_keys
            .entry(address.clone())
            .or_insert_with(|| ExternalKeyEntry {
                id: id.to_string(),
                key: None,
                in_use: false,
                attributes: Value::Null,
                updated_at: at.to_string(),
            });
        if entry.id != id {
            return Err(bad_entry(
                address,
                format!(
                    "is registration {}; it cannot become {id} (forget it with a `removed` block first)",
                    entry.id
                ),
            ));
        }
        entry.key = key;
        entry.attributes = attributes;
        entry.updated_at = at.to_string();
        self.pending_creates.remove(address);
        Ok(entry)
    }

    /// Adds or updates a workspace entry. Its id never changes once recorded.
    pub fn upsert_workspace(
        &mut self,
        address: &Address,
        id: &str,
        compartment_id: Option<String>,
        attributes: Value,
        at: &str,
    ) -> Result<&mut WorkspaceEntry, StateError> {
        expect_kind(address, Kind::Workspace)?;
        if !id.starts_with("wrkspc_") {
            return Err(bad_entry(address, format!("`{id}` is not a `wrkspc_` id")));
        }
        let entry = self
            .workspaces
            .entry(address.clone())
            .or_insert_with(|| WorkspaceEntry {
                id: id.to_string(),
                compartment_id: None,
                attached_external_key_id: None,
                attached_at: None,
                attributes: Value::Null,
                updated_at: at.to_string(),
            });
        if entry.id != id {
            return Err(bad_entry(
                address,
                format!(
                    "is workspace {}; it cannot become {id} (forget it with a `removed` block first)",
                    entry.id
                ),
            ));
        }
        if compartment_id.is_some() {
            entry.compartment_id = compartment_id;
        }
        entry.attributes = attributes;
        entry.updated_at = at.to_string();
        Ok(entry)
    }

    /// Records the attachment Anthropic reports for a workspace adopted by import: the
    /// registration id it is attached to and its compartment. Write-once, like the attachment
    /// itself; the key's side is recorded by [`State::record_attachment`] once the registration
    /// and its key are in state too.
    pub fn record_imported_attachment(
        &mut self,
        workspace: &Address,
        external_key_id: &str,
        compartment_id: &str,
        at: &str,
    ) -> Result<(), StateError> {
        if !external_key_id.starts_with("ekey_") {
            return Err(bad_entry(
                workspace,
                format!("`{external_key_id}` is not an `ekey_` id"),
            ));
        }
        let ws = self
            .workspaces
            .get_mut(workspace)
            .ok_or_else(|| not_in_state(workspace))?;
        match &ws.attached_external_key_id {
            Some(existing) if existing != external_key_id => Err(StateError::WriteOnce {
                address: workspace.to_string(),
                existing: existing.clone(),
                attempted: external_key_id.to_string(),
            }),
            Some(_) => Ok(()),
            None => {
                ws.attached_external_key_id = Some(external_key_id.to_string());
                ws.attached_at = Some(at.to_string());
                ws.compartment_id = Some(compartment_id.to_string());
                Ok(())
            }
        }
    }

    /// Saves a create's client token before the remote call.
    pub fn begin_create(&mut self, address: &Address, client_token: ClientToken, at: &str) {
        self.pending_creates.insert(
            address.clone(),
            PendingCreate {
                client_token,
                started_at: at.to_string(),
            },
        );
    }

    /// Records an attachment in all three entries: the workspace (write-once), the registration
    /// (in use) and the key (served workspace with its compartment, organization bound).
    pub fn record_attachment(&mut self, a: &AttachmentRecord<'_>) -> Result<(), StateError> {
        let ekey_id = self
            .external_keys
            .get(a.external_key)
            .ok_or_else(|| not_in_state(a.external_key))?
            .id
            .clone();
        self.record_attachment_via(a, ekey_id)
    }

    /// Claude Platform on AWS, where the key's ARN is the registration (there is no `ekey_`
    /// and no registration entry): records the attachment with the key's remote id as the
    /// workspace's attached key id. The same protection history as [`Self::record_attachment`].
    pub fn record_key_arn_attachment(
        &mut self,
        a: &AttachmentRecord<'_>,
    ) -> Result<(), StateError> {
        let key_arn = self
            .keys
            .get(a.key)
            .ok_or_else(|| not_in_state(a.key))?
            .remote_id
            .clone();
        self.record_attachment_via(a, key_arn)
    }

    fn record_attachment_via(
        &mut self,
        a: &AttachmentRecord<'_>,
        ekey_id: String,
    ) -> Result<(), StateError> {
        if !self.keys.contains_key(a.key) {
            return Err(not_in_state(a.key));
        }
        let ws = self
            .workspaces
            .get_mut(a.workspace)
            .ok_or_else(|| not_in_state(a.workspace))?;
        match &ws.attached_external_key_id {
            Some(existing) if existing != &ekey_id => {
                return Err(StateError::WriteOnce {
                    address: a.workspace.to_string(),
                    existing: existing.clone(),
                    attempted: ekey_id,
                });
            }
            Some(_) => {}
            None => {
                ws.attached_external_key_id = Some(ekey_id.clone());
                ws.attached_at = Some(a.attached_at.to_string());
            }
        }
        ws.compartment_id = Some(a.compartment_id.to_string());
        let workspace_id = ws.id.clone();
        if let Some(e) = self.external_keys.get_mut(a.external_key) {
            e.in_use = true;
        }
        if let Some(k) = self.keys.get_mut(a.key) {
            k.protection.record_served(ServedWorkspace {
                workspace_id,
                compartment_id: a.compartment_id.to_string(),
                attached_at: a.attached_at.to_string(),
                via_external_key_id: ekey_id,
            });
            k.protection.bind_org(a.org_uuid);
        }
        Ok(())
    }

    /// Stops managing `address`: removes its entry and keeps a tombstone with the whole entry.
    /// The only way an entry leaves the state.
    pub fn forget(
        &mut self,
        address: &Address,
        reason: &str,
        at: &str,
    ) -> Result<&Tombstone, StateError> {
        let (ids, entry) = match address.kind {
            ObjectKind::Key(_) => {
                let e = self
                    .keys
                    .remove(address)
                    .ok_or_else(|| not_in_state(address))?;
                (vec![e.remote_id.clone()], to_value(&e))
            }
            ObjectKind::ExternalKey => {
                let e = self
                    .external_keys
                    .remove(address)
                    .ok_or_else(|| not_in_state(address))?;
                (vec![e.id.clone()], to_value(&e))
            }
            ObjectKind::Workspace => {
                let e = self
                    .workspaces
                    .remove(address)
                    .ok_or_else(|| not_in_state(address))?;
                let mut ids = vec![e.id.clone()];
                ids.extend(e.attached_external_key_id.clone());
                (ids, to_value(&e))
            }
        };
        self.pending_creates.remove(address);
        self.forgotten.push(Tombstone {
            address: address.clone(),
            ids,
            forgotten_at: at.to_string(),
            reason: reason.to_string(),
            entry,
        });
        let last = self.forgotten.len() - 1;
        Ok(&self.forgotten[last])
    }

    /// The state as JSON, with fields from newer patch releases put back where they were.
    pub fn to_json_value(&self) -> Value {
        let mut value = to_value(self);
        for (pointer, v) in &self.unknown {
            reinsert(&mut value, pointer, v.clone());
        }
        value
    }

    /// Refuses a state in which any field name or value looks like a secret: field names that
    /// name credentials or key material, and values shaped like Anthropic API keys.
    pub fn check_no_secrets(&self) -> Result<(), StateError> {
        find_secret(&self.to_json_value(), String::new())
            .map_or(Ok(()), |pointer| Err(StateError::SecretInState { pointer }))
    }

    /// Semantic checks after parsing: every map holds the right kind of address, ids have the
    /// right shape, no remote id is claimed twice. Returns the first problem.
    pub fn validate(&self) -> Result<(), String> {
        let mut ids: Vec<(&str, &Address)> = Vec::new();
        for (a, k) in &self.keys {
            let ObjectKind::Key(cloud) = a.kind else {
                return Err(format!(
                    "`{a}` is listed under keys but is not a key address"
                ));
            };
            let shape_ok = match cloud {
                crate::address::Cloud::Aws => k.remote_id.starts_with("arn:"),
                crate::address::Cloud::Gcp => k.remote_id.starts_with("projects/"),
                crate::address::Cloud::Azure => k.remote_id.starts_with("https://"),
            };
            if !shape_ok {
                return Err(format!(
                    "entry {a}: remote id `{}` is not a {cloud} key id",
                    k.remote_id
                ));
            }
            ids.push((&k.remote_id, a));
        }
        for (a, e) in &self.external_keys {
            if a.kind != ObjectKind::ExternalKey {
                return Err(format!(
                    "`{a}` is listed under external_keys but is not an external_key address"
                ));
            }
            if !e.id.starts_with("ekey_") {
                return Err(format!("entry {a}: `{}` is not an `ekey_` id", e.id));
            }
            ids.push((&e.id, a));
        }
        for (a, w) in &self.workspaces {
            if a.kind != ObjectKind::Workspace {
                return Err(format!(
                    "`{a}` is listed under workspaces but is not a workspace address"
                ));
            }
            if !w.id.starts_with("wrkspc_") {
                return Err(format!("entry {a}: `{}` is not a `wrkspc_` id", w.id));
            }
            // Claude Platform on AWS attaches by KMS key ARN (domain/anthropic-cmek.md §4).
            if let Some(e) = &w.attached_external_key_id
                && !e.starts_with("ekey_")
                && !e.starts_with("arn:aws")
            {
                return Err(format!(
                    "entry {a}: attached key `{e}` is neither an `ekey_` id nor a KMS key ARN"
                ));
            }
            ids.push((&w.id, a));
        }
        let mut by_id: BTreeMap<&str, &Address> = BTreeMap::new();
        for (id, a) in ids {
            if let Some(other) = by_id.insert(id, a) {
                return Err(format!(
                    "entries {other} and {a} both claim remote id `{id}`"
                ));
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Key,
    ExternalKey,
    Workspace,
}

fn expect_kind(address: &Address, kind: Kind) -> Result<(), StateError> {
    let ok = matches!(
        (kind, address.kind),
        (Kind::Key, ObjectKind::Key(_))
            | (Kind::ExternalKey, ObjectKind::ExternalKey)
            | (Kind::Workspace, ObjectKind::Workspace)
    );
    if ok {
        Ok(())
    } else {
        Err(bad_entry(
            address,
            "wrong kind of address for this entry".into(),
        ))
    }
}

fn bad_entry(address: &Address, message: String) -> StateError {
    StateError::BadEntry {
        address: address.to_string(),
        message,
    }
}

fn not_in_state(address: &Address) -> StateError {
    StateError::NotInState {
        address: address.to_string(),
    }
}

/// State types hold strings, numbers, booleans, string-keyed maps and JSON values only, so
/// conversion cannot fail; `Null` would be a programming error and is caught by tests.
fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Field names that would hold a credential or key material. `client_token` (an idempotency
/// tag, not a secret) is the one allowed `token`.
const SECRET_FIELD_MARKERS: [&str; 10] = [
    "api_key",
    "apikey",
    "x-api-key",
    "secret",
    "password",
    "plaintext",
    "data_key",
    "private_key",
    "credential",
    "access_key",
];

fn is_secret_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_FIELD_MARKERS.iter().any(|m| lower.contains(m))
        || (lower.contains("token") && lower != "client_token")
}

fn is_secret_value(s: &str) -> bool {
    s.starts_with("sk-ant-")
}

fn find_secret(value: &Value, pointer: String) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let p = format!("{pointer}/{}", escape_pointer(k));
            if is_secret_field(k) {
                Some(p)
            } else {
                find_secret(v, p)
            }
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_secret(v, format!("{pointer}/{i}"))),
        Value::String(s) if is_secret_value(s) => Some(pointer),
        _ => None,
    }
}

pub(crate) fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Puts `v` back at `pointer` if its parent object still exists and the field is absent.
fn reinsert(root: &mut Value, pointer: &str, v: Value) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    if let Some(Value::Object(map)) = root.pointer_mut(parent) {
        map.entry(unescape_pointer(last)).or_insert(v);
    }
}

/// Fields of `original` (as read) that are missing from `known` (the same state re-serialized by
/// this cmek), by JSON pointer. Recurses through objects present in both.
pub(crate) fn unknown_fields(original: &Value, known: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    collect_unknown(original, known, String::new(), &mut out);
    out
}

fn collect_unknown(
    original: &Value,
    known: &Value,
    pointer: String,
    out: &mut BTreeMap<String, Value>,
) {
    if let (Value::Object(o), Value::Object(k)) = (original, known) {
        for (name, v) in o {
            let p = format!("{pointer}/{}", escape_pointer(name));
            match k.get(name) {
                None if !v.is_null() => {
                    out.insert(p, v.clone());
                }
                None => {}
                Some(kv) => collect_unknown(v, kv, p, out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::Cloud;

    const T0: &str = "2026-11-01T10:00:00Z";
    const T1: &str = "2026-11-02T10:00:00Z";
    const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    const ARN: &str = "arn:aws:kms:us-east-2:111122223333:key/1234abcd";

    fn attached() -> State {
        let mut s = State::new();
        let k = Address::key(Cloud::Aws, "prod");
        let e = Address::external_key("prod");
        let w = Address::workspace("prod");
        s.upsert_key(&k, ARN, EntryOrigin::Created, Value::Null, T0)
            .unwrap();
        s.upsert_external_key(&e, "ekey_01", Some(k.clone()), Value::Null, T0)
            .unwrap();
        s.upsert_workspace(&w, "wrkspc_01", None, Value::Null, T0)
            .unwrap();
        s.record_attachment(&AttachmentRecord {
            workspace: &w,
            external_key: &e,
            key: &k,
            compartment_id: "11111111-2222-3333-4444-555555555555",
            org_uuid: ORG,
            attached_at: T1,
        })
        .unwrap();
        s
    }

    #[test]
    fn attachment_records_protection_everywhere() {
        let s = attached();
        let k = s.key(&Address::key(Cloud::Aws, "prod")).unwrap();
        assert!(k.protection().protects_data());
        assert!(k.protection().ever_attached());
        assert!(k.protection().org_uuids_bound().contains(ORG));
        assert_eq!(
            k.protection()
                .compartments()
                .into_iter()
                .collect::<Vec<_>>(),
            ["11111111-2222-3333-4444-555555555555"]
        );
        assert!(
            s.external_key(&Address::external_key("prod"))
                .unwrap()
                .in_use()
        );
        let w = s.workspace(&Address::workspace("prod")).unwrap();
        assert_eq!(w.attached_external_key_id(), Some("ekey_01"));
        assert_eq!(w.attached_at(), Some(T1));
        assert!(s.validate().is_ok());
    }

    #[test]
    fn attachment_is_write_once_and_idempotent() {
        let mut s = attached();
        let k = Address::key(Cloud::Aws, "prod");
        let e2 = Address::external_key("other");
        let w = Address::workspace("prod");
        s.upsert_external_key(&e2, "ekey_02", Some(k.clone()), Value::Null, T0)
            .unwrap();
        let err = s
            .record_attachment(&AttachmentRecord {
                workspace: &w,
                external_key: &e2,
                key: &k,
                compartment_id: "11111111-2222-3333-4444-555555555555",
                org_uuid: ORG,
                attached_at: T1,
            })
            .unwrap_err();
        assert!(matches!(err, StateError::WriteOnce { .. }), "{err}");
        // Recording the same attachment again changes nothing.
        let before = s.clone();
        s.record_attachment(&AttachmentRecord {
            workspace: &w,
            external_key: &Address::external_key("prod"),
            key: &k,
            compartment_id: "11111111-2222-3333-4444-555555555555",
            org_uuid: ORG,
            attached_at: "2026-11-03T00:00:00Z",
        })
        .unwrap();
        assert_eq!(s, before);
    }

    #[test]
    fn protection_survives_updates_and_refuses_key_replacement() {
        let mut s = attached();
        let k = Address::key(Cloud::Aws, "prod");
        s.upsert_key(
            &k,
            ARN,
            EntryOrigin::Created,
            serde_json::json!({"a": 1}),
            T1,
        )
        .unwrap();
        assert!(s.key(&k).unwrap().protection().protects_data());
        let err = s
            .upsert_key(
                &k,
                "arn:aws:kms:us-east-2:111122223333:key/other",
                EntryOrigin::Created,
                Value::Null,
                T1,
            )
            .unwrap_err();
        assert!(matches!(err, StateError::ReplacesProtectedKey { .. }));
        // An unprotected key may be pointed elsewhere (e.g. re-import before first attach).
        let fresh = Address::key(Cloud::Aws, "fresh");
        s.upsert_key(
            &fresh,
            "arn:aws:kms:us-east-2:1:key/a",
            EntryOrigin::Imported,
            Value::Null,
            T0,
        )
        .unwrap();
        s.upsert_key(
            &fresh,
            "arn:aws:kms:us-east-2:1:key/b",
            EntryOrigin::Imported,
            Value::Null,
            T0,
        )
        .unwrap();
        assert_eq!(
            s.key(&fresh).unwrap().remote_id(),
            "arn:aws:kms:us-east-2:1:key/b"
        );
    }

    #[test]
    fn forget_keeps_a_tombstone_with_history() {
        let mut s = attached();
        let k = Address::key(Cloud::Aws, "prod");
        let w = Address::workspace("prod");
        let t = s.forget(&k, "removed block in main.cmek.hcl", T1).unwrap();
        assert_eq!(t.ids, [ARN]);
        assert_eq!(t.entry["protection"]["protects_data"], true);
        s.forget(&w, "removed block", T1).unwrap();
        assert!(s.key(&k).is_none());
        assert_eq!(s.forgotten().len(), 2);
        assert_eq!(s.forgotten()[1].ids, ["wrkspc_01", "ekey_01"]);
        assert!(matches!(
            s.forget(&k, "again", T1),
            Err(StateError::NotInState { .. })
        ));
        assert_eq!(s.addresses().len(), 1);
    }

    #[test]
    fn pending_create_cleared_on_upsert() {
        let mut s = State::new();
        let k = Address::key(Cloud::Gcp, "g");
        s.begin_create(&k, ClientToken::generate(), T0);
        assert_eq!(s.pending_creates().len(), 1);
        s.upsert_key(
            &k,
            "projects/p/locations/us-east5/keyRings/r/cryptoKeys/k",
            EntryOrigin::Created,
            Value::Null,
            T0,
        )
        .unwrap();
        assert!(s.pending_creates().is_empty());
    }

    #[test]
    fn validation_catches_wrong_shapes() {
        let mut s = State::new();
        assert!(
            s.upsert_workspace(&Address::workspace("w"), "ws_1", None, Value::Null, T0)
                .is_err()
        );
        assert!(
            s.upsert_key(
                &Address::workspace("w"),
                ARN,
                EntryOrigin::Created,
                Value::Null,
                T0
            )
            .is_err()
        );
        s.upsert_key(
            &Address::key(Cloud::Gcp, "wrong"),
            ARN,
            EntryOrigin::Created,
            Value::Null,
            T0,
        )
        .unwrap();
        let err = s.validate().unwrap_err();
        assert!(err.contains("is not a gcp key id"), "{err}");
        let mut s = State::new();
        s.upsert_key(
            &Address::key(Cloud::Aws, "a"),
            ARN,
            EntryOrigin::Created,
            Value::Null,
            T0,
        )
        .unwrap();
        s.upsert_key(
            &Address::key(Cloud::Aws, "b"),
            ARN,
            EntryOrigin::Created,
            Value::Null,
            T0,
        )
        .unwrap();
        assert!(s.validate().unwrap_err().contains("both claim"));
    }

    #[test]
    fn secrets_are_refused() {
        let mut s = attached();
        assert!(s.check_no_secrets().is_ok());
        s.key_mut(&Address::key(Cloud::Aws, "prod"))
            .unwrap()
            .attributes = serde_json::json!({"nested": {"admin_api_key": "x"}});
        let err = s.check_no_secrets().unwrap_err();
        assert!(
            err.to_string()
                .contains("/keys/key.aws.prod/attributes/nested/admin_api_key"),
            "{err}"
        );
        s.key_mut(&Address::key(Cloud::Aws, "prod"))
            .unwrap()
            .attributes = serde_json::json!({"note": ["sk-ant-admin01-abc"]});
        assert!(s.check_no_secrets().is_err());
    }
}
