//! One file per rule. Each file has a `RULE` constant (id, summary, severity, suppressible,
//! docs) and a `check` function that reports [`Hit`]s for one subject.

use super::facts::Ctx;
use super::finding::Location;
use super::subject::{AwsSubject, Subject};
use crate::policy::aws::PolicyDocument;

pub mod aws_001_anthropic_missing;
pub mod aws_002_lookalike_principal;
pub mod aws_003_wildcard_principal;
pub mod aws_004_not_principal;
pub mod aws_005_external_access;
pub mod aws_006_org_binding_missing;
pub mod aws_007_org_binding_wrong;
pub mod aws_008_describe_context;
pub mod aws_009_describe_missing;
pub mod aws_010_overbroad_grant;
pub mod aws_011_anthropic_denied;
pub mod aws_012_owner_lockout;
pub mod aws_013_all_zeros_compartment;
pub mod aws_014_unsent_context_key;
pub mod aws_015_multi_region;
pub mod aws_016_region_not_us;
pub mod aws_017_region_not_recommended;
pub mod aws_018_rotation_disabled;
pub mod aws_022_served_compartment_denied;
pub mod az_001_key_size;
pub mod az_002_org_tag_missing;
pub mod az_009_role_scope_wide;
pub mod gcp_001_location;
pub mod gcp_002_viewer_missing;
pub mod gcp_003_crypto_missing;
pub mod gcp_004_public_members;
pub mod gcp_005_software_protection;
pub mod gcp_006_org_label_missing;
pub mod gcp_009_binding_above_key;
pub mod gcp_011_lookalike_member;
pub mod gen_001_unknown_operator;

/// One problem, before the engine adds the rule's metadata and the subject's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub message: String,
    pub location: Location,
    /// Overrides the rule's default remedy.
    pub remedy: Option<String>,
}

impl Hit {
    pub fn new(message: impl Into<String>, location: Location) -> Self {
        Hit {
            message: message.into(),
            location,
            remedy: None,
        }
    }

    pub fn with_remedy(mut self, remedy: impl Into<String>) -> Self {
        self.remedy = Some(remedy.into());
        self
    }
}

/// The signature every rule's `check` has.
pub type CheckFn = fn(&Subject, &Ctx, &mut Vec<Hit>);

/// The AWS subject and its policy, for rules that only look at AWS key policies.
pub(crate) fn aws_policy(s: &Subject) -> Option<(&AwsSubject, &PolicyDocument)> {
    match s {
        Subject::Aws(a) => a.policy.as_ref().map(|p| (a, p)),
        _ => None,
    }
}
