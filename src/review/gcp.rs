//! The review of a Google Cloud KMS key: the bindings cmek manages on the key and the
//! organization labels, described, simulated against Anthropic's requests, and searched for
//! other members that can encrypt or decrypt.
//!
//! Offline the review sees only what cmek manages on the key itself; bindings on the key ring
//! or project are read from Google Cloud (`--live`, not yet supported), so they are not shown.

use std::collections::BTreeMap;

use crate::policy::describe::describe_gcp_access;
use crate::policy::gcp::eval::GcpKeyAccess;
use crate::policy::gcp::iam::IamPolicy;
use crate::policy::render::gcp::{GcpAccessInput, render_gcp_access};
use crate::policy::simulate::{gcp_key_users, gcp_requests, simulate};
use crate::spec::model::{Desired, GcpKeySpec, GcpProtectionLevel, KeySpec};

use super::ReviewError;
use super::aws::platform_cell;
use super::facts::KeyFacts;
use super::markdown::ReviewDoc;

/// The review file of one GCP key.
pub fn review(
    desired: &Desired,
    key: &KeySpec,
    spec: &GcpKeySpec,
    facts: &KeyFacts,
) -> Result<ReviewDoc, ReviewError> {
    let orgs = facts.org_uuids();
    let input = GcpAccessInput::from_spec(spec, orgs.clone());
    let required =
        render_gcp_access(&input).map_err(|e| ReviewError::key(&key.address, e.to_string()))?;
    let mut labels: BTreeMap<String, String> = spec.labels.clone();
    labels.extend(required.labels.clone());
    let mut bindings = required.bindings.clone();
    bindings.sort_by(|a, b| a.role.cmp(&b.role));
    let access = GcpKeyAccess {
        key: IamPolicy {
            version: None,
            etag: None,
            bindings: bindings.clone(),
        },
        key_ring: None,
        project: None,
        primary_enabled: true,
        labels: labels.clone(),
    };

    let mut header = vec![
        ("Address".to_string(), format!("`{}`", key.address)),
        ("Cloud".into(), "Google Cloud KMS".into()),
        ("Location".into(), format!("`{}`", spec.location)),
        ("Platform".into(), platform_cell(desired.anthropic.platform)),
        ("Project".into(), format!("`{}`", spec.project)),
        ("Key ring".into(), format!("`{}`", spec.key_ring)),
        ("Key".into(), format!("`{}`", required.key_name)),
        (
            "Protection level".into(),
            match spec.protection_level {
                GcpProtectionLevel::Hsm => "HSM".into(),
                GcpProtectionLevel::Software => "software".into(),
            },
        ),
        (
            "Rotation".into(),
            match spec.rotation_period_seconds {
                Some(s) if s % 86_400 == 0 => format!("every {} days", s / 86_400),
                Some(s) => format!("every {s} seconds"),
                None => "off".into(),
            },
        ),
    ];
    let all_labels: Vec<String> = labels.iter().map(|(k, v)| format!("`{k}={v}`")).collect();
    header.push(("Labels".into(), all_labels.join(", ")));

    let access_lines = describe_gcp_access(&access)
        .into_iter()
        .map(|l| l.text)
        .collect();
    let report = simulate(&access, &gcp_requests(&orgs)?);
    let anyone_else = gcp_key_users(&access)?
        .iter()
        .map(|g| {
            format!(
                "`{}`: {} on the {}{}{}",
                g.member,
                g.role,
                g.level.word(),
                if g.public { " (**public**)" } else { "" },
                if g.conditional {
                    " (with an IAM condition)"
                } else {
                    ""
                }
            )
        })
        .collect();

    let policy = serde_json::json!({
        "key": required.key_name,
        "bindings": bindings,
        "labels": labels,
    });
    let doc = ReviewDoc {
        address: key.address.to_string(),
        header,
        notes: Vec::new(),
        access: access_lines,
        requests: Some(report),
        not_simulated: Vec::new(),
        anyone_else,
        anyone_else_note: Some(
            "Offline, only the bindings cmek manages on the key are known; bindings on the key ring and the project are not shown.".into(),
        ),
        policy_title: "IAM bindings on the key and labels (canonical form)".into(),
        policy_json: serde_json::to_string_pretty(&policy).unwrap_or_default(),
        ..ReviewDoc::default()
    };
    Ok(doc)
}
