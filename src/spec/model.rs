//! The typed `Desired` model: what a spec asks for, after variables, locals, modules,
//! functions and references have been evaluated and every value type-checked and defaulted.
//!
//! This is the contract between the spec loader (which produces it) and everything downstream
//! (plan, lint, review, verify), which never look at HCL again.
//!
//! Invariants the loader guarantees for a `Desired` it returns without errors:
//! - every `ExternalKeySpec::key` names a key in `keys`, every `WorkspaceSpec::external_key`
//!   names a registration in `external_keys` (references are resolved, not strings);
//! - values satisfy the offline rules of `domain/anthropic-cmek.md` (bare lowercase org UUID,
//!   `geo = "us"`, rotation period in range, RSA >= 3072, no multi-region GCP location, ...);
//! - no secret is held here: the admin API key is only named by `api_key_env`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::address::{Address, Cloud};

/// Where a block or attribute was written. `file` is relative to the config directory when the
/// file is inside it, so rendered output is the same on every machine.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub struct Origin {
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

impl Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Which Anthropic product the organization uses; it decides the principal and policy shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Claude Platform: keys registered as `ekey_...`, attached per workspace.
    #[default]
    ClaudePlatform,
    /// Claude Platform on AWS: AWS service principal, key ARN as id, validated at attach.
    ClaudePlatformAws,
    /// Claude Enterprise: one key per organization, no workspace step.
    ClaudeEnterprise,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::ClaudePlatform => "claude_platform",
            Platform::ClaudePlatformAws => "claude_platform_aws",
            Platform::ClaudeEnterprise => "claude_enterprise",
        }
    }

    pub const ALL: [Platform; 3] = [
        Platform::ClaudePlatform,
        Platform::ClaudePlatformAws,
        Platform::ClaudeEnterprise,
    ];
}

pub const DEFAULT_API_KEY_ENV: &str = "ANTHROPIC_ADMIN_API_KEY";
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
pub const DEFAULT_STATE_PATH: &str = "cmek.state.json";

/// The `anthropic { ... }` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnthropicConfig {
    /// Bare lowercase UUID (not the `org_`-prefixed id).
    pub organization_uuid: String,
    pub platform: Platform,
    /// Name of the environment variable holding the admin API key. Never the key itself.
    pub api_key_env: String,
    pub base_url: String,
    pub origin: Origin,
}

/// The `backend "<type>" { ... }` block; `Local { path: "cmek.state.json" }` when absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BackendConfig {
    Local {
        path: String,
    },
    S3 {
        bucket: String,
        key: String,
        region: String,
        endpoint: Option<String>,
        profile: Option<String>,
    },
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig::Local {
            path: DEFAULT_STATE_PATH.to_string(),
        }
    }
}

