//! The desired AWS key policy (domain §4, DESIGN §3).
//!
//! Claude Platform / Claude Enterprise:
//! - `AccountRootAdmin`: the customer account root, `kms:*` (admin control, no lockout);
//! - `AllowKeyAdministration` when `admins` is set: those principals get day-to-day key
//!   administration. Destructive and access-removing operations are deliberately not in this
//!   statement; they stay with the root statement (IAM in the customer account);
//! - `AllowAnthropicCMEKCrypto`: Anthropic's role, `kms:Encrypt` + `kms:Decrypt`, `StringEquals`
//!   on `kms:EncryptionContext:anthropic:org_uuid` (the org UUIDs) and, with compartment scoping
//!   (Claude Platform only), `StringEqualsIfExists` on `...:anthropic:compartment_uuid` listing
//!   the all-zeros UUID (validation) then every compartment the key is, was or is about to be
//!   attached to;
//! - `AllowAnthropicCMEKDescribe`: Anthropic's role, `kms:DescribeKey`, no condition
//!   (DescribeKey carries no encryption context);
//! - `AllowAnthropicCMEKDecryptExistingData` when the key protects data written under an older
//!   policy: `kms:Decrypt`, `StringEquals` on the compartments it is or was attached to.
//!
//! Claude Platform on AWS: the service principal `aws-external-anthropic.amazonaws.com`,
//! `AllowClaudePlatformOnAWSCrypto` (`kms:Encrypt`, `kms:Decrypt`, `kms:GenerateDataKey`, with
//! scoping a `StringEquals` on the workspaces' compartments — validation happens at attach with
//! the workspace's own compartment, so no all-zeros — and an optional `ArnEquals` on
//! `aws:SourceArn` listing workspace ARNs — when `workspace_arns` is non-empty, the ARNs of
//! every workspace in `compartments` are added, so a workspace being attached is never left
//! out) and `AllowClaudePlatformOnAWSDescribe`.

use super::{RenderError, checked_orgs, is_bare_lowercase_uuid};
use crate::policy::aws::condition::{BaseOperator, Operator};
use crate::policy::aws::document::{
    ConditionBlock, ConditionClause, ConditionEntry, Effect, OneOrMany, PolicyDocument,
    PrincipalBlock, PrincipalType, Statement,
};
use crate::policy::aws::principal::{is_account_id, root_arn};
use crate::policy::identities::{ALL_ZEROS_UUID, identities};
use crate::spec::model::{AwsKeySpec, Platform};

pub const SID_ROOT: &str = "AccountRootAdmin";
pub const SID_ADMINS: &str = "AllowKeyAdministration";
pub const SID_CRYPTO: &str = "AllowAnthropicCMEKCrypto";
pub const SID_DESCRIBE: &str = "AllowAnthropicCMEKDescribe";
pub const SID_EXISTING: &str = "AllowAnthropicCMEKDecryptExistingData";
pub const SID_CPOA_CRYPTO: &str = "AllowClaudePlatformOnAWSCrypto";
pub const SID_CPOA_DESCRIBE: &str = "AllowClaudePlatformOnAWSDescribe";

/// Key administration granted to `admins` (no destructive or access-removing operations).
pub const ADMIN_ACTIONS: [&str; 12] = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Get*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
];

/// Where a workspace stands with respect to this key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompartmentStatus {
    Attached,
    /// Will be attached in this run: its compartment must be allowed before the attach.
    Attaching,
    /// Was attached (now archived or gone): its data still needs the key.
    FormerlyAttached,
}

/// A workspace's compartment as it concerns one key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct CompartmentUse {
    /// The workspace's `compartment_id` (a UUID).
    pub uuid: String,
    /// `wrkspc_...`, for messages.
    pub workspace_id: String,
    pub status: CompartmentStatus,
}

