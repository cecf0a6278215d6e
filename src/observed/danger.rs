//! Danger classification of observed keys: states in which Anthropic's requests already fail, or
//! in which data encrypted under the key will become unreadable unless someone acts.
//!
//! The plan lists these first, with the restorative action. Invariant: the `Ord` of `Danger` puts
//! data-loss risks (pending deletion, versions about to be destroyed) before outages.

use std::fmt;

use serde::Serialize;

use super::ObservedKey;
use super::aws::{AwsKey, AwsKeyState};
use super::azure::AzureKey;
use super::gcp::{GcpKey, GcpVersionState};

/// The restorative action that undoes a danger, as the plan will offer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// Cancel a scheduled key deletion (AWS), then enable the key.
    CancelDeletion,
    /// Enable the key.
    EnableKey,
    /// Restore a key version scheduled for destruction (GCP), then enable it.
    RestoreKeyVersion,
    /// Enable a disabled key version.
    EnableKeyVersion,
    /// Add the missing key operations / network access back (an access update).
    RestoreAccess,
    /// Nothing cmek can do; a person must act (e.g. a destroyed version, a disconnected key store).
    Manual,
}

impl Remedy {
    pub fn describe(self) -> &'static str {
        match self {
            Remedy::CancelDeletion => "cancel the scheduled deletion and enable the key",
            Remedy::EnableKey => "enable the key",
            Remedy::RestoreKeyVersion => "restore the key version and enable it",
            Remedy::EnableKeyVersion => "enable the key version",
            Remedy::RestoreAccess => "restore the access Anthropic needs",
            Remedy::Manual => "needs manual action",
        }
    }
}

/// One endangering condition of an observed key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "danger", rename_all = "snake_case")]
pub enum Danger {
    /// AWS key scheduled for deletion: every byte it protects is lost on `deletion_date`.
    KeyPendingDeletion { deletion_date: Option<String> },
    /// Azure key soft-deleted: recoverable until `purge_date`, then lost.
    KeyDeleted { purge_date: Option<String> },
    /// A GCP version (primary or not) scheduled for destruction: data it encrypted is lost then.
    VersionDestroyScheduled {
        version: String,
        primary: bool,
        destroy_time: Option<String>,
    },
    /// A GCP version that is already destroyed (or being destroyed externally).
    VersionDestroyed { version: String, primary: bool },
    /// AWS replica pending deletion.
    KeyPendingReplicaDeletion,
    /// The key is disabled: every Anthropic request fails (`cmek_key_disabled`).
    KeyDisabled,
    /// The key is unusable for another reason (disconnected custom key store, unknown state).
    KeyUnusable { state: String },
    /// A GCP version is disabled; the primary one breaks new encryption, others break old data.
    VersionDisabled { version: String, primary: bool },
    /// The GCP key has no primary version: encrypt fails.
    NoPrimaryVersion,
    /// The Azure key no longer allows `wrapKey`/`unwrapKey`.
    KeyOperationsMissing { missing: Vec<String> },
    /// The Azure vault refuses public network access; Anthropic cannot reach it.
    PublicNetworkAccessDisabled,
}

impl Danger {
    pub fn remedy(&self) -> Remedy {
        match self {
            Danger::KeyPendingDeletion { .. } => Remedy::CancelDeletion,
            Danger::KeyDeleted { .. } => Remedy::CancelDeletion,
            Danger::VersionDestroyScheduled { .. } => Remedy::RestoreKeyVersion,
            Danger::VersionDestroyed { .. } => Remedy::Manual,
            Danger::KeyPendingReplicaDeletion => Remedy::Manual,
            Danger::KeyDisabled => Remedy::EnableKey,
            Danger::KeyUnusable { .. } => Remedy::Manual,
            Danger::VersionDisabled { .. } => Remedy::EnableKeyVersion,
            Danger::NoPrimaryVersion => Remedy::Manual,
            Danger::KeyOperationsMissing { .. } => Remedy::RestoreAccess,
            Danger::PublicNetworkAccessDisabled => Remedy::RestoreAccess,
        }
    }

    /// Whether data is (or will be) lost, as opposed to an outage that ends when fixed.
    pub fn risks_data_loss(&self) -> bool {
        matches!(
            self,
            Danger::KeyPendingDeletion { .. }
                | Danger::KeyDeleted { .. }
                | Danger::VersionDestroyScheduled { .. }
                | Danger::VersionDestroyed { .. }
                | Danger::KeyPendingReplicaDeletion
        )
    }
}

