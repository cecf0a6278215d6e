//! Anthropic's requests against a key's access, and what changes between two versions.
//!
//! [`aws_requests`], [`gcp_requests`] and [`azure_requests`] build the set of requests
//! Anthropic makes (validation, traffic per workspace, reads of data written under an older
//! policy, and the validation probes that must be *denied*); [`simulate`] runs them against an
//! [`AccessModel`] and says which pass and why; [`narrowed`] lists the requests that an update
//! would turn from allowed to not allowed (SAFE005/SAFE007). [`aws_external_access`] lists who
//! *else* can use an AWS key.
//!
//! Modelling notes (what the docs do not spell out):
//! - validation carries the encryption context `associatedData=Y21lay12YWxpZGF0aW9u`; the docs
//!   say each validation leaves four expected access-denied entries. We model those as probes:
//!   `kms:Encrypt` and `kms:Decrypt` with a foreign organization UUID, and the same two without
//!   `anthropic:org_uuid` at all. A current-era key must deny all four (that is how "a key
//!   without the organization binding fails validation" shows in a policy);
//! - Claude Enterprise has no workspaces: its traffic carries the org UUID and no compartment;
//! - Claude Platform on AWS validates at attach with the workspace's compartment, and sends
//!   `aws:SourceArn` (the workspace ARN) and `aws:SourceAccount`.

use std::collections::BTreeMap;

use crate::policy::aws::document::{PolicyDocument, PrincipalType};
use crate::policy::aws::eval::{CompiledPolicy, Decision, StatementRef};
use crate::policy::aws::principal::{PrincipalClass, RequestPrincipal, classify};
use crate::policy::aws::request::Request;
use crate::policy::azure::eval::{AzureKeyAccess, AzureKeyOperation, AzureRequest};
use crate::policy::gcp::eval::{GcpKeyAccess, GcpRequest};
use crate::policy::gcp::iam::{PERM_DECRYPT, PERM_ENCRYPT, PERM_GET};
use crate::policy::identities::{
    ALL_ZEROS_UUID, AwsPolicyEra, DataError, ValidationCompartment, identities,
};
use crate::policy::render::aws::{AwsAccessInput, CompartmentStatus};
use crate::policy::wildcard;
use crate::spec::model::Platform;

/// A fixed organization UUID that belongs to nobody, used by the validation probes.
pub const FOREIGN_ORG_UUID: &str = "ffffffff-ffff-4fff-bfff-ffffffffffff";

/// Why Anthropic makes a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub enum Purpose {
    /// Key validation (before attachment; at attach on Claude Platform on AWS).
    Validation,
    /// A validation request the key must refuse.
    ValidationProbe,
    /// Normal traffic of a workspace.
    Traffic {
        workspace_id: String,
        compartment: String,
    },
    /// Traffic of an organization-wide key (Claude Enterprise, GCP, Azure).
    OrgTraffic,
    /// Reading data written before the current policy shape (no org UUID in the context).
    ExistingData {
        workspace_id: String,
        compartment: String,
    },
}

/// Must the request be allowed or denied?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    Allowed,
    Denied,
}

/// One request Anthropic makes, with a stable id for reports and diffs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnthropicRequest<R> {
    /// e.g. `validation/kms:Encrypt`, `traffic/wrkspc_01.../kms:Decrypt`.
    pub id: String,
    pub purpose: Purpose,
    pub expected: Expected,
    pub request: R,
}

/// A model of a key's access that can answer one request.
pub trait AccessModel {
    type Request;
    fn check(&self, request: &Self::Request) -> Check;

    /// Whether `request` is allowed: always `self.check(request).allowed`, but models may
    /// answer without building the explanation (the hot path of linting many keys).
    fn allows(&self, request: &Self::Request) -> bool {
        self.check(request).allowed
    }
}

/// One answer from an [`AccessModel`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    pub allowed: bool,
    /// Short decision word (`allowed`, `denied (explicit deny)`, `delegated ...`).
    pub decision: String,
    /// What decided it: statements, bindings, role assignments.
    pub deciding: Vec<String>,
    pub explanation: String,
}

