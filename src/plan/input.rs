//! The plan core's inputs: what state remembers ([`Prior`]), what the refresh saw ([`Observed`]),
//! and the policy library seen through one narrow trait ([`PolicyOracle`]).
//!
//! These types are deliberately small and owned by `plan/`: the state store, the observed model
//! and the policy library are adapted *to* them (one conversion each), so the diff and the safety
//! rules stay pure functions that tests can drive with literal values.
//!
//! Conventions every adapter must keep:
//! - an address absent from an `Observed` map means "looked up and not found remotely";
//! - attribute maps use the names listed on [`ImmutableAttrs`] and [`MutableAttrs`];
//! - organization labels and tags (`anthropic-org-<uuid>`) belong to the access document, never
//!   to the mutable attributes (they are an access grant, SAFE007 guards them).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::anthropic::types::{ExternalKey, Workspace};
use crate::spec::model::{KeySpec, Platform};

/// Prefix of the GCP label / Azure tag that binds a key to an Anthropic organization.
pub const ORG_LABEL_PREFIX: &str = "anthropic-org-";

/// Attribute name -> value for attributes that can never change on an existing key.
///
/// Names: `region`, `account`, `multi_region`, `key_spec`, `key_usage` (AWS); `project`,
/// `location`, `key_ring`, `name`, `purpose`, `protection_level` (GCP); `vault_uri`, `name`,
/// `key_type`, `key_size` (Azure). Values are rendered as strings (`"true"`, `"3072"`).
pub type ImmutableAttrs = BTreeMap<String, String>;

/// Attribute name -> value for attributes cmek updates in place.
///
/// Names: `description`, `alias`, `rotation`, `rotation_period_days`, `tags` (AWS);
/// `rotation_period_seconds`, `labels` (GCP); `tags` (Azure). `tags`/`labels` are JSON objects
/// without the `anthropic-org-*` entries.
pub type MutableAttrs = BTreeMap<String, serde_json::Value>;

/// What state remembers, per address. Built by the state layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prior {
    /// The state's lineage (a UUID fixed when the state was first written).
    pub lineage: String,
    /// The state's serial this plan is made from.
    pub serial: u64,
    pub keys: BTreeMap<Address, PriorKey>,
    pub registrations: BTreeMap<Address, PriorRegistration>,
    pub workspaces: BTreeMap<Address, PriorWorkspace>,
    /// Objects forgotten by `removed` blocks; their protection history survives here.
    pub tombstones: Vec<Tombstone>,
}

/// A workspace a key served (was attached to through one of its registrations).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ServedWorkspace {
    pub workspace_id: String,
    pub compartment_uuid: String,
    /// The `ekey_...` id (or key ARN on Claude Platform on AWS) it was attached through.
    pub via_external_key_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriorKey {
    /// AWS key ARN, GCP crypto key resource name, Azure key id.
    pub remote_id: String,
    /// Last-applied immutable and mutable attributes (same names as the observed ones).
    pub attributes: BTreeMap<String, serde_json::Value>,
    /// The access document cmek last wrote, if any.
    pub applied_access: Option<AccessDoc>,
    /// Set once any workspace was attached to the key; never cleared.
    pub ever_attached: bool,
    /// Every workspace the key served; entries are never removed.
    pub served: Vec<ServedWorkspace>,
    /// Every organization UUID ever bound to the key.
    pub org_uuids_bound: BTreeSet<String>,
    /// The key protects CMEK data (attached, or known to have been used).
    pub protects_data: bool,
    /// Some of that data was written under an older policy shape (before the org condition):
    /// the `AllowAnthropicCMEKDecryptExistingData` statement must be kept.
    pub data_under_older_policy: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriorRegistration {
    /// `ekey_...`, or the key ARN on Claude Platform on AWS.
    pub remote_id: String,
    /// The key it points at, when state knows it.
    pub key: Option<Address>,
    /// Some workspace (live or archived) references it: `geo`/`provider_config` are frozen.
    pub in_use: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriorWorkspace {
    /// `wrkspc_...`.
    pub remote_id: String,
    pub compartment_uuid: Option<String>,
    /// Write-once at Anthropic; state keeps the last value seen.
    pub attached_external_key_id: Option<String>,
}

/// An object forgotten through a `removed` block. Its protection history is kept so that
/// re-adopting it (same remote id) restores the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tombstone {
    pub address: Address,
    pub remote_id: String,
    /// For keys: the protection history at the time it was forgotten.
    pub key: Option<PriorKey>,
}

/// The refresh's view of the remote objects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    /// Keys found remotely (by prior remote id, import id, or spec name).
    pub keys: BTreeMap<Address, ObservedKey>,
    /// Registrations found at Anthropic.
    pub registrations: BTreeMap<Address, ExternalKey>,
    /// Workspaces read at Anthropic.
    pub workspaces: BTreeMap<Address, Workspace>,
    /// The AWS account the configured credentials act in (for the `account` attribute).
    pub aws_caller_account: Option<String>,
}

/// Lifecycle state of a key (AWS `KeyState`, Azure enabled/soft-deleted; GCP keys are always
/// `Enabled` and carry their version state separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KeyState {
    Enabled,
    Disabled,
    /// AWS `PendingDeletion`; Azure soft-deleted (recoverable).
    PendingDeletion {
        deletion_date: Option<String>,
    },
    /// Any other provider state (`PendingImport`, `Unavailable`, `Creating`, ...), verbatim.
    Other {
        name: String,
    },
}

