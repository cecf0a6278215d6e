//! PLACEHOLDER: replaced at merge by the oracle branch.
//!
//! `LibraryOracle`: the plan core's [`PolicyOracle`] on the policy library. This placeholder
//! covers AWS keys only (render, canonical comparison, statement diff, narrowing via
//! `policy::simulate`), enough for the engine and the sandbox end-to-end tests; GCP and Azure
//! documents are compared structurally.

// PLACEHOLDER: replaced at merge by the oracle branch

use std::collections::BTreeSet;

use crate::plan::input::{
    AccessDoc, AnthropicRequests, CompartmentStatus, Decision, DesiredAccessInput, Flip,
    PolicyOracle,
};
use crate::policy::aws::{PolicyDocument, parse_policy_value};
use crate::policy::render::aws::{self as render_aws, AwsAccessInput, render_aws_policy};
use crate::spec::model::KeyKind;

const ZERO_ACCOUNT: &str = "111122223333";
const ORG_CONDITION: &str = "kms:EncryptionContext:anthropic:org_uuid";

/// The policy library as a [`PolicyOracle`] (placeholder; see the module docs).
#[derive(Debug, Default, Clone, Copy)]
pub struct LibraryOracle;

fn status(s: CompartmentStatus) -> render_aws::CompartmentStatus {
    match s {
        CompartmentStatus::Attached => render_aws::CompartmentStatus::Attached,
        CompartmentStatus::FormerlyAttached => render_aws::CompartmentStatus::FormerlyAttached,
        CompartmentStatus::AboutToAttach => render_aws::CompartmentStatus::Attaching,
    }
}

fn aws_doc(doc: &AccessDoc) -> Option<PolicyDocument> {
    match doc {
        AccessDoc::AwsPolicy(v) => parse_policy_value(v).ok(),
        _ => None,
    }
}

fn requests_input(requests: &AnthropicRequests) -> AwsAccessInput {
    AwsAccessInput {
        platform: requests.platform,
        account_id: ZERO_ACCOUNT.into(),
        region: "us-east-2".into(),
        admins: None,
        org_uuids: requests.org_uuids.clone(),
        compartment_scoping: true,
        compartments: requests
            .workspaces
            .iter()
            .map(|w| render_aws::CompartmentUse {
                uuid: w.compartment_uuid.clone(),
                workspace_id: w.workspace_id.clone(),
                status: status(w.status),
            })
            .collect(),
        protects_pre_current_data: false,
        workspace_arns: Vec::new(),
    }
}

impl PolicyOracle for LibraryOracle {
    fn render_desired_access(&self, input: &DesiredAccessInput<'_>) -> AccessDoc {
        match &input.key.kind {
            KeyKind::Aws(spec) => {
                if let Some(policy) = &spec.policy {
                    return AccessDoc::AwsPolicy(policy.clone());
                }
                let render_input = AwsAccessInput::from_spec(
                    spec,
                    input.platform,
                    input.aws_account.unwrap_or(ZERO_ACCOUNT),
                    input.org_uuids.to_vec(),
                    input
                        .compartments
                        .iter()
                        .map(|c| render_aws::CompartmentUse {
                            uuid: c.compartment_uuid.clone(),
                            workspace_id: c.workspace_id.clone(),
                            status: status(c.status),
                        })
                        .collect(),
                    input.protects_pre_current_data,
                    Vec::new(),
                );
                match render_aws_policy(&render_input) {
                    Ok(doc) => AccessDoc::AwsPolicy(doc.to_json()),
                    Err(e) => AccessDoc::AwsPolicy(serde_json::json!({
                        "Version": "2012-10-17",
                        "Statement": [],
                        "RenderError": e.to_string(),
                    })),
                }
            }
            KeyKind::Gcp(_) => AccessDoc::GcpBindings(Default::default()),
            KeyKind::Azure(_) => AccessDoc::AzureAssignment(Default::default()),
        }
    }

    fn canonical_eq(&self, a: &AccessDoc, b: &AccessDoc) -> bool {
        match (aws_doc(a), aws_doc(b)) {
            (Some(x), Some(y)) => crate::policy::aws::canonical::semantically_equal(&x, &y),
            _ => a == b,
        }
    }

    fn statement_diff(&self, a: &AccessDoc, b: &AccessDoc) -> Vec<String> {
        match (aws_doc(a), aws_doc(b)) {
            (Some(x), Some(y)) => crate::policy::aws::diff::diff_policies(&x, &y)
                .render_text()
                .lines()
                .map(str::to_string)
                .collect(),
            _ if a == b => Vec::new(),
            _ => vec!["~ access document changed".into()],
        }
    }

    fn narrowed(
        &self,
        old: &AccessDoc,
        new: &AccessDoc,
        requests: &AnthropicRequests,
    ) -> Vec<Flip> {
        let (Some(o), Some(n)) = (aws_doc(old), aws_doc(new)) else {
            return Vec::new();
        };
        let input = requests_input(requests);
        let arn = format!("arn:aws:kms:us-east-2:{ZERO_ACCOUNT}:key/placeholder");
        match crate::policy::simulate::narrowed_aws_policy(&o, &n, &input, &arn) {
            Ok(flips) => flips
                .into_iter()
                .map(|f| Flip {
                    request: f.id,
                    old: Decision::Allow,
                    new: Decision::Deny,
                    reason: f.after.explanation,
                })
                .collect(),
            Err(e) => vec![Flip {
                request: "simulation".into(),
                old: Decision::Allow,
                new: Decision::Deny,
                reason: e.to_string(),
            }],
        }
    }

    fn bound_org_uuids(&self, doc: &AccessDoc) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        match doc {
            AccessDoc::AwsPolicy(v) => collect_org_values(v, &mut out),
            AccessDoc::GcpBindings(g) => out.extend(
                g.org_labels
                    .iter()
                    .filter_map(|l| l.strip_prefix("anthropic-org-").map(str::to_string)),
            ),
            AccessDoc::AzureAssignment(a) => out.extend(
                a.org_tags
                    .iter()
                    .filter_map(|l| l.strip_prefix("anthropic-org-").map(str::to_string)),
            ),
        }
        out
    }
}

fn collect_org_values(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map {
                if k == ORG_CONDITION {
                    match val {
                        serde_json::Value::String(s) => {
                            out.insert(s.clone());
                        }
                        serde_json::Value::Array(a) => {
                            out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string)))
                        }
                        _ => {}
                    }
                } else {
                    collect_org_values(val, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_org_values(x, out)),
        _ => {}
    }
}
