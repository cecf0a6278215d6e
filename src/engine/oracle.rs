//! [`LibraryOracle`]: the plan core's [`PolicyOracle`] backed by the real policy library.
//!
//! - `render_desired_access` maps the plan's [`DesiredAccessInput`] onto the renderers in
//!   `policy::render` (AWS key policy, GCP bindings + labels, Azure role assignment + key
//!   operations + tags). A hand-written AWS `policy` (the spec's escape hatch) is returned as is.
//! - `canonical_eq` compares canonical forms (`policy::aws::canonical` for AWS; normalized sets
//!   for GCP and Azure).
//! - `statement_diff` turns `policy::aws::diff` into one line per change, in words.
//! - `narrowed` simulates Anthropic's requests (`policy::simulate`) against both documents:
//!   validation (when asked), the traffic of every workspace in the request set (formerly
//!   attached ones: `kms:Decrypt`; on Claude Platform on AWS too, which the simulator's set
//!   leaves out), and — always — reads of data written under an older policy shape (no org UUID
//!   in the context): if the old document allowed them, data may depend on them. Needed requests
//!   allowed before and denied after are reported with the evaluator's explanation; requests
//!   that gain access are reported too (`Deny -> Allow`). Validation probes that must be denied
//!   are never reported as a loss.
//! - `bound_org_uuids` reads the organization condition values, labels or tags.
//!
//! Conventions for the plan's GCP and Azure access documents (the adapters that build
//! [`AccessDoc`]s from observed keys must keep them, or `canonical_eq` never holds):
//! - Azure `principal_id` is Anthropic's application **client id**
//!   (`8635ae1a-3e5d-44e8-a4ed-e0f614466f87`): the service principal's object id differs per
//!   tenant, so the adapter maps "the service principal of that app" to the client id;
//! - Azure `scope` of the key-level assignment is the versionless key URI
//!   `https://<vault>.vault.azure.net/keys/<name>` (the vault URI without its trailing slash,
//!   then `/keys/<name>`); `role` is the role's display name (`Key Vault Crypto User`) — the
//!   definition GUID or id compares equal to it;
//! - every listed assignment covers the key (ancestor scopes included by the adapter).
//!
//! Failure semantics (never a panic): a desired document that cannot be rendered (say, an AWS
//! key whose account is unknown) becomes an AWS document with no statement and a top-level
//! `CmekRenderError` field naming the reason; it never compares equal to anything, every diff
//! shows the reason, and `narrowed` reports every request as lost, so SAFE005 refuses. A
//! document that cannot be parsed (old or new) is "cannot prove no narrowing": one flip with
//! that reason. GCP and Azure documents always parse (they are typed); a render error there
//! yields an empty grant, which narrows everything for keys in use.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::plan::input::{
    AccessDoc, AnthropicRequests, AzureAccess, AzureRoleAssignment, CompartmentStatus,
    CompartmentUse, Decision, DesiredAccessInput, Flip, GcpAccess, ORG_LABEL_PREFIX, PolicyOracle,
};
use crate::policy::aws::canonical::canonicalize;
use crate::policy::aws::condition::{BaseOperator, OperatorKind};
use crate::policy::aws::diff::{FieldChange, StatementChange, diff_policies};
use crate::policy::aws::document::{Effect, PolicyDocument, PrincipalType};
use crate::policy::aws::eval::CompiledPolicy;
use crate::policy::aws::parse::parse_policy_value;
use crate::policy::aws::principal::{RequestPrincipal, is_account_id, parse_arn};
use crate::policy::aws::request::Request;
use crate::policy::azure::eval::{AzureKeyAccess, AzureKeyState};
use crate::policy::azure::rbac::{RoleAssignment, definition_guid, role_definition_guid};
use crate::policy::describe::describe_access;
use crate::policy::gcp::eval::GcpKeyAccess;
use crate::policy::gcp::iam::{Binding, IamPolicy};
use crate::policy::identities::identities;
use crate::policy::render::aws as render_aws;
use crate::policy::render::{
    AwsAccessInput, AzureAccessInput, GcpAccessInput, RenderError, render_aws_policy,
    render_azure_access, render_gcp_access,
};
use crate::policy::simulate::{
    AccessModel, AnthropicRequest, Check, Expected, Purpose, aws_requests, azure_requests,
    gcp_requests, workspace_arn,
};
use crate::spec::model::{KeyKind, Platform};