/// The outcome of one simulated request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SimOutcome {
    pub id: String,
    pub purpose: Purpose,
    pub expected: Expected,
    /// `allowed == (expected == Allowed)`.
    pub ok: bool,
    #[serde(flatten)]
    pub check: Check,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SimReport {
    pub outcomes: Vec<SimOutcome>,
}

impl SimReport {
    pub fn all_ok(&self) -> bool {
        self.outcomes.iter().all(|o| o.ok)
    }

    pub fn failures(&self) -> impl Iterator<Item = &SimOutcome> {
        self.outcomes.iter().filter(|o| !o.ok)
    }

    pub fn outcome(&self, id: &str) -> Option<&SimOutcome> {
        self.outcomes.iter().find(|o| o.id == id)
    }

    /// One line per request: `ok   validation/kms:Encrypt: allowed: ...`.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for o in &self.outcomes {
            let mark = if o.ok { "ok  " } else { "FAIL" };
            let want = match o.expected {
                Expected::Allowed => "",
                Expected::Denied => " (must be denied)",
            };
            out.push_str(&format!("{mark} {}{want}: {}\n", o.id, o.check.explanation));
        }
        out
    }
}

/// Run every request against `model`.
pub fn simulate<M: AccessModel>(model: &M, requests: &[AnthropicRequest<M::Request>]) -> SimReport {
    SimReport {
        outcomes: requests
            .iter()
            .map(|r| {
                let check = model.check(&r.request);
                SimOutcome {
                    id: r.id.clone(),
                    purpose: r.purpose.clone(),
                    expected: r.expected,
                    ok: check.allowed == (r.expected == Expected::Allowed),
                    check,
                }
            })
            .collect(),
    }
}

/// A request that an update would stop allowing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RequestFlip {
    pub id: String,
    pub purpose: Purpose,
    pub before: Check,
    pub after: Check,
}

/// Requests Anthropic needs (expected `Allowed`) that `old` allows and `new` does not.
pub fn narrowed<M: AccessModel>(
    old: &M,
    new: &M,
    requests: &[AnthropicRequest<M::Request>],
) -> Vec<RequestFlip> {
    requests
        .iter()
        .filter(|r| r.expected == Expected::Allowed)
        .filter_map(|r| {
            let before = old.check(&r.request);
            if !before.allowed {
                return None;
            }
            let after = new.check(&r.request);
            (!after.allowed).then(|| RequestFlip {
                id: r.id.clone(),
                purpose: r.purpose.clone(),
                before,
                after,
            })
        })
        .collect()
}

impl AccessModel for CompiledPolicy {
    type Request = Request;

    fn check(&self, request: &Request) -> Check {
        let e = self.evaluate(request);
        Check {
            allowed: e.decision == Decision::Allow,
            decision: e.decision.word().to_string(),
            deciding: e.deciding.iter().map(StatementRef::label).collect(),
            explanation: e.explanation,
        }
    }

    fn allows(&self, request: &Request) -> bool {
        self.decide(request).decision == Decision::Allow
    }
}

// ---------------------------------------------------------------------------------------------
// AWS requests

fn aws_request(
    principal: &RequestPrincipal,
    action: &str,
    key_arn: &str,
    context: &[(&str, &str)],
) -> Request {
    let mut r = Request::new(principal.clone(), action, key_arn);
    for (k, v) in context {
        r = r.with_encryption_context(k, v);
    }
    r
}

/// The workspace ARN for `aws:SourceArn` (Claude Platform on AWS).
pub fn workspace_arn(region: &str, account: &str, workspace_id: &str) -> String {
    format!("arn:aws:aws-external-anthropic:{region}:{account}:workspace/{workspace_id}")
}

