//! The required GCP access (domain §5): two bindings *on the key itself* for Anthropic's
//! service account — `roles/cloudkms.cryptoKeyEncrypterDecrypter` and `roles/cloudkms.viewer`
//! (the viewer role covers the `cryptoKeys.get` metadata read) — and one label
//! `anthropic-org-<uuid>=true` per organization.

use std::collections::BTreeMap;

use super::{RenderError, checked_orgs};
use crate::policy::gcp::iam::Binding;
use crate::policy::identities::identities;
use crate::spec::model::GcpKeySpec;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GcpAccessInput {
    /// `projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`.
    pub key_name: String,
    pub org_uuids: Vec<String>,
}

impl GcpAccessInput {
    pub fn from_spec(spec: &GcpKeySpec, org_uuids: Vec<String>) -> Self {
        GcpAccessInput {
            key_name: format!(
                "projects/{}/locations/{}/keyRings/{}/cryptoKeys/{}",
                spec.project, spec.location, spec.key_ring, spec.name
            ),
            org_uuids,
        }
    }
}

/// Bindings that must exist on the key, and labels the key must carry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GcpRequiredAccess {
    pub key_name: String,
    pub bindings: Vec<Binding>,
    pub labels: BTreeMap<String, String>,
}

pub fn render_gcp_access(input: &GcpAccessInput) -> Result<GcpRequiredAccess, RenderError> {
    let ids = identities()?;
    let orgs = checked_orgs(&input.org_uuids)?;
    let bindings = ids
        .gcp
        .roles
        .iter()
        .map(|role| Binding::new(role.clone(), vec![ids.gcp.member.clone()]))
        .collect();
    let labels = orgs
        .iter()
        .map(|o| (format!("{}{o}", ids.gcp.label_prefix), "true".to_string()))
        .collect();
    Ok(GcpRequiredAccess {
        key_name: input.key_name.clone(),
        bindings,
        labels,
    })
}