/// Top-level field of the AWS document that stands for "the desired access could not be
/// rendered" (see the module docs).
pub const RENDER_ERROR_FIELD: &str = "CmekRenderError";

/// Used for the simulated key ARN when neither document names one.
const FALLBACK_ACCOUNT: &str = "000000000000";
const FALLBACK_REGION: &str = "us-east-2";

/// The plan core's view of the policy library. Stateless and cheap to build.
#[derive(Debug, Default, Clone, Copy)]
pub struct LibraryOracle;

impl LibraryOracle {
    pub fn new() -> Self {
        LibraryOracle
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

fn render_status(s: CompartmentStatus) -> render_aws::CompartmentStatus {
    match s {
        CompartmentStatus::Attached => render_aws::CompartmentStatus::Attached,
        CompartmentStatus::AboutToAttach => render_aws::CompartmentStatus::Attaching,
        CompartmentStatus::FormerlyAttached => render_aws::CompartmentStatus::FormerlyAttached,
    }
}

fn render_compartments(uses: &[CompartmentUse]) -> Vec<render_aws::CompartmentUse> {
    uses.iter()
        .map(|c| render_aws::CompartmentUse {
            uuid: c.compartment_uuid.clone(),
            workspace_id: c.workspace_id.clone(),
            status: render_status(c.status),
        })
        .collect()
}

/// The document standing for a render failure.
fn render_error_doc(why: &str) -> AccessDoc {
    AccessDoc::AwsPolicy(json!({
        "Version": "2012-10-17",
        "Statement": [],
        RENDER_ERROR_FIELD: why,
    }))
}

fn render_error_of(v: &Value) -> Option<&str> {
    v.get(RENDER_ERROR_FIELD).map(|e| e.as_str().unwrap_or("?"))
}

/// The versionless key URI used as the scope of the key-level role assignment.
pub fn azure_key_scope(vault_uri: &str, key_name: &str) -> String {
    format!("{}/keys/{key_name}", vault_uri.trim_end_matches('/'))
}

fn render(input: &DesiredAccessInput<'_>) -> Result<AccessDoc, RenderError> {
    match &input.key.kind {
        KeyKind::Aws(spec) => {
            if let Some(policy) = &spec.policy {
                return Ok(AccessDoc::AwsPolicy(policy.clone()));
            }
            let account = input
                .aws_account
                .ok_or_else(|| {
                    RenderError::Other(
                        "the AWS account that owns the key is unknown (no observed key and no caller identity); the root admin statement needs it".into(),
                    )
                })?;
            let aws_input = AwsAccessInput::from_spec(
                spec,
                input.platform,
                account,
                input.org_uuids.to_vec(),
                render_compartments(input.compartments),
                input.protects_pre_current_data,
                Vec::new(),
            );
            Ok(AccessDoc::AwsPolicy(
                render_aws_policy(&aws_input)?.to_json(),
            ))
        }
        KeyKind::Gcp(spec) => {
            let required =
                render_gcp_access(&GcpAccessInput::from_spec(spec, input.org_uuids.to_vec()))?;
            let mut bindings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for b in required.bindings {
                bindings.entry(b.role).or_default().extend(b.members);
            }
            Ok(AccessDoc::GcpBindings(GcpAccess {
                bindings,
                org_labels: required.labels.into_keys().collect(),
            }))
        }
        KeyKind::Azure(spec) => {
            let ids = identities()?;
            // The renderer scopes to `<vault>/keys/<name>`; with the vault URI as the "vault
            // resource id" that is the key URI convention of the module docs.
            let required = render_azure_access(&AzureAccessInput::from_spec(
                spec,
                &spec.vault_uri,
                &ids.azure.client_id,
                input.org_uuids.to_vec(),
            ))?;
            let a = required.role_assignment;
            Ok(AccessDoc::AzureAssignment(AzureAccess {
                role_assignments: BTreeSet::from([AzureRoleAssignment {
                    role: a.role_display(),
                    principal_id: a.principal_id,
                    scope: azure_key_scope(&spec.vault_uri, &spec.name),
                }]),
                key_ops: required.key_ops.into_iter().collect(),
                org_tags: required.tags.into_keys().collect(),
            }))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AWS helpers

/// A parsed AWS document, or why it is not one.
fn parse_aws(v: &Value) -> Result<PolicyDocument, String> {
    if let Some(why) = render_error_of(v) {
        return Err(format!("the desired access could not be rendered: {why}"));
    }
    parse_policy_value(v).map_err(|e| e.to_string())
}

fn org_context_key_lc() -> String {
    let key = identities()
        .map(|i| i.aws.org_context_key.clone())
        .unwrap_or_else(|_| "anthropic:org_uuid".to_string());
    format!("kms:encryptioncontext:{}", key.to_ascii_lowercase())
}

fn aws_bound_orgs(v: &Value) -> BTreeSet<String> {
    let key_lc = org_context_key_lc();
    let mut out = BTreeSet::new();
    match parse_aws(v) {
        Ok(doc) => {
            for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
                for clause in s.condition.iter().flat_map(|c| c.clauses.iter()) {
                    let positive = matches!(
                        clause.operator.kind(),
                        OperatorKind::Known {
                            base: BaseOperator::StringEquals
                                | BaseOperator::StringEqualsIgnoreCase
                                | BaseOperator::StringLike,
                            ..
                        }
                    );
                    if !positive {
                        continue;
                    }
                    for e in clause.entries.iter().filter(|e| e.key_lc == key_lc) {
                        out.extend(e.values.iter().map(|v| v.as_text().into_owned()));
                    }
                }
            }
        }
        // Unreadable document: report every value it names under the org key, so SAFE007 sees
        // what a reader would see.
        Err(_) => scan_values(v, &key_lc, &mut out),
    }
    out
}

fn scan_values(v: &Value, key_lc: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k.to_ascii_lowercase() == key_lc {
                    match x {
                        Value::String(s) => {
                            out.insert(s.clone());
                        }
                        Value::Array(items) => {
                            out.extend(items.iter().filter_map(|i| i.as_str().map(String::from)))
                        }
                        _ => {}
                    }
                } else {
                    scan_values(x, key_lc, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| scan_values(x, key_lc, out)),
        _ => {}
    }
}

/// Facts the simulated AWS requests need that the plan's request set does not carry: the key's
/// account and region (for the key ARN and Claude Platform on AWS workspace ARNs), read from the
/// documents themselves.
struct AwsSimulationFacts {
    account: String,
    region: String,
    key_arn: String,
    /// `aws:SourceArn` values listed in either document.
    source_arns: Vec<String>,
}

fn aws_simulation_facts(docs: &[&PolicyDocument]) -> AwsSimulationFacts {
    let anthropic_account = identities()
        .map(|i| i.aws.account_id.clone())
        .unwrap_or_default();
    let mut account: Option<String> = None;
    let mut key_arn: Option<String> = None;
    let mut source_arns = Vec::new();
    for doc in docs {
        for s in &doc.statements {
            for block in [&s.principal, &s.not_principal].into_iter().flatten() {
                for (t, v) in block.entries() {
                    if *t != PrincipalType::Aws || account.is_some() {
                        continue;
                    }
                    let acct = if is_account_id(v) {
                        Some(v.to_string())
                    } else {
                        parse_arn(v)
                            .filter(|a| a.service == "iam" && a.resource == "root")
                            .map(|a| a.account.to_string())
                    };
                    account = acct.filter(|a| *a != anthropic_account);
                }
            }
            for r in s.resource.iter().flat_map(|r| r.iter()) {
                if key_arn.is_none()
                    && r.starts_with("arn:aws:kms:")
                    && !r.contains('*')
                    && !r.contains('?')
                {
                    key_arn = Some(r.clone());
                }
            }
            for clause in s.condition.iter().flat_map(|c| c.clauses.iter()) {
                for e in &clause.entries {
                    if e.key_lc == "aws:sourcearn" {
                        source_arns.extend(e.values.iter().map(|v| v.as_text().into_owned()));
                    }
                }
            }
        }
    }
    let from_key = key_arn.as_deref().and_then(parse_arn);
    let from_source = source_arns.iter().find_map(|a| parse_arn(a));
    let region = from_key
        .as_ref()
        .map(|a| a.region.to_string())
        .or_else(|| from_source.as_ref().map(|a| a.region.to_string()))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| FALLBACK_REGION.to_string());
    let account = account
        .or_else(|| from_key.as_ref().map(|a| a.account.to_string()))
        .or_else(|| from_source.as_ref().map(|a| a.account.to_string()))
        .filter(|a| is_account_id(a))
        .unwrap_or_else(|| FALLBACK_ACCOUNT.to_string());
    let key_arn = key_arn.unwrap_or_else(|| {
        format!("arn:aws:kms:{region}:{account}:key/00000000-0000-4000-8000-00000000c3e6")
    });
    AwsSimulationFacts {
        account,
        region,
        key_arn,
        source_arns,
    }
}

// ---------------------------------------------------------------------------------------------
// GCP / Azure models

fn gcp_model(g: &GcpAccess) -> GcpKeyAccess {
    GcpKeyAccess {
        key: IamPolicy {
            version: None,
            etag: None,
            bindings: g
                .bindings
                .iter()
                .filter(|(_, m)| !m.is_empty())
                .map(|(role, members)| {
                    Binding::new(role.clone(), members.iter().cloned().collect())
                })
                .collect(),
        },
        key_ring: None,
        project: None,
        // Version state is watched by the plan separately (drift); access is about grants.
        primary_enabled: true,
        labels: g
            .org_labels
            .iter()
            .map(|l| (l.clone(), "true".to_string()))
            .collect(),
    }
}

fn azure_assignment(a: &AzureRoleAssignment) -> RoleAssignment {
    let (definition, name) = match role_definition_guid(&a.role) {
        Some(guid) => (guid.to_string(), Some(a.role.clone())),
        None => (a.role.clone(), None),
    };
    RoleAssignment {
        scope: a.scope.clone(),
        role_definition_id: definition,
        role_name: name,
        principal_id: a.principal_id.clone(),
        principal_type: None,
    }
}

/// The Azure model of one document; `key_id` is the key the assignments are judged against.
fn azure_model(z: &AzureAccess, key_id: &str) -> AzureKeyAccess {
    AzureKeyAccess {
        key_resource_id: key_id.to_string(),
        assignments: z.role_assignments.iter().map(azure_assignment).collect(),
        key: AzureKeyState {
            // Enabled state is watched by the plan separately (drift).
            enabled: true,
            key_ops: z.key_ops.iter().cloned().collect(),
            tags: z
                .org_tags
                .iter()
                .map(|t| (t.clone(), "true".to_string()))
                .collect(),
        },
    }
}

/// Every listed assignment covers the key (adapter convention), so the most specific scope of
/// the two documents is the key itself.
fn azure_key_id(a: &AzureAccess, b: &AzureAccess) -> String {
    a.role_assignments
        .iter()
        .chain(b.role_assignments.iter())
        .map(|r| r.scope.trim_end_matches('/'))
        .max_by_key(|s| s.len())
        .unwrap_or_default()
        .to_string()
}

fn azure_normalized(z: &AzureAccess) -> (BTreeSet<(String, String, String)>, &BTreeSet<String>) {
    let assignments = z
        .role_assignments
        .iter()
        .map(|r| {
            let role = role_definition_guid(&r.role)
                .unwrap_or_else(|| definition_guid(&r.role))
                .to_ascii_lowercase();
            (
                role,
                r.principal_id.to_ascii_lowercase(),
                r.scope.trim_end_matches('/').to_ascii_lowercase(),
            )
        })
        .collect();
    (assignments, &z.key_ops)
}

fn gcp_normalized(g: &GcpAccess) -> BTreeMap<&String, &BTreeSet<String>> {
    g.bindings.iter().filter(|(_, m)| !m.is_empty()).collect()
}

// ---------------------------------------------------------------------------------------------
// Simulation

/// Human words for a simulated request.
fn request_label(id: &str, purpose: &Purpose, who: &str) -> String {
    let action = id.rsplit('/').next().unwrap_or(id);
    let org = id
        .split('[')
        .nth(1)
        .and_then(|r| r.split(']').next())
        .map(|o| format!(", org {o}"))
        .unwrap_or_default();
    let what = match purpose {
        Purpose::Validation => format!("key validation{org}"),
        Purpose::ValidationProbe => format!("a validation probe{org}"),
        Purpose::Traffic {
            workspace_id,
            compartment,
        } => format!("workspace {workspace_id} (compartment {compartment}{org})"),
        Purpose::OrgTraffic => format!("organization traffic{org}"),
        Purpose::ExistingData {
            workspace_id,
            compartment,
        } => format!(
            "data workspace {workspace_id} wrote under an older policy (compartment {compartment}, no org UUID in the context)"
        ),
    };
    format!("{action} by {who} for {what}")
}

/// Flips between two models over `requests`: needed requests that lose access, and any request
/// that gains it.
fn flips<M: AccessModel>(
    old: &M,
    new: &M,
    requests: &[AnthropicRequest<M::Request>],
    who: &str,
) -> Vec<Flip> {
    let mut out = Vec::new();
    for r in requests {
        let before: Check = old.check(&r.request);
        let after: Check = new.check(&r.request);
        if before.allowed == after.allowed {
            continue;
        }
        if before.allowed && r.expected != Expected::Allowed {
            // A probe that must be denied becoming denied is a fix, not a loss; report it as
            // nothing (the plan only acts on losses of needed requests).
            continue;
        }
        let decision = |allowed: bool| {
            if allowed {
                Decision::Allow
            } else {
                Decision::Deny
            }
        };
        out.push(Flip {
            request: request_label(&r.id, &r.purpose, who),
            old: decision(before.allowed),
            new: decision(after.allowed),
            reason: after.explanation,
        });
    }
    out
}

fn keep_request<R>(r: &AnthropicRequest<R>, requests: &AnthropicRequests) -> bool {
    requests.validation || !matches!(r.purpose, Purpose::Validation | Purpose::ValidationProbe)
}

/// One flip standing for every request, when a document cannot be evaluated.
fn unprovable(why: String) -> Vec<Flip> {
    vec![Flip {
        request: "every request Anthropic makes on this key".to_string(),
        old: Decision::Allow,
        new: Decision::Deny,
        reason: format!("cmek cannot prove the change keeps Anthropic's access: {why}"),
    }]
}

fn aws_flips(old: &Value, new: &Value, requests: &AnthropicRequests) -> Vec<Flip> {
    let old_doc = match parse_aws(old) {
        Ok(d) => d,
        Err(e) => return unprovable(format!("the current key policy cannot be read ({e})")),
    };
    let new_doc = match parse_aws(new) {
        Ok(d) => d,
        Err(e) => return unprovable(format!("the new key policy cannot be read ({e})")),
    };
    let facts = aws_simulation_facts(&[&old_doc, &new_doc]);
    let input = AwsAccessInput {
        platform: requests.platform,
        account_id: facts.account.clone(),
        region: facts.region.clone(),
        admins: None,
        org_uuids: requests.org_uuids.clone(),
        compartment_scoping: true,
        compartments: render_compartments(&requests.workspaces),
        // Always simulate reads of data written under an older policy shape: if the old
        // document allowed them, data may depend on them.
        protects_pre_current_data: true,
        workspace_arns: Vec::new(),
    };
    let mut list = match aws_requests(&input, &facts.key_arn) {
        Ok(l) => l,
        Err(e) => return unprovable(e.to_string()),
    };
    list.retain(|r| keep_request(r, requests));
    if requests.platform == Platform::ClaudePlatformAws {
        list.extend(cpoa_former_reads(&input, &facts));
        // Use the workspace ARN the documents list, when they list one for the workspace (same
        // account and region as the key).
        for r in &mut list {
            if let Purpose::Traffic { workspace_id, .. } = &r.purpose
                && let Some(arn) = facts
                    .source_arns
                    .iter()
                    .find(|a| a.ends_with(&format!(":workspace/{workspace_id}")))
            {
                r.request = r.request.clone().with("aws:SourceArn", arn);
            }
        }
    }
    let ids = identities().ok();
    let who = match requests.platform {
        Platform::ClaudePlatformAws => ids
            .map(|i| i.aws.service_principal.clone())
            .unwrap_or_default(),
        _ => ids
            .map(|i| i.aws.role_arn.rsplit('/').next().unwrap_or("").to_string())
            .unwrap_or_default(),
    };
    flips(
        &CompiledPolicy::new(&old_doc),
        &CompiledPolicy::new(&new_doc),
        &list,
        &who,
    )
}

/// Claude Platform on AWS: the simulator's request set covers live workspaces only; data a
/// formerly attached workspace wrote still needs `kms:Decrypt` with its compartment.
fn cpoa_former_reads(
    input: &AwsAccessInput,
    facts: &AwsSimulationFacts,
) -> Vec<AnthropicRequest<Request>> {
    let Ok(ids) = identities() else {
        return Vec::new();
    };
    input
        .compartments
        .iter()
        .filter(|c| c.status == render_aws::CompartmentStatus::FormerlyAttached)
        .map(|c| {
            let arn = workspace_arn(&input.region, &input.account_id, &c.workspace_id);
            AnthropicRequest {
                id: format!("former/{}/kms:Decrypt", c.workspace_id),
                purpose: Purpose::Traffic {
                    workspace_id: c.workspace_id.clone(),
                    compartment: c.uuid.clone(),
                },
                expected: Expected::Allowed,
                request: Request::new(
                    RequestPrincipal::service(ids.aws.service_principal.clone()),
                    "kms:Decrypt",
                    facts.key_arn.clone(),
                )
                .with_encryption_context(&ids.aws.compartment_context_key, &c.uuid)
                .with("aws:SourceArn", &arn)
                .with("aws:SourceAccount", &input.account_id),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Diff lines

/// The statement in words (`allows ... to use ... on this key, only when ...`), without the
/// Sid the line already names.
fn statement_words(s: &crate::policy::aws::document::Statement) -> String {
    let doc = PolicyDocument::new(vec![s.clone()]);
    let prefix = format!("{}: ", sid(s));
    describe_access(&doc)
        .into_iter()
        .map(|l| match l.text.strip_prefix(&prefix) {
            Some(rest) => rest.to_string(),
            None => l.text,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn sid(s: &crate::policy::aws::document::Statement) -> String {
    s.sid.clone().unwrap_or_else(|| "(no Sid)".to_string())
}

fn field_words(f: &FieldChange) -> String {
    let both = |name: &str, added: &[String], removed: &[String]| {
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!("adds {}", added.join(", ")));
        }
        if !removed.is_empty() {
            parts.push(format!("removes {}", removed.join(", ")));
        }
        format!("{name} {}", parts.join("; "))
    };
    match f {
        FieldChange::Effect { old, new } => format!("Effect {old} -> {new}"),
        FieldChange::Principals {
            name,
            added,
            removed,
        }
        | FieldChange::Actions {
            name,
            added,
            removed,
        }
        | FieldChange::Resources {
            name,
            added,
            removed,
        } => both(name, added, removed),
        FieldChange::Condition {
            operator,
            key,
            added,
            removed,
        } => both(&format!("condition {operator} {key}"), added, removed),
    }
}

fn aws_diff_lines(a: &Value, b: &Value) -> Vec<String> {
    let (old, new) = match (parse_aws(a), parse_aws(b)) {
        (Ok(old), Ok(new)) => (old, new),
        (old, new) => {
            let mut out = Vec::new();
            if let Err(e) = &old {
                out.push(format!("! the current access cannot be read: {e}"));
            }
            if let Err(e) = &new {
                out.push(format!("! the new access cannot be read: {e}"));
            }
            return out;
        }
    };
    let diff = diff_policies(&old, &new);
    let mut out = Vec::new();
    for c in &diff.changes {
        match c {
            StatementChange::Added { statement } => out.push(format!(
                "+ statement {}: {}",
                sid(statement),
                statement_words(statement)
            )),
            StatementChange::Removed { statement } => out.push(format!(
                "- statement {}: {}",
                sid(statement),
                statement_words(statement)
            )),
            StatementChange::Renamed { old_sid, new_sid } => out.push(format!(
                "= statement {} renamed to {} (same access)",
                old_sid.as_deref().unwrap_or("(no Sid)"),
                new_sid.as_deref().unwrap_or("(no Sid)")
            )),
            StatementChange::Changed { old, new, fields } => {
                let name = if old.sid == new.sid {
                    sid(new)
                } else {
                    format!("{} (now {})", sid(old), sid(new))
                };
                for f in fields {
                    out.push(format!("~ statement {name}: {}", field_words(f)));
                }
            }
        }
    }
    out
}

fn set_lines(title: &str, a: &BTreeSet<String>, b: &BTreeSet<String>, out: &mut Vec<String>) {
    for x in b.difference(a) {
        out.push(format!("+ {title} {x}"));
    }
    for x in a.difference(b) {
        out.push(format!("- {title} {x}"));
    }
}

// ---------------------------------------------------------------------------------------------

impl PolicyOracle for LibraryOracle {
    fn render_desired_access(&self, input: &DesiredAccessInput<'_>) -> AccessDoc {
        render(input).unwrap_or_else(|e| render_error_doc(&e.to_string()))
    }

    fn canonical_eq(&self, a: &AccessDoc, b: &AccessDoc) -> bool {
        match (a, b) {
            (AccessDoc::AwsPolicy(x), AccessDoc::AwsPolicy(y)) => {
                if render_error_of(x).is_some() || render_error_of(y).is_some() {
                    return false;
                }
                match (parse_aws(x), parse_aws(y)) {
                    (Ok(p), Ok(q)) => canonicalize(&p).to_json() == canonicalize(&q).to_json(),
                    _ => x == y,
                }
            }
            (AccessDoc::GcpBindings(x), AccessDoc::GcpBindings(y)) => {
                gcp_normalized(x) == gcp_normalized(y) && x.org_labels == y.org_labels
            }
            (AccessDoc::AzureAssignment(x), AccessDoc::AzureAssignment(y)) => {
                azure_normalized(x) == azure_normalized(y) && x.org_tags == y.org_tags
            }
            _ => false,
        }
    }

    fn statement_diff(&self, a: &AccessDoc, b: &AccessDoc) -> Vec<String> {
        let mut out = Vec::new();
        match (a, b) {
            (AccessDoc::AwsPolicy(x), AccessDoc::AwsPolicy(y)) => out = aws_diff_lines(x, y),
            (AccessDoc::GcpBindings(x), AccessDoc::GcpBindings(y)) => {
                let flat = |g: &GcpAccess| -> BTreeSet<String> {
                    g.bindings
                        .iter()
                        .flat_map(|(r, ms)| ms.iter().map(move |m| format!("{r} for {m}")))
                        .collect()
                };
                set_lines("binding", &flat(x), &flat(y), &mut out);
                set_lines("label", &x.org_labels, &y.org_labels, &mut out);
            }
            (AccessDoc::AzureAssignment(x), AccessDoc::AzureAssignment(y)) => {
                let flat = |z: &AzureAccess| -> BTreeSet<String> {
                    z.role_assignments
                        .iter()
                        .map(|r| format!("{} for {} at {}", r.role, r.principal_id, r.scope))
                        .collect()
                };
                set_lines("role assignment", &flat(x), &flat(y), &mut out);
                set_lines("key operation", &x.key_ops, &y.key_ops, &mut out);
                set_lines("tag", &x.org_tags, &y.org_tags, &mut out);
            }
            _ => out.push("~ access document type changed".to_string()),
        }
        out
    }

    fn narrowed(
        &self,
        old: &AccessDoc,
        new: &AccessDoc,
        requests: &AnthropicRequests,
    ) -> Vec<Flip> {
        match (old, new) {
            (AccessDoc::AwsPolicy(x), AccessDoc::AwsPolicy(y)) => aws_flips(x, y, requests),
            (AccessDoc::GcpBindings(x), AccessDoc::GcpBindings(y)) => {
                let list = match gcp_requests(&requests.org_uuids) {
                    Ok(l) => l,
                    Err(e) => return unprovable(e.to_string()),
                };
                let list: Vec<_> = list
                    .into_iter()
                    .filter(|r| keep_request(r, requests))
                    .collect();
                let who = identities()
                    .map(|i| i.gcp.member.clone())
                    .unwrap_or_default();
                flips(&gcp_model(x), &gcp_model(y), &list, &who)
            }
            (AccessDoc::AzureAssignment(x), AccessDoc::AzureAssignment(y)) => {
                let ids = match identities() {
                    Ok(i) => i,
                    Err(e) => return unprovable(e.to_string()),
                };
                let list = match azure_requests(&ids.azure.client_id, &requests.org_uuids) {
                    Ok(l) => l,
                    Err(e) => return unprovable(e.to_string()),
                };
                let list: Vec<_> = list
                    .into_iter()
                    .filter(|r| keep_request(r, requests))
                    .collect();
                let key = azure_key_id(x, y);
                let who = format!("Anthropic's service principal ({})", ids.azure.display_name);
                flips(&azure_model(x, &key), &azure_model(y, &key), &list, &who)
            }
            _ => unprovable("the access document changes type (another cloud)".to_string()),
        }
    }

    fn bound_org_uuids(&self, doc: &AccessDoc) -> BTreeSet<String> {
        match doc {
            AccessDoc::AwsPolicy(p) => aws_bound_orgs(p),
            AccessDoc::GcpBindings(g) => g
                .org_labels
                .iter()
                .filter_map(|l| l.strip_prefix(ORG_LABEL_PREFIX).map(String::from))
                .collect(),
            AccessDoc::AzureAssignment(a) => a
                .org_tags
                .iter()
                .filter_map(|l| l.strip_prefix(ORG_LABEL_PREFIX).map(String::from))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_documents_never_prove_safety() {
        let oracle = LibraryOracle::new();
        let good = AccessDoc::AwsPolicy(json!({"Version": "2012-10-17", "Statement": []}));
        let bad = AccessDoc::AwsPolicy(json!({"Version": "2012-10-17", "Statement": 7}));
        let requests = AnthropicRequests {
            platform: Platform::ClaudePlatform,
            org_uuids: vec!["4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into()],
            validation: true,
            workspaces: Vec::new(),
        };
        for (old, new) in [(&good, &bad), (&bad, &good)] {
            let f = oracle.narrowed(old, new, &requests);
            assert_eq!(f.len(), 1);
            assert_eq!((f[0].old, f[0].new), (Decision::Allow, Decision::Deny));
            assert!(f[0].reason.contains("cannot be read"), "{}", f[0].reason);
        }
        assert!(!oracle.canonical_eq(&bad, &good));
        assert!(oracle.canonical_eq(&bad, &bad));
        let poison = render_error_doc("no account");
        assert!(!oracle.canonical_eq(&poison, &poison));
        assert!(oracle.statement_diff(&good, &poison)[0].contains("no account"));
    }

    #[test]
    fn claude_platform_on_aws_keeps_former_workspaces_readable() {
        use crate::spec::model::{AwsKeySpec, KeySpec};
        let spec = KeySpec {
            address: crate::address::Address::key(crate::address::Cloud::Aws, "k"),
            kind: KeyKind::Aws(AwsKeySpec {
                region: "us-east-2".into(),
                alias: None,
                description: String::new(),
                rotation: true,
                rotation_period_days: None,
                admins: None,
                multi_region: false,
                compartment_scoping: true,
                tags: BTreeMap::new(),
                policy: None,
            }),
            origin: crate::spec::model::Origin {
                file: "main.cmek.hcl".into(),
                line: 1,
                column: 1,
            },
        };
        let former = CompartmentUse {
            workspace_id: "wrkspc_old".into(),
            compartment_uuid: "7d3e9a10-4b2c-4f8e-9a1d-5c6b7e8f9a0b".into(),
            status: CompartmentStatus::FormerlyAttached,
        };
        let live = CompartmentUse {
            workspace_id: "wrkspc_new".into(),
            compartment_uuid: "8e4f0b21-5c3d-4a9f-8b2e-6d7c8f9a0b1c".into(),
            status: CompartmentStatus::Attached,
        };
        let orgs = vec!["4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".to_string()];
        let render = |uses: &[CompartmentUse]| {
            LibraryOracle.render_desired_access(&DesiredAccessInput {
                key: &spec,
                platform: Platform::ClaudePlatformAws,
                aws_account: Some("111122223333"),
                compartments: uses,
                org_uuids: &orgs,
                protects_pre_current_data: false,
            })
        };
        let both = render(&[former.clone(), live.clone()]);
        let only_live = render(std::slice::from_ref(&live));
        let requests = AnthropicRequests {
            platform: Platform::ClaudePlatformAws,
            org_uuids: orgs.clone(),
            validation: true,
            workspaces: vec![former, live],
        };
        let lost = LibraryOracle.narrowed(&both, &only_live, &requests);
        assert_eq!(lost.len(), 1, "{lost:#?}");
        assert!(
            lost[0]
                .request
                .starts_with("kms:Decrypt by aws-external-anthropic")
        );
        assert!(lost[0].request.contains("wrkspc_old"));
        assert!(LibraryOracle.narrowed(&only_live, &both, &requests)[0].new == Decision::Allow);
    }

    #[test]
    fn azure_scope_convention() {
        assert_eq!(
            azure_key_scope("https://v.vault.azure.net/", "claude"),
            "https://v.vault.azure.net/keys/claude"
        );
    }
}