/// State of a GCP key's primary version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Enabled,
    Disabled,
    DestroyScheduled,
    Destroyed,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryVersion {
    /// `projects/.../cryptoKeyVersions/<n>` or just `<n>`.
    pub name: String,
    pub state: VersionState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedKey {
    pub remote_id: String,
    pub state: KeyState,
    pub immutable: ImmutableAttrs,
    pub mutable: MutableAttrs,
    /// Anthropic's access as the provider reports it (policy / bindings+label / assignment+ops+tag).
    pub access: AccessDoc,
    /// Organization UUIDs the key is bound to, as read (condition values, labels, tags).
    pub org_uuids_bound: BTreeSet<String>,
    /// GCP only.
    pub primary_version: Option<PrimaryVersion>,
    /// Opaque digest of everything read; `apply PLANFILE` re-reads and compares it.
    pub fingerprint: String,
}

/// Anthropic's access to one key, per cloud. Opaque to the plan core: only the
/// [`PolicyOracle`] interprets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "document", rename_all = "snake_case")]
pub enum AccessDoc {
    /// The full AWS key policy document.
    AwsPolicy(serde_json::Value),
    /// IAM bindings on the crypto key, plus the organization label(s).
    GcpBindings(GcpAccess),
    /// Role assignment(s) on the key, the key's permitted operations, and the org tag(s).
    AzureAssignment(AzureAccess),
}

impl AccessDoc {
    /// An empty document of the same kind: what a key being created has before its access is
    /// written (used to show the created access as a diff).
    pub fn empty_like(&self) -> AccessDoc {
        match self {
            AccessDoc::AwsPolicy(_) => AccessDoc::AwsPolicy(serde_json::json!({
                "Version": "2012-10-17",
                "Statement": []
            })),
            AccessDoc::GcpBindings(_) => AccessDoc::GcpBindings(GcpAccess::default()),
            AccessDoc::AzureAssignment(_) => AccessDoc::AzureAssignment(AzureAccess::default()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcpAccess {
    /// role -> members (`serviceAccount:...`).
    pub bindings: BTreeMap<String, BTreeSet<String>>,
    /// `anthropic-org-<uuid>` labels set to `true` (keys only).
    pub org_labels: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AzureRoleAssignment {
    pub role: String,
    pub principal_id: String,
    pub scope: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureAccess {
    pub role_assignments: BTreeSet<AzureRoleAssignment>,
    /// `key_ops` of the key (`wrapKey`, `unwrapKey`, ...).
    pub key_ops: BTreeSet<String>,
    /// `anthropic-org-<uuid>` tags set to `true`.
    pub org_tags: BTreeSet<String>,
}

/// How a workspace relates to a key, for the compartment list and for simulations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompartmentStatus {
    /// Attached now (observed) — its traffic depends on the key.
    Attached,
    /// Attached in the past (state history) — data written then still depends on the key.
    FormerlyAttached,
    /// Will be attached by this plan — must be in the key's access *before* the attach.
    AboutToAttach,
}

/// One workspace's compartment as seen from a key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CompartmentUse {
    pub workspace_id: String,
    pub compartment_uuid: String,
    pub status: CompartmentStatus,
}

/// Input of [`PolicyOracle::render_desired_access`].
#[derive(Debug, Clone, Copy)]
pub struct DesiredAccessInput<'a> {
    pub key: &'a KeySpec,
    pub platform: Platform,
    /// The AWS account that owns the key (for the root admin statement), when known.
    pub aws_account: Option<&'a str>,
    /// Every workspace the key is, was, or is about to be attached to, sorted by workspace id.
    pub compartments: &'a [CompartmentUse],
    /// Every organization UUID to bind (current org and every one ever bound), sorted.
    pub org_uuids: &'a [String],
    /// Keep the decrypt-existing-data statement (data written under an older policy).
    pub protects_pre_current_data: bool,
}

/// The requests Anthropic makes against a key, to simulate before and after an access change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnthropicRequests {
    pub platform: Platform,
    pub org_uuids: Vec<String>,
    /// Include key validation (all-zeros compartment, metadata read, round trip).
    pub validation: bool,
    /// Per-workspace traffic (encrypt/decrypt with the workspace's compartment).
    pub workspaces: Vec<CompartmentUse>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Deny,
}

/// One simulated request whose decision differs between two access documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flip {
    /// e.g. `kms:Decrypt by anthropic-cmek-client-us for workspace wrkspc_… (compartment …)`.
    pub request: String,
    pub old: Decision,
    pub new: Decision,
    /// Why the new document decides differently (the missing statement, condition value, ...).
    pub reason: String,
}

/// The policy library, as the plan core needs it. The real implementation lives in `policy/`;
/// tests use a documented double.
pub trait PolicyOracle {
    /// The access document the key must have (rendered from the spec and the domain rules).
    fn render_desired_access(&self, input: &DesiredAccessInput<'_>) -> AccessDoc;
    /// Equal after canonicalization (statement order, string-vs-list, sorted values, ...).
    fn canonical_eq(&self, a: &AccessDoc, b: &AccessDoc) -> bool;
    /// Statement-level differences from `a` to `b`, as lines for humans
    /// (`+ statement AllowAnthropicCMEKCrypto: compartment 1234… added`).
    fn statement_diff(&self, a: &AccessDoc, b: &AccessDoc) -> Vec<String>;
    /// Requests allowed by `old` and denied by `new` (and vice versa), over `requests`.
    fn narrowed(&self, old: &AccessDoc, new: &AccessDoc, requests: &AnthropicRequests)
    -> Vec<Flip>;
    /// Organization UUIDs the document binds (condition values, labels, tags).
    fn bound_org_uuids(&self, doc: &AccessDoc) -> BTreeSet<String>;
}
