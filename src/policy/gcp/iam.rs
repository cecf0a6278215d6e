//! The GCP IAM policy model (`getIamPolicy` JSON) and what the relevant roles permit.
//!
//! Role permissions are the subset relevant to using a crypto key (Google's published role
//! definitions). Basic roles `roles/owner` and `roles/editor` are treated as able to use keys:
//! that over-approximates for "who else can use the key" reports, which is the safe direction.

use serde::{Deserialize, Serialize};

/// The metadata read Anthropic makes at start-up.
pub const PERM_GET: &str = "cloudkms.cryptoKeys.get";
pub const PERM_ENCRYPT: &str = "cloudkms.cryptoKeyVersions.useToEncrypt";
pub const PERM_DECRYPT: &str = "cloudkms.cryptoKeyVersions.useToDecrypt";

/// A binding's IAM condition (CEL). Not evaluated: a conditional grant is reported as such.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BindingCondition {
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub expression: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Binding {
    pub role: String,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<BindingCondition>,
}

impl Binding {
    pub fn new(role: impl Into<String>, members: Vec<String>) -> Self {
        Binding {
            role: role.into(),
            members,
            condition: None,
        }
    }
}

/// An IAM policy as `getIamPolicy` returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default)]
    pub bindings: Vec<Binding>,
}

impl IamPolicy {
    /// Parse `getIamPolicy` JSON text.
    pub fn from_json(text: &str) -> Result<IamPolicy, String> {
        serde_json::from_str(text).map_err(|e| format!("invalid GCP IAM policy JSON: {e}"))
    }

    /// Bindings with this member, any role.
    pub fn roles_of<'a>(&'a self, member: &'a str) -> impl Iterator<Item = &'a Binding> + 'a {
        self.bindings
            .iter()
            .filter(move |b| b.members.iter().any(|m| m == member))
    }
}

/// The key-relevant permissions a role grants; `None` for roles this library does not know
/// (reported as unknown, never assumed to grant or deny).
pub fn role_permissions(role: &str) -> Option<&'static [&'static str]> {
    Some(match role {
        "roles/owner" | "roles/editor" => &[PERM_GET, PERM_ENCRYPT, PERM_DECRYPT],
        "roles/cloudkms.cryptoOperator" => &[PERM_ENCRYPT, PERM_DECRYPT],
        "roles/viewer" | "roles/cloudkms.viewer" | "roles/cloudkms.admin" => &[PERM_GET],
        "roles/cloudkms.cryptoKeyEncrypterDecrypter" => &[PERM_ENCRYPT, PERM_DECRYPT],
        "roles/cloudkms.cryptoKeyEncrypter" => &[PERM_ENCRYPT],
        "roles/cloudkms.cryptoKeyDecrypter" => &[PERM_DECRYPT],
        _ => return None,
    })
}
