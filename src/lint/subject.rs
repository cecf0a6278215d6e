//! [`Subject`]: one thing to lint (a key from a spec, a raw AWS key policy, a GCP IAM policy),
//! normalized so rules see the same facts whatever the input was. Every optional fact is `None`
//! when the input does not say it, and rules that need it stay silent.

use std::collections::BTreeMap;

use crate::policy::aws::PolicyDocument;
use crate::policy::gcp::iam::IamPolicy;
use crate::spec::model::{GcpProtectionLevel, Platform};

use super::finding::Location;

/// One thing to lint.
#[derive(Debug, Clone)]
pub enum Subject {
    Aws(AwsSubject),
    Gcp(GcpSubject),
    Azure(AzureSubject),
}

impl Subject {
    pub fn address(&self) -> Option<&str> {
        match self {
            Subject::Aws(s) => s.address.as_deref(),
            Subject::Gcp(s) => s.address.as_deref(),
            Subject::Azure(s) => s.address.as_deref(),
        }
    }

    /// Where the subject starts (the key block, or the start of the file).
    pub fn origin(&self) -> &Location {
        match self {
            Subject::Aws(s) => &s.origin,
            Subject::Gcp(s) => &s.origin,
            Subject::Azure(s) => &s.origin,
        }
    }
}

/// An AWS key policy, with what is known about its key.
#[derive(Debug, Clone)]
pub struct AwsSubject {
    pub address: Option<String>,
    /// The key block (spec) or the policy file's start.
    pub origin: Location,
    /// Where the policy is written: the `policy` attribute, the key block (rendered policy), or
    /// the file.
    pub policy_origin: Location,
    pub policy: Option<PolicyDocument>,
    /// One location per statement when the policy came from a file; empty otherwise.
    pub statement_locations: Vec<Location>,
    /// True when cmek rendered the policy from the spec (not the `policy` escape hatch).
    pub rendered: bool,
    pub platform: Platform,
    /// The customer account owning the key, when known or inferable.
    pub account_id: Option<String>,
    pub region: Option<String>,
    /// Key id or ARN, when known (`mrk-` ids are multi-region).
    pub key_id: Option<String>,
    pub multi_region: Option<bool>,
    pub rotation: Option<bool>,
    /// `SYMMETRIC_DEFAULT`, ... when the input says (Terraform plans, live keys).
    pub key_spec: Option<String>,
    /// `ENCRYPT_DECRYPT`, ... when the input says.
    pub key_usage: Option<String>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, ... for live keys (and `is_enabled` in
    /// Terraform plans).
    pub key_state: Option<String>,
    /// The organization UUIDs the key must be bound to (spec or `--org-uuid`).
    pub org_uuids: Vec<String>,
    /// Workspaces the key is or was attached to, with their compartments (`--live`: from the
    /// state's history and the Admin API); empty when unknown.
    pub served: Vec<ServedCompartment>,
}

/// A workspace a key serves or served, and its compartment UUID.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServedCompartment {
    pub workspace_id: String,
    pub compartment_uuid: String,
}

impl AwsSubject {
    /// Where statement `index` is written (falls back to the policy's origin).
    pub fn statement_location(&self, index: usize) -> Location {
        self.statement_locations
            .get(index)
            .cloned()
            .unwrap_or_else(|| self.policy_origin.clone())
    }
}

/// A Cloud KMS key and/or its IAM policy.
#[derive(Debug, Clone)]
pub struct GcpSubject {
    pub address: Option<String>,
    pub origin: Location,
    /// Key ring location (`us-east5`), when known.
    pub location: Option<String>,
    pub protection_level: Option<GcpProtectionLevel>,
    /// Rotation period of a spec key (`None`: no schedule, or not known for IAM-only input).
    pub rotation_period_seconds: Option<u64>,
    /// All labels the key will carry (spec labels plus the org label cmek adds), when known.
    pub labels: Option<BTreeMap<String, String>>,
    pub iam: Option<IamPolicy>,
    /// Locations of the IAM policy's bindings, in order, when it came from a file.
    pub binding_locations: Vec<Location>,
    /// `ENCRYPT_DECRYPT`, ... when the input says (Terraform plans).
    pub purpose: Option<String>,
    /// Grants to Anthropic's service account made above the key (project or key ring), which
    /// the docs do not accept (Terraform plans).
    pub wide_bindings: Vec<WideBinding>,
    pub org_uuids: Vec<String>,
}

/// An IAM grant to a member on a resource that contains the key (project, key ring).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WideBinding {
    /// `project` or `key ring`.
    pub level: &'static str,
    /// The Terraform address of the grant.
    pub resource: String,
    pub role: String,
    pub member: String,
    pub location: Location,
}

impl GcpSubject {
    pub fn binding_location(&self, index: usize) -> Location {
        self.binding_locations
            .get(index)
            .cloned()
            .unwrap_or_else(|| self.origin.clone())
    }
}

/// An Azure Key Vault key (from a spec or a Terraform plan), with its vault and the role
/// assignments that reach it when the input says.
#[derive(Debug, Clone)]
pub struct AzureSubject {
    pub address: Option<String>,
    pub origin: Location,
    /// `RSA`, `RSA-HSM`, `EC`, `oct-HSM`, ... verbatim.
    pub key_type: Option<String>,
    pub key_size: Option<u32>,
    /// Permitted key operations (`wrapKey`, ...), when the input says (the spec renders
    /// exactly wrap/unwrap).
    pub key_ops: Option<Vec<String>>,
    /// All tags the key will carry (spec tags plus the org tag cmek adds), when known.
    pub tags: Option<BTreeMap<String, String>>,
    pub vault: Option<AzureVault>,
    /// Role assignments whose scope contains the key.
    pub role_assignments: Vec<AzureRoleGrant>,
    pub org_uuids: Vec<String>,
}

/// The vault holding an Azure key, as far as the input says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureVault {
    /// Terraform address (`azurerm_key_vault.cmek`) or vault URI.
    pub name: String,
    pub location: Location,
    pub rbac_authorization: Option<bool>,
    pub purge_protection: Option<bool>,
    pub public_network_access: Option<bool>,
    /// `network_acls.default_action` (`Allow` or `Deny`).
    pub network_default_action: Option<String>,
}

/// A role assignment that reaches a key, and how wide its scope is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureRoleGrant {
    pub resource: String,
    pub role: String,
    /// `key`, `vault`, `resource group`, `subscription`, `management group` or `unknown`.
    pub scope_level: &'static str,
    pub scope: String,
    pub location: Location,
}