/// Everything the AWS renderer needs (no HCL, no cloud calls).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AwsAccessInput {
    pub platform: Platform,
    /// The customer account that owns the key.
    pub account_id: String,
    pub region: String,
    /// Key administrators; `None` means the account root only.
    pub admins: Option<Vec<String>>,
    /// Bare lowercase organization UUIDs.
    pub org_uuids: Vec<String>,
    pub compartment_scoping: bool,
    pub compartments: Vec<CompartmentUse>,
    /// The key protects data written under an older policy (needs the existing-data statement).
    pub protects_pre_current_data: bool,
    /// Claude Platform on AWS: workspace ARNs for the optional `aws:SourceArn` condition.
    pub workspace_arns: Vec<String>,
}

impl AwsAccessInput {
    /// A key bound to organizations and nothing more: the account root administers it, and
    /// there are no compartments, workspace ARNs or older data. What a simulation of
    /// Anthropic's access assumes when the key's history is unknown (lint).
    pub fn org_bound(
        platform: Platform,
        account_id: String,
        region: String,
        org_uuids: Vec<String>,
    ) -> Self {
        AwsAccessInput {
            platform,
            account_id,
            region,
            admins: None,
            org_uuids,
            compartment_scoping: false,
            compartments: Vec::new(),
            protects_pre_current_data: false,
            workspace_arns: Vec::new(),
        }
    }

    /// Adapter from a spec key block. Facts the spec does not hold (account, compartments,
    /// history) come from state or the Admin API.
    pub fn from_spec(
        spec: &AwsKeySpec,
        platform: Platform,
        account_id: &str,
        org_uuids: Vec<String>,
        compartments: Vec<CompartmentUse>,
        protects_pre_current_data: bool,
        workspace_arns: Vec<String>,
    ) -> Self {
        AwsAccessInput {
            platform,
            account_id: account_id.to_string(),
            region: spec.region.clone(),
            admins: spec.admins.clone(),
            org_uuids,
            compartment_scoping: spec.compartment_scoping,
            compartments,
            protects_pre_current_data,
            workspace_arns,
        }
    }

    fn checked_compartments(&self) -> Result<(), RenderError> {
        for c in &self.compartments {
            if !is_bare_lowercase_uuid(&c.uuid) {
                return Err(RenderError::BadCompartment {
                    uuid: c.uuid.clone(),
                    workspace: c.workspace_id.clone(),
                });
            }
        }
        Ok(())
    }

