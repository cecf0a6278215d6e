//! Does a member get a permission on a Cloud KMS key? Bindings are inherited down the
//! hierarchy (project -> key ring -> key); a grant at any level applies.
//!
//! Members match exactly, or through `allUsers` / `allAuthenticatedUsers` (which cover every
//! caller). Groups and domains cannot be resolved offline: a grant only through them is
//! reported as `Unknown`, as is a grant only through a binding with a condition.

use super::iam::{Binding, IamPolicy, role_permissions};

/// Where a binding sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GcpLevel {
    Key,
    KeyRing,
    Project,
}

impl GcpLevel {
    pub fn word(self) -> &'static str {
        match self {
            GcpLevel::Key => "key",
            GcpLevel::KeyRing => "key ring",
            GcpLevel::Project => "project",
        }
    }
}

/// The IAM policies that apply to one key, and the key state that gates use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcpKeyAccess {
    pub key: IamPolicy,
    pub key_ring: Option<IamPolicy>,
    pub project: Option<IamPolicy>,
    /// Whether the primary key version is enabled (crypto fails otherwise).
    pub primary_enabled: bool,
    pub labels: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GcpRequest {
    /// `serviceAccount:...`, `user:...`.
    pub member: String,
    /// `cloudkms.cryptoKeys.get`, `cloudkms.cryptoKeyVersions.useToEncrypt`, ...
    pub permission: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum GcpDecision {
    Allow {
        level: GcpLevel,
        role: String,
    },
    /// Granted only through a conditional binding or a group/domain this library cannot resolve.
    Unknown {
        level: GcpLevel,
        role: String,
    },
    Deny,
}

impl GcpDecision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, GcpDecision::Allow { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GcpEvaluation {
    pub decision: GcpDecision,
    pub explanation: String,
}

fn member_match(binding_member: &str, member: &str) -> Option<bool> {
    if binding_member == member
        || binding_member == "allUsers"
        || binding_member == "allAuthenticatedUsers"
    {
        return Some(true);
    }
    if binding_member.starts_with("group:") || binding_member.starts_with("domain:") {
        return None;
    }
    Some(false)
}

fn grants(b: &Binding, req: &GcpRequest) -> Option<bool> {
    let perms = role_permissions(&b.role)?;
    if !perms.contains(&req.permission.as_str()) {
        return Some(false);
    }
    let mut unknown = false;
    for m in &b.members {
        match member_match(m, &req.member) {
            Some(true) if b.condition.is_none() => return Some(true),
            Some(true) | None => unknown = true,
            Some(false) => {}
        }
    }
    if unknown { None } else { Some(false) }
}

impl GcpKeyAccess {
    fn levels(&self) -> impl Iterator<Item = (GcpLevel, &IamPolicy)> {
        [
            (GcpLevel::Key, Some(&self.key)),
            (GcpLevel::KeyRing, self.key_ring.as_ref()),
            (GcpLevel::Project, self.project.as_ref()),
        ]
        .into_iter()
        .filter_map(|(l, p)| p.map(|p| (l, p)))
    }

    /// Evaluate one request. Crypto permissions also need an enabled primary version.
    pub fn evaluate(&self, req: &GcpRequest) -> GcpEvaluation {
        let mut unknown: Option<(GcpLevel, String)> = None;
        for (level, policy) in self.levels() {
            for b in &policy.bindings {
                match grants(b, req) {
                    Some(true) => {
                        let crypto = req.permission.starts_with("cloudkms.cryptoKeyVersions.use");
                        if crypto && !self.primary_enabled {
                            return GcpEvaluation {
                                decision: GcpDecision::Deny,
                                explanation: format!(
                                    "denied: {} has {} on the {} through {}, but the primary key version is not enabled",
                                    req.member,
                                    req.permission,
                                    level.word(),
                                    b.role
                                ),
                            };
                        }
                        return GcpEvaluation {
                            decision: GcpDecision::Allow {
                                level,
                                role: b.role.clone(),
                            },
                            explanation: format!(
                                "allowed: {} has {} through {} bound on the {}",
                                req.member,
                                req.permission,
                                b.role,
                                level.word()
                            ),
                        };
                    }
                    None if role_permissions(&b.role).is_some() => {
                        unknown.get_or_insert((level, b.role.clone()));
                    }
                    _ => {}
                }
            }
        }
        match unknown {
            Some((level, role)) => GcpEvaluation {
                explanation: format!(
                    "unknown: {} may have {} through {} on the {}, but only via a conditional binding or a group/domain member that cannot be resolved offline",
                    req.member,
                    req.permission,
                    role,
                    level.word()
                ),
                decision: GcpDecision::Unknown { level, role },
            },
            None => GcpEvaluation {
                decision: GcpDecision::Deny,
                explanation: format!(
                    "denied: no binding on the key, key ring or project grants {} to {}",
                    req.permission, req.member
                ),
            },
        }
    }
}
