//! Anthropic's published identities, the AWS key-policy eras, and the US regions, as pinned
//! data (`policies/identities.hcl`, `policies/regions.hcl`), embedded at compile time and
//! parsed once at first use.
//!
//! The data files are the single place these facts live in code; renderers, the simulator and
//! lint read them from here. A test proves both files parse, so a parse error here is a build
//! defect, reported as [`DataError`] rather than a panic.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const IDENTITIES_HCL: &str = include_str!("../../policies/identities.hcl");
const REGIONS_HCL: &str = include_str!("../../policies/regions.hcl");

/// The all-zeros compartment UUID key validation sends (domain §4).
pub const ALL_ZEROS_UUID: &str = "00000000-0000-0000-0000-000000000000";

/// Embedded data that failed to parse (a build defect).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("built-in data file {file} is invalid: {message}")]
pub struct DataError {
    pub file: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AwsIdentities {
    pub role_arn: String,
    pub account_id: String,
    pub service_principal: String,
    pub org_context_key: String,
    pub compartment_context_key: String,
    pub validation_compartment: String,
    pub validation_associated_data: String,
    pub validation_expected_denials: u32,
    pub workspace_arn_format: String,
    pub docs: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GcpIdentity {
    pub service_account: String,
    pub member: String,
    pub roles: Vec<String>,
    pub label_prefix: String,
    pub max_labels: u32,
    pub docs: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AzureIdentity {
    pub client_id: String,
    pub display_name: String,
    pub role_name: String,
    pub role_definition_id: String,
    pub key_ops: Vec<String>,
    pub tag_prefix: String,
    pub max_tags: u32,
    pub docs: String,
}

/// Whether a condition is part of an era's documented policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionUse {
    None,
    Optional,
    Required,
}

/// Which compartment validation sends in an era.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationCompartment {
    /// The compartment of the workspace being attached.
    Workspace,
    /// The all-zeros UUID (validation runs before attachment).
    AllZeros,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct EraBody {
    from: String,
    until: String,
    org_condition: ConditionUse,
    compartment_condition: ConditionUse,
    compartment_operator: String,
    validation_compartment: ValidationCompartment,
    compartment_list_must_include_all_zeros: bool,
    validation_sends_org: bool,
    docs: String,
}

/// One version of the documented `AllowAnthropicCMEKCrypto` condition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AwsPolicyEra {
    /// `june_2026`, `july_2026`, `current`.
    pub name: String,
    /// ISO dates; `until` is empty for the current era.
    pub from: String,
    pub until: String,
    pub org_condition: ConditionUse,
    pub compartment_condition: ConditionUse,
    pub compartment_operator: String,
    pub validation_compartment: ValidationCompartment,
    pub compartment_list_must_include_all_zeros: bool,
    pub validation_sends_org: bool,
    pub docs: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct IdentitiesFile {
    docs_version: String,
    aws: AwsIdentities,
    gcp: GcpIdentity,
    azure: AzureIdentity,
    era: BTreeMap<String, EraBody>,
}

/// Everything in `policies/identities.hcl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identities {
    pub docs_version: String,
    pub aws: AwsIdentities,
    pub gcp: GcpIdentity,
    pub azure: AzureIdentity,
    /// Oldest first; the last one is current.
    pub eras: Vec<AwsPolicyEra>,
}

impl Identities {
    pub fn era(&self, name: &str) -> Option<&AwsPolicyEra> {
        self.eras.iter().find(|e| e.name == name)
    }

    /// The era in force today (the last one).
    pub fn current_era(&self) -> Option<&AwsPolicyEra> {
        self.eras.last()
    }
}

/// Region data for one cloud.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CloudRegions {
    pub us_regions: Vec<String>,
    pub recommended: Vec<String>,
    #[serde(default)]
    pub govcloud: Vec<String>,
    #[serde(default)]
    pub multi_region_locations: Vec<String>,
    #[serde(default)]
    pub multi_region_key_prefix: Option<String>,
}

impl CloudRegions {
    /// A supported (US, commercial, single-region) location.
    pub fn is_supported(&self, region: &str) -> bool {
        self.us_regions.iter().any(|r| r == region)
    }

    pub fn is_recommended(&self, region: &str) -> bool {
        self.recommended.iter().any(|r| r == region)
    }
}

/// Everything in `policies/regions.hcl`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Regions {
    pub docs_version: String,
    pub aws: CloudRegions,
    pub gcp: CloudRegions,
    pub azure: CloudRegions,
}

/// The parsed `policies/identities.hcl`.
pub fn identities() -> Result<&'static Identities, DataError> {
    static CELL: OnceLock<Result<Identities, DataError>> = OnceLock::new();
    CELL.get_or_init(|| parse_identities(IDENTITIES_HCL))
        .as_ref()
        .map_err(Clone::clone)
}

/// The parsed `policies/regions.hcl`.
pub fn regions() -> Result<&'static Regions, DataError> {
    static CELL: OnceLock<Result<Regions, DataError>> = OnceLock::new();
    CELL.get_or_init(|| {
        hcl::from_str(REGIONS_HCL).map_err(|e| DataError {
            file: "policies/regions.hcl",
            message: e.to_string(),
        })
    })
    .as_ref()
    .map_err(Clone::clone)
}

fn parse_identities(text: &str) -> Result<Identities, DataError> {
    let file: IdentitiesFile = hcl::from_str(text).map_err(|e| DataError {
        file: "policies/identities.hcl",
        message: e.to_string(),
    })?;
    let mut eras: Vec<AwsPolicyEra> = file
        .era
        .into_iter()
        .map(|(name, b)| AwsPolicyEra {
            name,
            from: b.from,
            until: b.until,
            org_condition: b.org_condition,
            compartment_condition: b.compartment_condition,
            compartment_operator: b.compartment_operator,
            validation_compartment: b.validation_compartment,
            compartment_list_must_include_all_zeros: b.compartment_list_must_include_all_zeros,
            validation_sends_org: b.validation_sends_org,
            docs: b.docs,
        })
        .collect();
    eras.sort_by(|a, b| a.from.cmp(&b.from));
    Ok(Identities {
        docs_version: file.docs_version,
        aws: file.aws,
        gcp: file.gcp,
        azure: file.azure,
        eras,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_files_parse() {
        let ids = identities().unwrap();
        assert_eq!(ids.aws.account_id, "915198916910");
        assert!(ids.aws.role_arn.contains(&ids.aws.account_id));
        assert_eq!(ids.aws.validation_compartment, ALL_ZEROS_UUID);
        assert_eq!(
            ids.eras.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            ["june_2026", "july_2026", "current"]
        );
        assert_eq!(
            ids.current_era().unwrap().org_condition,
            ConditionUse::Required
        );
        let r = regions().unwrap();
        assert!(r.aws.is_recommended("us-east-2"));
        assert!(!r.gcp.is_supported("us"));
        assert!(r.gcp.multi_region_locations.iter().any(|l| l == "global"));
        assert!(r.azure.is_recommended("eastus2"));
    }
}