    /// Compartments of the given statuses, sorted and deduplicated.
    fn compartment_uuids(&self, statuses: &[CompartmentStatus]) -> Vec<String> {
        let mut v: Vec<String> = self
            .compartments
            .iter()
            .filter(|c| statuses.contains(&c.status))
            .map(|c| c.uuid.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

fn principal(ptype: PrincipalType, value: &str) -> PrincipalBlock {
    PrincipalBlock::Map(vec![(ptype, OneOrMany::One(value.to_string()))])
}

fn statement(sid: &str, who: PrincipalBlock, actions: &[&str]) -> Statement {
    let mut s = Statement::new(Effect::Allow);
    s.sid = Some(sid.to_string());
    s.principal = Some(who);
    s.action = Some(OneOrMany::from_vec(
        actions.iter().map(|a| a.to_string()).collect(),
    ));
    s.resource = Some(OneOrMany::One("*".to_string()));
    s
}

fn clause(base: BaseOperator, if_exists: bool, key: &str, values: Vec<String>) -> ConditionClause {
    ConditionClause {
        operator: Operator::known(None, base, if_exists),
        entries: vec![ConditionEntry::strings(key, values)],
    }
}

/// Render the desired key policy.
pub fn render_aws_policy(input: &AwsAccessInput) -> Result<PolicyDocument, RenderError> {
    if !is_account_id(&input.account_id) {
        return Err(RenderError::BadAccount(input.account_id.clone()));
    }
    input.checked_compartments()?;
    let ids = identities()?;
    let ec = |k: &str| format!("kms:EncryptionContext:{k}");
    let org_key = ec(&ids.aws.org_context_key);
    let compartment_key = ec(&ids.aws.compartment_context_key);
    let all_statuses = [
        CompartmentStatus::Attached,
        CompartmentStatus::Attaching,
        CompartmentStatus::FormerlyAttached,
    ];

    let mut statements = vec![statement(
        SID_ROOT,
        principal(PrincipalType::Aws, &root_arn(&input.account_id)),
        &["kms:*"],
    )];
    if let Some(admins) = input.admins.as_ref().filter(|a| !a.is_empty()) {
        let mut admins = admins.clone();
        admins.sort();
        admins.dedup();
        let mut s = statement(SID_ADMINS, PrincipalBlock::Wildcard, &ADMIN_ACTIONS);
        s.principal = Some(PrincipalBlock::Map(vec![(
            PrincipalType::Aws,
            OneOrMany::from_vec(admins),
        )]));
        statements.push(s);
    }

    match input.platform {
        Platform::ClaudePlatform | Platform::ClaudeEnterprise => {
            let orgs = checked_orgs(&input.org_uuids)?;
            let role = principal(PrincipalType::Aws, &ids.aws.role_arn);
            let mut crypto = statement(SID_CRYPTO, role.clone(), &["kms:Encrypt", "kms:Decrypt"]);
            let mut clauses = vec![clause(BaseOperator::StringEquals, false, &org_key, orgs)];
            if input.compartment_scoping && input.platform == Platform::ClaudePlatform {
                let mut list = vec![ALL_ZEROS_UUID.to_string()];
                list.extend(
                    input
                        .compartment_uuids(&all_statuses)
                        .into_iter()
                        .filter(|u| u != ALL_ZEROS_UUID),
                );
                clauses.push(clause(
                    BaseOperator::StringEquals,
                    true,
                    &compartment_key,
                    list,
                ));
            }
            crypto.condition = Some(ConditionBlock { clauses });
            statements.push(crypto);
            statements.push(statement(SID_DESCRIBE, role.clone(), &["kms:DescribeKey"]));
            if input.protects_pre_current_data {
                let existing = input.compartment_uuids(&[
                    CompartmentStatus::Attached,
                    CompartmentStatus::FormerlyAttached,
                ]);
                if existing.is_empty() {
                    return Err(RenderError::Other(
                        "the key is marked as protecting existing data, but no attached or formerly attached workspace compartment is known; AllowAnthropicCMEKDecryptExistingData needs them".into(),
                    ));
                }
                let mut s = statement(SID_EXISTING, role, &["kms:Decrypt"]);
                s.condition = Some(ConditionBlock {
                    clauses: vec![clause(
                        BaseOperator::StringEquals,
                        false,
                        &compartment_key,
                        existing,
                    )],
                });
                statements.push(s);
            }
        }
        Platform::ClaudePlatformAws => {
            let service = principal(PrincipalType::Service, &ids.aws.service_principal);
            let mut crypto = statement(
                SID_CPOA_CRYPTO,
                service.clone(),
                &["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            );
            let mut clauses = Vec::new();
            let compartments = input.compartment_uuids(&all_statuses);
            if input.compartment_scoping && !compartments.is_empty() {
                clauses.push(clause(
                    BaseOperator::StringEquals,
                    false,
                    &compartment_key,
                    compartments,
                ));
            }
            if !input.workspace_arns.is_empty() {
                // Source-ARN scoping is on: every workspace that uses the key must be listed,
                // including one about to be attached (validated at attach).
                let mut arns = input.workspace_arns.clone();
                arns.extend(input.compartments.iter().map(|c| {
                    crate::policy::simulate::workspace_arn(
                        &input.region,
                        &input.account_id,
                        &c.workspace_id,
                    )
                }));
                arns.sort();
                arns.dedup();
                clauses.push(clause(
                    BaseOperator::ArnEquals,
                    false,
                    "aws:SourceArn",
                    arns,
                ));
            }
            if !clauses.is_empty() {
                crypto.condition = Some(ConditionBlock { clauses });
            }
            statements.push(crypto);
            statements.push(statement(SID_CPOA_DESCRIBE, service, &["kms:DescribeKey"]));
        }
    }
    Ok(PolicyDocument::new(statements))
}