/// Anthropic's requests on an AWS key under the current docs.
pub fn aws_requests(
    input: &AwsAccessInput,
    key_arn: &str,
) -> Result<Vec<AnthropicRequest<Request>>, DataError> {
    let ids = identities()?;
    let era = ids.current_era().cloned();
    match era {
        Some(era) => aws_requests_for_era(input, key_arn, &era),
        None => Err(DataError {
            file: "policies/identities.hcl",
            message: "no policy era defined".into(),
        }),
    }
}

/// Anthropic's requests on an AWS key as they were in `era` (see `policies/identities.hcl`).
pub fn aws_requests_for_era(
    input: &AwsAccessInput,
    key_arn: &str,
    era: &AwsPolicyEra,
) -> Result<Vec<AnthropicRequest<Request>>, DataError> {
    let ids = identities()?;
    let org_key = ids.aws.org_context_key.as_str();
    let comp_key = ids.aws.compartment_context_key.as_str();
    let assoc = (
        "associatedData",
        ids.aws.validation_associated_data.as_str(),
    );
    let mut out = Vec::new();
    let push = |out: &mut Vec<AnthropicRequest<Request>>,
                id: String,
                purpose: Purpose,
                expected: Expected,
                r: Request| {
        out.push(AnthropicRequest {
            id,
            purpose,
            expected,
            request: r,
        })
    };
    let mut orgs = input.org_uuids.clone();
    orgs.sort();
    orgs.dedup();
    let live = |c: &&crate::policy::render::aws::CompartmentUse| {
        matches!(
            c.status,
            CompartmentStatus::Attached | CompartmentStatus::Attaching
        )
    };

    if input.platform == Platform::ClaudePlatformAws {
        let service = RequestPrincipal::service(ids.aws.service_principal.clone());
        for c in input.compartments.iter().filter(live) {
            let arn = workspace_arn(&input.region, &input.account_id, &c.workspace_id);
            let with_source = |r: Request| {
                r.with("aws:SourceArn", &arn)
                    .with("aws:SourceAccount", &input.account_id)
            };
            push(
                &mut out,
                format!("attach/{}/kms:DescribeKey", c.workspace_id),
                Purpose::Validation,
                Expected::Allowed,
                with_source(aws_request(&service, "kms:DescribeKey", key_arn, &[])),
            );
            for action in ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"] {
                push(
                    &mut out,
                    format!("traffic/{}/{action}", c.workspace_id),
                    Purpose::Traffic {
                        workspace_id: c.workspace_id.clone(),
                        compartment: c.uuid.clone(),
                    },
                    Expected::Allowed,
                    with_source(aws_request(
                        &service,
                        action,
                        key_arn,
                        &[(comp_key, &c.uuid)],
                    )),
                );
            }
        }
        return Ok(out);
    }

    let role = RequestPrincipal::aws(ids.aws.role_arn.clone());
    let multi_org = orgs.len() > 1;
    let org_tag = |o: &str| {
        if multi_org {
            format!("[{o}]")
        } else {
            String::new()
        }
    };

    // Validation.
    push(
        &mut out,
        "validation/kms:DescribeKey".into(),
        Purpose::Validation,
        Expected::Allowed,
        aws_request(&role, "kms:DescribeKey", key_arn, &[]),
    );
    let validation_compartments: Vec<String> = match era.validation_compartment {
        ValidationCompartment::AllZeros => vec![ALL_ZEROS_UUID.to_string()],
        ValidationCompartment::Workspace => input
            .compartments
            .iter()
            .filter(live)
            .map(|c| c.uuid.clone())
            .collect(),
    };
    for org in &orgs {
        for comp in &validation_compartments {
            let comp_tag = if validation_compartments.len() > 1 {
                format!("[{comp}]")
            } else {
                String::new()
            };
            for action in ["kms:Encrypt", "kms:Decrypt"] {
                let mut ctx = vec![assoc];
                if era.validation_sends_org {
                    ctx.push((org_key, org.as_str()));
                }
                ctx.push((comp_key, comp.as_str()));
                push(
                    &mut out,
                    format!("validation{}{comp_tag}/{action}", org_tag(org)),
                    Purpose::Validation,
                    Expected::Allowed,
                    aws_request(&role, action, key_arn, &ctx),
                );
            }
        }
    }
    if era.validation_sends_org {
        for action in ["kms:Encrypt", "kms:Decrypt"] {
            push(
                &mut out,
                format!("validation-probe/foreign-org/{action}"),
                Purpose::ValidationProbe,
                Expected::Denied,
                aws_request(
                    &role,
                    action,
                    key_arn,
                    &[
                        assoc,
                        (org_key, FOREIGN_ORG_UUID),
                        (comp_key, ALL_ZEROS_UUID),
                    ],
                ),
            );
        }
        for action in ["kms:Encrypt", "kms:Decrypt"] {
            push(
                &mut out,
                format!("validation-probe/no-org/{action}"),
                Purpose::ValidationProbe,
                Expected::Denied,
                aws_request(&role, action, key_arn, &[assoc, (comp_key, ALL_ZEROS_UUID)]),
            );
        }
    }

    // Traffic.
    if input.platform == Platform::ClaudeEnterprise {
        for org in &orgs {
            for action in ["kms:Encrypt", "kms:Decrypt"] {
                push(
                    &mut out,
                    format!("traffic{}/{action}", org_tag(org)),
                    Purpose::OrgTraffic,
                    Expected::Allowed,
                    aws_request(&role, action, key_arn, &[(org_key, org.as_str())]),
                );
            }
        }
        return Ok(out);
    }
    let mut comps = input.compartments.clone();
    comps.sort_by(|a, b| {
        a.workspace_id
            .cmp(&b.workspace_id)
            .then(a.uuid.cmp(&b.uuid))
    });
    for c in &comps {
        let actions: &[&str] = match c.status {
            CompartmentStatus::Attached | CompartmentStatus::Attaching => {
                &["kms:Encrypt", "kms:Decrypt"]
            }
            CompartmentStatus::FormerlyAttached => &["kms:Decrypt"],
        };
        for org in &orgs {
            for action in actions {
                let mut ctx = Vec::new();
                if era.validation_sends_org {
                    ctx.push((org_key, org.as_str()));
                }
                ctx.push((comp_key, c.uuid.as_str()));
                push(
                    &mut out,
                    format!("traffic/{}{}/{action}", c.workspace_id, org_tag(org)),
                    Purpose::Traffic {
                        workspace_id: c.workspace_id.clone(),
                        compartment: c.uuid.clone(),
                    },
                    Expected::Allowed,
                    aws_request(&role, action, key_arn, &ctx),
                );
            }
        }
        if input.protects_pre_current_data
            && era.validation_sends_org
            && c.status != CompartmentStatus::Attaching
        {
            push(
                &mut out,
                format!("existing-data/{}/kms:Decrypt", c.workspace_id),
                Purpose::ExistingData {
                    workspace_id: c.workspace_id.clone(),
                    compartment: c.uuid.clone(),
                },
                Expected::Allowed,
                aws_request(
                    &role,
                    "kms:Decrypt",
                    key_arn,
                    &[(comp_key, c.uuid.as_str())],
                ),
            );
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// GCP

/// A GCP request plus the organization label validation requires (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcpSimRequest {
    pub request: GcpRequest,
    /// `anthropic-org-<uuid>`: validation fails without it.
    pub required_label: Option<String>,
}

impl AccessModel for GcpKeyAccess {
    type Request = GcpSimRequest;

    fn check(&self, r: &GcpSimRequest) -> Check {
        let e = self.evaluate(&r.request);
        let mut allowed = e.decision.is_allowed();
        let mut explanation = e.explanation;
        if let Some(label) = &r.required_label
            && self.labels.get(label).map(String::as_str) != Some("true")
        {
            {
                allowed = false;
                explanation = format!(
                    "denied: the key has no label {label}=true (organization binding); {explanation}"
                );
            }
        }
        Check {
            allowed,
            decision: if allowed { "allowed" } else { "denied" }.into(),
            deciding: match &e.decision {
                crate::policy::gcp::eval::GcpDecision::Allow { role, level }
                | crate::policy::gcp::eval::GcpDecision::Unknown { role, level } => {
                    vec![format!("{role} on the {}", level.word())]
                }
                crate::policy::gcp::eval::GcpDecision::Deny => Vec::new(),
            },
            explanation,
        }
    }
}

/// Anthropic's requests on a GCP key: the metadata read and encrypt/decrypt, by the published
/// service account; validation requires each organization's label.
pub fn gcp_requests(
    org_uuids: &[String],
) -> Result<Vec<AnthropicRequest<GcpSimRequest>>, DataError> {
    let ids = identities()?;
    let mut out = Vec::new();
    let mut orgs = org_uuids.to_vec();
    orgs.sort();
    orgs.dedup();
    for org in &orgs {
        let label = format!("{}{org}", ids.gcp.label_prefix);
        let tag = if orgs.len() > 1 {
            format!("[{org}]")
        } else {
            String::new()
        };
        for perm in [PERM_GET, PERM_ENCRYPT, PERM_DECRYPT] {
            out.push(AnthropicRequest {
                id: format!("validation{tag}/{perm}"),
                purpose: Purpose::Validation,
                expected: Expected::Allowed,
                request: GcpSimRequest {
                    request: GcpRequest {
                        member: ids.gcp.member.clone(),
                        permission: perm.to_string(),
                    },
                    required_label: Some(label.clone()),
                },
            });
        }
    }
    for perm in [PERM_ENCRYPT, PERM_DECRYPT] {
        out.push(AnthropicRequest {
            id: format!("traffic/{perm}"),
            purpose: Purpose::OrgTraffic,
            expected: Expected::Allowed,
            request: GcpSimRequest {
                request: GcpRequest {
                    member: ids.gcp.member.clone(),
                    permission: perm.to_string(),
                },
                required_label: None,
            },
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Azure

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureSimRequest {
    pub request: AzureRequest,
    /// `anthropic-org-<uuid>`: validation fails without it.
    pub required_tag: Option<String>,
}

impl AccessModel for AzureKeyAccess {
    type Request = AzureSimRequest;

    fn check(&self, r: &AzureSimRequest) -> Check {
        let e = self.evaluate(&r.request);
        let mut allowed = e.decision.is_allowed();
        let mut explanation = e.explanation;
        if let Some(tag) = &r.required_tag
            && self.key.tags.get(tag).map(String::as_str) != Some("true")
        {
            {
                allowed = false;
                explanation = format!(
                    "denied: the key has no tag {tag}=true (organization binding); {explanation}"
                );
            }
        }
        Check {
            allowed,
            decision: if allowed { "allowed" } else { "denied" }.into(),
            deciding: match &e.decision {
                crate::policy::azure::eval::AzureDecision::Allow { scope, role } => {
                    vec![format!("{role} at {scope}")]
                }
                crate::policy::azure::eval::AzureDecision::Deny => Vec::new(),
            },
            explanation,
        }
    }
}

/// Anthropic's requests on an Azure key: get, wrapKey, unwrapKey by the service principal of
/// Anthropic's app (`principal_object_id` in this tenant); validation requires each org's tag.
pub fn azure_requests(
    principal_object_id: &str,
    org_uuids: &[String],
) -> Result<Vec<AnthropicRequest<AzureSimRequest>>, DataError> {
    let ids = identities()?;
    let mut out = Vec::new();
    let mut orgs = org_uuids.to_vec();
    orgs.sort();
    orgs.dedup();
    let ops = [
        AzureKeyOperation::Get,
        AzureKeyOperation::WrapKey,
        AzureKeyOperation::UnwrapKey,
    ];
    for org in &orgs {
        let tag = format!("{}{org}", ids.azure.tag_prefix);
        let t = if orgs.len() > 1 {
            format!("[{org}]")
        } else {
            String::new()
        };
        for op in ops {
            out.push(AnthropicRequest {
                id: format!("validation{t}/{}", op.name()),
                purpose: Purpose::Validation,
                expected: Expected::Allowed,
                request: AzureSimRequest {
                    request: AzureRequest {
                        principal_object_id: principal_object_id.to_string(),
                        operation: op,
                    },
                    required_tag: Some(tag.clone()),
                },
            });
        }
    }
    for op in [AzureKeyOperation::WrapKey, AzureKeyOperation::UnwrapKey] {
        out.push(AnthropicRequest {
            id: format!("traffic/{}", op.name()),
            purpose: Purpose::OrgTraffic,
            expected: Expected::Allowed,
            request: AzureSimRequest {
                request: AzureRequest {
                    principal_object_id: principal_object_id.to_string(),
                    operation: op,
                },
                required_tag: None,
            },
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Who else

/// Who, besides the customer account and Anthropic's published identity, an AWS key policy lets
/// use the key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExternalPrincipal {
    /// `"*"`: anyone (conditions may narrow it).
    Everyone,
    /// `NotPrincipal` in an Allow: everyone except the listed principals.
    EveryoneExcept {
        except: Vec<String>,
    },
    /// A whole other account (root ARN or bare id). `anthropic` when it is Anthropic's account:
    /// the docs grant the role, never the account.
    WholeAccount {
        account: String,
        anthropic: bool,
    },
    /// A named identity in another account (`anthropic` when in Anthropic's account but not
    /// the published role).
    Identity {
        arn: String,
        account: String,
        anthropic: bool,
    },
    Service {
        name: String,
    },
    Federated {
        provider: String,
    },
    CanonicalUser {
        id: String,
    },
    OrphanedUniqueId {
        id: String,
    },
    Invalid {
        value: String,
    },
}

/// One grant to an external principal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExternalGrant {
    pub statement: StatementRef,
    pub principal: ExternalPrincipal,
    /// The KMS actions granted as written (`NotAction` grants are prefixed `not `).
    pub actions: Vec<String>,
    /// Whether a `Condition` narrows the grant (not evaluated here).
    pub conditional: bool,
}

fn grants_kms(s: &crate::policy::aws::document::Statement) -> bool {
    if let Some(actions) = &s.action {
        return actions.iter().any(|a| {
            let a = a.to_ascii_lowercase();
            a == "*" || a.starts_with("kms:") || wildcard::matches(&a, "kms:encrypt", false)
        });
    }
    // NotAction grants everything not listed, which always includes some kms action unless it
    // excludes them all.
    s.not_action.as_ref().is_some_and(|na| {
        !na.iter()
            .any(|a| a == "*" || a.eq_ignore_ascii_case("kms:*"))
    })
}

/// Every principal outside `customer_account` and Anthropic's published identity (for
/// `platform`) granted any KMS action by an Allow statement.
pub fn aws_external_access(
    doc: &PolicyDocument,
    customer_account: &str,
    platform: Platform,
) -> Result<Vec<ExternalGrant>, DataError> {
    let ids = identities()?;
    let anthropic_account = ids.aws.account_id.as_str();
    let published: &str = match platform {
        Platform::ClaudePlatformAws => &ids.aws.service_principal,
        _ => &ids.aws.role_arn,
    };
    let mut out = Vec::new();
    for (index, s) in doc.statements.iter().enumerate() {
        if s.effect != crate::policy::aws::document::Effect::Allow || !grants_kms(s) {
            continue;
        }
        let statement = StatementRef {
            index,
            sid: s.sid.clone(),
        };
        let actions: Vec<String> = match (&s.action, &s.not_action) {
            (Some(a), _) => a.to_vec(),
            (None, Some(na)) => na.iter().map(|a| format!("not {a}")).collect(),
            _ => Vec::new(),
        };
        let conditional = s.condition.as_ref().is_some_and(|c| !c.clauses.is_empty());
        let mut push = |principal| {
            out.push(ExternalGrant {
                statement: statement.clone(),
                principal,
                actions: actions.clone(),
                conditional,
            })
        };
        if let Some(np) = &s.not_principal {
            push(ExternalPrincipal::EveryoneExcept {
                except: np.entries().map(|(_, v)| v.to_string()).collect(),
            });
            continue;
        }
        let Some(p) = &s.principal else { continue };
        if *p == crate::policy::aws::document::PrincipalBlock::Wildcard {
            push(ExternalPrincipal::Everyone);
            continue;
        }
        let mut seen: BTreeMap<String, ()> = BTreeMap::new();
        for (t, v) in p.entries() {
            if v.eq_ignore_ascii_case(published)
                && (*t == PrincipalType::Aws || *t == PrincipalType::Service)
            {
                continue;
            }
            let ext = match classify(t, v) {
                PrincipalClass::Everyone => Some(ExternalPrincipal::Everyone),
                PrincipalClass::AccountRoot { account } => {
                    (account != customer_account).then(|| ExternalPrincipal::WholeAccount {
                        anthropic: account == anthropic_account,
                        account,
                    })
                }
                PrincipalClass::Identity { account, arn } => {
                    (account != customer_account).then(|| ExternalPrincipal::Identity {
                        anthropic: account == anthropic_account,
                        arn,
                        account,
                    })
                }
                PrincipalClass::Service { name } => Some(ExternalPrincipal::Service { name }),
                PrincipalClass::Federated { provider } => {
                    Some(ExternalPrincipal::Federated { provider })
                }
                PrincipalClass::CanonicalUser { id } => {
                    Some(ExternalPrincipal::CanonicalUser { id })
                }
                PrincipalClass::OrphanedUniqueId { id } => {
                    Some(ExternalPrincipal::OrphanedUniqueId { id })
                }
                PrincipalClass::Invalid { value } => Some(ExternalPrincipal::Invalid { value }),
            };
            if let Some(ext) = ext {
                let key = format!("{ext:?}");
                if seen.insert(key, ()).is_none() {
                    push(ext);
                }
            }
        }
    }
    Ok(out)
}

/// Is a CloudTrail access-denied entry one of the denials every key validation leaves on
/// purpose (domain §4)? True when the encryption context carries `associatedData` =
/// `Y21lay12YWxpZGF0aW9u` and the caller is Anthropic's account. Verify and audit tooling use
/// this so expected denials are not reported as incidents.
pub fn is_expected_validation_denial(
    encryption_context: &BTreeMap<String, String>,
    caller_account: &str,
) -> Result<bool, DataError> {
    let ids = identities()?;
    Ok(caller_account == ids.aws.account_id
        && encryption_context.get("associatedData").map(String::as_str)
            == Some(ids.aws.validation_associated_data.as_str()))
}

/// A member other than Anthropic's service account that can use a GCP key (encrypt or
/// decrypt), at any level of the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct GcpExternalGrant {
    pub member: String,
    pub role: String,
    pub level: crate::policy::gcp::eval::GcpLevel,
    /// `allUsers` / `allAuthenticatedUsers`.
    pub public: bool,
    pub conditional: bool,
}

/// Everyone besides Anthropic's published service account who can encrypt or decrypt with the
/// key. Customer members are listed too (GCP has no account boundary to tell them apart);
/// reviewers read the list, lint flags public members.
pub fn gcp_key_users(access: &GcpKeyAccess) -> Result<Vec<GcpExternalGrant>, DataError> {
    use crate::policy::gcp::eval::GcpLevel;
    let ids = identities()?;
    let mut out = Vec::new();
    let levels = [
        (GcpLevel::Key, Some(&access.key)),
        (GcpLevel::KeyRing, access.key_ring.as_ref()),
        (GcpLevel::Project, access.project.as_ref()),
    ];
    for (level, policy) in levels {
        let Some(policy) = policy else { continue };
        for b in &policy.bindings {
            let uses = crate::policy::gcp::iam::role_permissions(&b.role)
                .is_some_and(|p| p.contains(&PERM_ENCRYPT) || p.contains(&PERM_DECRYPT));
            if !uses {
                continue;
            }
            for m in &b.members {
                if *m == ids.gcp.member {
                    continue;
                }
                out.push(GcpExternalGrant {
                    member: m.clone(),
                    role: b.role.clone(),
                    level,
                    public: m == "allUsers" || m == "allAuthenticatedUsers",
                    conditional: b.condition.is_some(),
                });
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Principals other than `anthropic_object_id` whose role assignments let them wrap or unwrap
/// with the key.
pub fn azure_key_users(
    access: &AzureKeyAccess,
    anthropic_object_id: &str,
) -> Vec<crate::policy::azure::rbac::RoleAssignment> {
    let mut out: Vec<_> = access
        .assignments
        .iter()
        .filter(|a| !a.principal_id.eq_ignore_ascii_case(anthropic_object_id))
        .filter(|a| {
            [AzureKeyOperation::WrapKey, AzureKeyOperation::UnwrapKey]
                .into_iter()
                .any(|op| {
                    access
                        .evaluate(&AzureRequest {
                            principal_object_id: a.principal_id.clone(),
                            operation: op,
                        })
                        .decision
                        .is_allowed()
                })
        })
        .cloned()
        .collect();
    out.sort_by(|a, b| (&a.principal_id, &a.scope).cmp(&(&b.principal_id, &b.scope)));
    out.dedup();
    out
}

/// Simulate Anthropic's current requests for `input` against an AWS key policy.
pub fn simulate_aws_policy(
    doc: &PolicyDocument,
    input: &AwsAccessInput,
    key_arn: &str,
) -> Result<SimReport, DataError> {
    Ok(simulate(
        &CompiledPolicy::new(doc),
        &aws_requests(input, key_arn)?,
    ))
}

/// The requests Anthropic needs for `input` that replacing `old` with `new` would stop
/// allowing (SAFE005; with several organizations in `input`, also SAFE007).
pub fn narrowed_aws_policy(
    old: &PolicyDocument,
    new: &PolicyDocument,
    input: &AwsAccessInput,
    key_arn: &str,
) -> Result<Vec<RequestFlip>, DataError> {
    Ok(narrowed(
        &CompiledPolicy::new(old),
        &CompiledPolicy::new(new),
        &aws_requests(input, key_arn)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::aws::parse_policy_text;

    fn input() -> AwsAccessInput {
        AwsAccessInput::org_bound(
            Platform::ClaudePlatform,
            "111122223333".into(),
            "us-east-2".into(),
            vec!["4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into()],
        )
    }

    #[test]
    fn allows_is_the_allowed_of_check() {
        let role = "arn:aws:iam::915198916910:role/anthropic-cmek-client-us";
        let policies = [
            // Everything allowed, probes included.
            format!(
                r#"{{"Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "{role}"}}, "Action": "kms:*", "Resource": "*"}}]}}"#
            ),
            // Nothing for Anthropic.
            r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}"#.to_string(),
            // Allowed, then denied by a Deny on Decrypt.
            format!(
                r#"{{"Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "{role}"}}, "Action": "kms:*", "Resource": "*"}},
                   {{"Sid": "NoDecrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}}]}}"#
            ),
        ];
        let arn = "arn:aws:kms:us-east-2:111122223333:key/k";
        let requests = aws_requests(&input(), arn).unwrap();
        for p in &policies {
            let compiled = CompiledPolicy::new(&parse_policy_text(p).unwrap().document);
            let (mut allowed, mut denied) = (0, 0);
            for r in &requests {
                let check = compiled.check(&r.request);
                assert_eq!(compiled.allows(&r.request), check.allowed, "{p}: {}", r.id);
                if check.allowed {
                    allowed += 1;
                } else {
                    denied += 1;
                }
            }
            // The role-wide policy allows every request, the root-only one none, the one
            // with a Deny some of each.
            assert_eq!(allowed + denied, requests.len());
            assert_eq!(
                (allowed > 0, denied > 0),
                match p.contains("NoDecrypt") {
                    true => (true, true),
                    false => (
                        !p.contains("111122223333:root"),
                        p.contains("111122223333:root")
                    ),
                },
                "{p}"
            );
        }
    }
}
