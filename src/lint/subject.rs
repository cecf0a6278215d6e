//! [`Subject`]: one thing to lint (a key from a spec, a raw AWS key policy, a GCP IAM policy),
//! normalized so rules see the same facts whatever the input was. Every optional fact is `None`
//! when the input does not say it, and rules that need it stay silent.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::policy::aws::{PolicyDocument, parse_policy_text};
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
    /// The JSON file a spec's `policy = file(...)` names, when `statement_locations` is empty:
    /// statement locations are read from it only when a finding needs one.
    pub policy_file: Option<PolicyFileLocations>,
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
        let from_file = match (&self.policy_file, self.statement_locations.is_empty()) {
            (Some(file), true) => file.locations(self.policy.as_ref(), &self.policy_origin),
            _ => &self.statement_locations,
        };
        from_file
            .get(index)
            .cloned()
            .unwrap_or_else(|| self.policy_origin.clone())
    }
}

/// Statement locations inside a spec's `policy = file("x.json")` document, computed on first
/// use (most keys have no finding that points at a statement, and re-reading and re-parsing
/// every policy file was a large share of `cmek lint` on big specs).
///
/// Invariant: the locations are exactly what an eager read would give: one per statement of
/// the file when the file still parses to the policy the spec loaded (each at its statement's
/// `{`, or at the policy's origin when the statement's position is unknown), and none otherwise
/// (every statement then falls back to the policy's origin).
#[derive(Debug, Clone)]
pub struct PolicyFileLocations {
    path: PathBuf,
    /// The file name findings show (`/` separators).
    name: String,
    locations: OnceLock<Vec<Location>>,
}

impl PolicyFileLocations {
    pub fn new(path: PathBuf) -> Self {
        PolicyFileLocations {
            name: path.to_string_lossy().replace('\\', "/"),
            path,
            locations: OnceLock::new(),
        }
    }

    /// The file this points into.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// One location per statement of the file, or none when the file cannot be read or no
    /// longer holds `policy`.
    pub fn locations(&self, policy: Option<&PolicyDocument>, fallback: &Location) -> &[Location] {
        self.locations
            .get_or_init(|| self.read(policy, fallback))
            .as_slice()
    }

    fn read(&self, policy: Option<&PolicyDocument>, fallback: &Location) -> Vec<Location> {
        let Ok(json) = std::fs::read_to_string(&self.path) else {
            return Vec::new();
        };
        let Ok(parsed) = parse_policy_text(&json) else {
            return Vec::new();
        };
        if policy != Some(&parsed.document) {
            return Vec::new();
        }
        (0..parsed.document.statements.len())
            .map(|i| match parsed.span_of(i) {
                Some(sp) => Location::new(&self.name, sp.line as u32, sp.column as u32),
                None => fallback.clone(),
            })
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Platform;

    const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": "kms:*", "Resource": "*"},
      {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
  ]
}
"#;

    fn subject(policy: &str, file: Option<PathBuf>) -> AwsSubject {
        AwsSubject {
            address: Some("key.aws.prod".into()),
            origin: Location::new("main.cmek.hcl", 3, 1),
            policy_origin: Location::new("main.cmek.hcl", 5, 3),
            policy: Some(parse_policy_text(policy).unwrap().document),
            statement_locations: Vec::new(),
            policy_file: file.map(PolicyFileLocations::new),
            rendered: false,
            platform: Platform::ClaudePlatform,
            account_id: None,
            region: None,
            key_id: None,
            multi_region: None,
            rotation: None,
            key_spec: None,
            key_usage: None,
            key_state: None,
            org_uuids: Vec::new(),
            served: Vec::new(),
        }
    }

    /// What the eager code computed: the statement spans of the file, by name.
    fn eager(path: &std::path::Path, text: &str) -> Vec<Location> {
        let parsed = parse_policy_text(text).unwrap();
        let name = path.to_string_lossy().replace('\\', "/");
        (0..parsed.document.statements.len())
            .map(|i| {
                let sp = parsed.span_of(i).unwrap();
                Location::new(&name, sp.line as u32, sp.column as u32)
            })
            .collect()
    }

    #[test]
    fn lazy_statement_locations_are_the_exact_statement_positions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key-policy.json");
        std::fs::write(&path, POLICY).unwrap();
        let a = subject(POLICY, Some(path.clone()));
        let want = eager(&path, POLICY);
        assert_eq!(want[0].line, 4);
        assert_eq!((want[1].line, want[1].column), (6, 7));
        assert_eq!(a.statement_location(0), want[0]);
        assert_eq!(a.statement_location(1), want[1]);
        // Read once: changing the file afterwards does not move findings of the same run.
        std::fs::write(&path, "{}").unwrap();
        assert_eq!(a.statement_location(1), want[1]);
        // Past the last statement: the policy's origin, as before.
        assert_eq!(a.statement_location(2), a.policy_origin);
        // A clone made after the first read keeps the locations.
        assert_eq!(a.clone().statement_location(0), want[0]);
    }

    #[test]
    fn a_policy_file_that_no_longer_matches_points_at_the_policy_attribute() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key-policy.json");
        let other = POLICY.replace("kms:Decrypt", "kms:Encrypt");
        std::fs::write(&path, &other).unwrap();
        let a = subject(POLICY, Some(path));
        assert_eq!(a.statement_location(1), a.policy_origin);
        let missing = subject(POLICY, Some(dir.path().join("missing.json")));
        assert_eq!(missing.statement_location(0), missing.policy_origin);
        let none = subject(POLICY, None);
        assert_eq!(none.statement_location(0), none.policy_origin);
    }

    #[test]
    fn known_statement_locations_win_over_the_policy_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key-policy.json");
        std::fs::write(&path, POLICY).unwrap();
        let mut a = subject(POLICY, Some(path));
        a.statement_locations = vec![Location::new("x.json", 9, 9)];
        assert_eq!(a.statement_location(0), Location::new("x.json", 9, 9));
        assert_eq!(a.statement_location(1), a.policy_origin);
    }
}