impl fmt::Display for Danger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = |primary: &bool| {
            if *primary {
                "primary version"
            } else {
                "version"
            }
        };
        match self {
            Danger::KeyPendingDeletion { deletion_date } => match deletion_date {
                Some(d) => write!(f, "key is scheduled for deletion on {d}"),
                None => f.write_str("key is scheduled for deletion"),
            },
            Danger::KeyDeleted { purge_date } => match purge_date {
                Some(d) => write!(f, "key is deleted (recoverable until {d})"),
                None => f.write_str("key is deleted (recoverable until purged)"),
            },
            Danger::VersionDestroyScheduled {
                version,
                primary,
                destroy_time,
            } => {
                write!(
                    f,
                    "{} {version} is scheduled for destruction",
                    which(primary)
                )?;
                if let Some(t) = destroy_time {
                    write!(f, " at {t}")?;
                }
                Ok(())
            }
            Danger::VersionDestroyed { version, primary } => {
                write!(f, "{} {version} is destroyed", which(primary))
            }
            Danger::KeyPendingReplicaDeletion => f.write_str("replica key is pending deletion"),
            Danger::KeyDisabled => f.write_str("key is disabled"),
            Danger::KeyUnusable { state } => write!(f, "key is not usable (state {state})"),
            Danger::VersionDisabled { version, primary } => {
                write!(f, "{} {version} is disabled", which(primary))
            }
            Danger::NoPrimaryVersion => f.write_str("key has no primary version"),
            Danger::KeyOperationsMissing { missing } => {
                write!(f, "key does not allow {}", missing.join(", "))
            }
            Danger::PublicNetworkAccessDisabled => {
                f.write_str("vault public network access is disabled")
            }
        }
    }
}

/// The dangers of `key`, most severe first.
pub fn dangers(key: &ObservedKey) -> Vec<Danger> {
    let mut out = match key {
        ObservedKey::Aws(k) => aws_dangers(k),
        ObservedKey::Gcp(k) => gcp_dangers(k),
        ObservedKey::Azure(k) => azure_dangers(k),
    };
    out.sort();
    out
}

fn aws_dangers(key: &AwsKey) -> Vec<Danger> {
    match &key.key_state {
        AwsKeyState::Enabled | AwsKeyState::Updating | AwsKeyState::Creating => vec![],
        AwsKeyState::PendingDeletion { deletion_date } => vec![Danger::KeyPendingDeletion {
            deletion_date: deletion_date.clone(),
        }],
        AwsKeyState::PendingReplicaDeletion => vec![Danger::KeyPendingReplicaDeletion],
        AwsKeyState::Disabled => vec![Danger::KeyDisabled],
        other @ (AwsKeyState::PendingImport | AwsKeyState::Unavailable | AwsKeyState::Unknown) => {
            vec![Danger::KeyUnusable {
                state: other.as_str().to_string(),
            }]
        }
    }
}

fn gcp_dangers(key: &GcpKey) -> Vec<Danger> {
    let primary_name = key.primary.as_ref().map(|p| p.name.as_str());
    let mut out = Vec::new();
    if key.primary.is_none() {
        out.push(Danger::NoPrimaryVersion);
    }
    // The primary may be missing from `versions` if the listing was partial; check it too.
    let mut versions: Vec<_> = key.versions.iter().collect();
    if let Some(p) = &key.primary
        && !key.versions.iter().any(|v| v.name == p.name)
    {
        versions.push(p);
    }
    for v in versions {
        let primary = Some(v.name.as_str()) == primary_name;
        let version = v.name.clone();
        match v.state {
            GcpVersionState::DestroyScheduled => out.push(Danger::VersionDestroyScheduled {
                version,
                primary,
                destroy_time: v.destroy_time.clone(),
            }),
            GcpVersionState::Destroyed | GcpVersionState::PendingExternalDestruction => {
                out.push(Danger::VersionDestroyed { version, primary })
            }
            GcpVersionState::Disabled => out.push(Danger::VersionDisabled { version, primary }),
            _ => {}
        }
    }
    out
}

