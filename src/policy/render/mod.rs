//! Required access: what each key must grant Anthropic, rendered from plain inputs (never from
//! HCL), one renderer per cloud. Thin adapters build the inputs from `spec::model` key specs.
//!
//! Every statement, binding and tag rendered here traces to `domain/anthropic-cmek.md`
//! (§3 organization binding, §4 AWS, §5 GCP, §6 Azure) and DESIGN §3 (compartment lists).

pub mod aws;
pub mod azure;
pub mod gcp;

pub use aws::{AwsAccessInput, CompartmentStatus, CompartmentUse, render_aws_policy};
pub use azure::{AzureAccessInput, AzureRequiredAccess, render_azure_access};
pub use gcp::{GcpAccessInput, GcpRequiredAccess, render_gcp_access};

/// An input a renderer cannot turn into a correct document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error(
        "organization UUID `{0}` is not a bare lowercase UUID (use the UUID, not the `org_` id)"
    )]
    BadOrgUuid(String),
    #[error("no organization UUID: the key must carry the organization binding")]
    NoOrgUuid,
    #[error(
        "compartment id `{uuid}` of workspace {workspace} is not a UUID (a compartment id is the workspace's `compartment_id`, not its `wrkspc_` id)"
    )]
    BadCompartment { uuid: String, workspace: String },
    #[error("AWS account id `{0}` is not 12 digits")]
    BadAccount(String),
    #[error("{0}")]
    Other(String),
    #[error(transparent)]
    Data(#[from] crate::policy::identities::DataError),
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase hex.
pub fn is_bare_lowercase_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
}

/// Sorted, deduplicated, validated organization UUIDs.
pub(crate) fn checked_orgs(org_uuids: &[String]) -> Result<Vec<String>, RenderError> {
    let mut orgs: Vec<String> = Vec::with_capacity(org_uuids.len());
    for o in org_uuids {
        if !is_bare_lowercase_uuid(o) {
            return Err(RenderError::BadOrgUuid(o.clone()));
        }
        orgs.push(o.clone());
    }
    orgs.sort();
    orgs.dedup();
    if orgs.is_empty() {
        return Err(RenderError::NoOrgUuid);
    }
    Ok(orgs)
}

#[cfg(test)]
mod tests {
    use super::is_bare_lowercase_uuid;

    #[test]
    fn uuids() {
        assert!(is_bare_lowercase_uuid(
            "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
        ));
        assert!(!is_bare_lowercase_uuid(
            "4F1C2D3E-5A6B-4C7D-8E9F-0A1B2C3D4E5F"
        ));
        assert!(!is_bare_lowercase_uuid(
            "org_4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
        ));
        assert!(!is_bare_lowercase_uuid("wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"));
    }
}