/// `assume_role { role_arn, external_id, session_name }` inside `provider "aws"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    /// The STS role session name; `cmek` when unset.
    #[serde(default)]
    pub session_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsProviderConfig {
    pub region: String,
    pub profile: Option<String>,
    /// Endpoint override (e.g. a moto server); `AWS_ENDPOINT_URL` also works.
    pub endpoint: Option<String>,
    pub assume_role: Option<AssumeRole>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcpProviderConfig {
    pub project: String,
    pub endpoint: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureProviderConfig {
    pub tenant_id: String,
    pub subscription_id: String,
    /// Overrides the Azure Resource Manager endpoint (sandbox, sovereign clouds are rejected).
    pub endpoint: Option<String>,
    pub origin: Origin,
}

/// One `provider` block per cloud at most.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Providers {
    pub aws: Option<AwsProviderConfig>,
    pub gcp: Option<GcpProviderConfig>,
    pub azure: Option<AzureProviderConfig>,
}

/// `key "aws" "<name>"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsKeySpec {
    pub region: String,
    pub alias: Option<String>,
    pub description: String,
    /// Default true.
    pub rotation: bool,
    /// 90..=2560 when set.
    pub rotation_period_days: Option<u32>,
    /// Principals (ARNs) that administer the key; `None` means the caller account's root.
    pub admins: Option<Vec<String>>,
    pub multi_region: bool,
    /// Default true: the crypto statement lists the compartments of attached workspaces.
    pub compartment_scoping: bool,
    pub tags: BTreeMap<String, String>,
    /// Escape hatch: a full key policy document (already JSON-decoded), still linted and
    /// simulated. `None` means cmek renders the policy.
    pub policy: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum GcpProtectionLevel {
    Hsm,
    Software,
}

/// `key "gcp" "<name>"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcpKeySpec {
    pub project: String,
    pub location: String,
    pub key_ring: String,
    pub name: String,
    /// Default HSM.
    pub protection_level: GcpProtectionLevel,
    /// In seconds; written as `"90d"`, `"2160h"` or `"7776000s"` in the spec.
    pub rotation_period_seconds: Option<u64>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AzureKeyType {
    #[serde(rename = "RSA")]
    Rsa,
    #[serde(rename = "RSA-HSM")]
    RsaHsm,
}

/// `key "azure" "<name>"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureKeySpec {
    /// Normalized with a trailing `/`.
    pub vault_uri: String,
    pub tenant_id: String,
    pub name: String,
    pub key_type: AzureKeyType,
    /// >= 3072.
    pub key_size: u32,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cloud", rename_all = "lowercase")]
pub enum KeyKind {
    Aws(AwsKeySpec),
    Gcp(GcpKeySpec),
    Azure(AzureKeySpec),
}

impl KeyKind {
    pub fn cloud(&self) -> Cloud {
        match self {
            KeyKind::Aws(_) => Cloud::Aws,
            KeyKind::Gcp(_) => Cloud::Gcp,
            KeyKind::Azure(_) => Cloud::Azure,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySpec {
    pub address: Address,
    pub kind: KeyKind,
    pub origin: Origin,
}

/// `external_key "<name>"`: the registration at Anthropic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalKeySpec {
    pub address: Address,
    /// The key this registration points at (always present in `Desired::keys`).
    pub key: Address,
    pub display_name: Option<String>,
    /// Always `"us"` today.
    pub geo: String,
    pub origin: Origin,
}

/// `workspace "<name>"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSpec {
    pub address: Address,
    /// `wrkspc_...`.
    pub id: String,
    /// `None` when written as `null` or left out: the workspace is managed without a key.
    pub external_key: Option<Address>,
    pub origin: Origin,
}

/// `removed { from = <address> }`: stop managing an object, change nothing remote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedSpec {
    pub from: Address,
    pub origin: Origin,
}

/// `import { to = <address>, id = "<remote id>" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSpec {
    pub to: Address,
    pub id: String,
    pub origin: Origin,
}

/// `lint { ignore { rule, address, reason } }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LintIgnore {
    pub rule: String,
    pub address: Option<Address>,
    pub reason: String,
    pub origin: Origin,
}

/// `lint { policies = [...], ignore { ... } }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LintConfig {
    pub policies: Vec<String>,
    pub ignores: Vec<LintIgnore>,
}

/// Everything a config directory asks for. Maps are keyed by address so iteration order is
/// deterministic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desired {
    pub anthropic: AnthropicConfig,
    pub backend: BackendConfig,
    pub providers: Providers,
    pub keys: BTreeMap<Address, KeySpec>,
    pub external_keys: BTreeMap<Address, ExternalKeySpec>,
    pub workspaces: BTreeMap<Address, WorkspaceSpec>,
    pub removed: Vec<RemovedSpec>,
    pub imports: Vec<ImportSpec>,
    pub lint: LintConfig,
}

impl Desired {
    /// The workspaces whose `external_key` points at `external_key`.
    pub fn workspaces_of<'a>(
        &'a self,
        external_key: &'a Address,
    ) -> impl Iterator<Item = &'a WorkspaceSpec> + 'a {
        self.workspaces
            .values()
            .filter(move |w| w.external_key.as_ref() == Some(external_key))
    }

    /// The registrations that point at `key`.
    pub fn external_keys_of<'a>(
        &'a self,
        key: &'a Address,
    ) -> impl Iterator<Item = &'a ExternalKeySpec> + 'a {
        self.external_keys.values().filter(move |e| &e.key == key)
    }
}