fn azure_dangers(key: &AzureKey) -> Vec<Danger> {
    let mut out = Vec::new();
    if let Some(deleted) = &key.deleted {
        out.push(Danger::KeyDeleted {
            purge_date: deleted.scheduled_purge_date.clone(),
        });
    }
    if !key.enabled {
        out.push(Danger::KeyDisabled);
    }
    let missing = key.missing_wrap_ops();
    if !missing.is_empty() {
        out.push(Danger::KeyOperationsMissing {
            missing: missing.into_iter().map(String::from).collect(),
        });
    }
    if key.vault.public_network_disabled() {
        out.push(Danger::PublicNetworkAccessDisabled);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observed::gcp::GcpKeyVersion;
    use crate::observed::{aws, azure, gcp};

    #[test]
    fn healthy_keys_have_no_dangers() {
        assert!(dangers(&ObservedKey::Aws(aws::tests::sample())).is_empty());
        assert!(dangers(&ObservedKey::Gcp(gcp::tests::sample())).is_empty());
        assert!(dangers(&ObservedKey::Azure(azure::tests::sample())).is_empty());
    }

    #[test]
    fn aws_pending_deletion_is_data_loss_with_cancel_remedy() {
        let mut k = aws::tests::sample();
        k.key_state = AwsKeyState::PendingDeletion {
            deletion_date: Some("2026-12-01T00:00:00Z".into()),
        };
        let d = dangers(&ObservedKey::Aws(k));
        assert_eq!(d.len(), 1);
        assert!(d[0].risks_data_loss());
        assert_eq!(d[0].remedy(), Remedy::CancelDeletion);
        assert_eq!(
            d[0].to_string(),
            "key is scheduled for deletion on 2026-12-01T00:00:00Z"
        );
    }

    #[test]
    fn gcp_versions_sorted_data_loss_first() {
        let mut k = gcp::tests::sample();
        let primary = k.primary.clone().unwrap();
        k.primary = Some(GcpKeyVersion {
            state: GcpVersionState::Disabled,
            ..primary.clone()
        });
        k.versions = vec![
            GcpKeyVersion {
                state: GcpVersionState::Disabled,
                ..primary
            },
            GcpKeyVersion {
                name: format!("{}/cryptoKeyVersions/0", gcp::tests::NAME),
                state: GcpVersionState::DestroyScheduled,
                destroy_time: Some("2026-12-02T00:00:00Z".into()),
            },
        ];
        let d = dangers(&ObservedKey::Gcp(k));
        assert_eq!(d.len(), 2);
        assert!(matches!(
            d[0],
            Danger::VersionDestroyScheduled { primary: false, .. }
        ));
        assert!(matches!(
            d[1],
            Danger::VersionDisabled { primary: true, .. }
        ));
        assert_eq!(d[1].remedy(), Remedy::EnableKeyVersion);
        assert_eq!(d[0].remedy(), Remedy::RestoreKeyVersion);
    }

    #[test]
    fn gcp_without_primary() {
        let mut k = gcp::tests::sample();
        k.primary = None;
        assert_eq!(
            dangers(&ObservedKey::Gcp(k)),
            vec![Danger::NoPrimaryVersion]
        );
    }

    #[test]
    fn azure_disabled_ops_and_network() {
        let mut k = azure::tests::sample();
        k.enabled = false;
        k.key_ops = vec!["wrapKey".into()];
        k.vault.public_network_access = Some("Disabled".into());
        let d = dangers(&ObservedKey::Azure(k));
        assert_eq!(
            d,
            vec![
                Danger::KeyDisabled,
                Danger::KeyOperationsMissing {
                    missing: vec!["unwrapKey".into()]
                },
                Danger::PublicNetworkAccessDisabled
            ]
        );
        assert!(d.iter().all(|x| !x.risks_data_loss()));
    }

    #[test]
    fn azure_soft_deleted_comes_first_with_recover_remedy() {
        let mut k = azure::tests::sample();
        k.enabled = false;
        k.deleted = Some(crate::observed::azure::AzureDeletion {
            deleted_date: Some("2026-11-01T00:00:00Z".into()),
            scheduled_purge_date: Some("2027-01-30T00:00:00Z".into()),
            recovery_id: None,
        });
        let d = dangers(&ObservedKey::Azure(k));
        assert_eq!(d.len(), 2);
        assert_eq!(
            d[0].to_string(),
            "key is deleted (recoverable until 2027-01-30T00:00:00Z)"
        );
        assert!(d[0].risks_data_loss());
        assert_eq!(d[0].remedy(), Remedy::CancelDeletion);
        assert_eq!(d[1], Danger::KeyDisabled);
    }
}
