//! `observed/`: typed snapshots of remote objects as refreshed from the clouds and the Admin API.
//!
//! The plan diffs `Desired` (from the spec) against an `ObservedWorld` (from providers) and the
//! state. Every observed object has a [`Fingerprint`]; a saved plan stores them so that
//! `apply PLANFILE` can refuse a plan whose objects changed since it was made.
//!
//! Observed objects hold no secrets: only metadata, policies and ids.

pub mod aws;
pub mod azure;
pub mod danger;
pub mod fingerprint;
pub mod gcp;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::address::{Address, Cloud};
use crate::anthropic::types::{ExternalKey, Workspace};

pub use aws::{AwsKey, AwsKeyState, AwsRotation, KeyPolicyText};
pub use azure::{
    AzureDeletion, AzureKey, AzureRoleAssignment, NetworkDefaultAction, VaultProperties,
};
pub use danger::{Danger, Remedy};
pub use fingerprint::{Fingerprint, Fingerprinted, canonical_json};
pub use gcp::{GcpKey, GcpKeyVersion, GcpVersionState, IamBinding, IamCondition};

use fingerprint::to_value_lossless;

/// The id a remote object is known by: AWS key ARN, GCP crypto key resource name, Azure
/// versionless key id, `ekey_...` or `wrkspc_...`. These never collide across kinds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RemoteId(pub String);

impl RemoteId {
    pub fn new(id: impl Into<String>) -> Self {
        RemoteId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RemoteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A key in one of the three clouds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cloud", rename_all = "lowercase")]
pub enum ObservedKey {
    Aws(AwsKey),
    Gcp(GcpKey),
    Azure(AzureKey),
}

impl ObservedKey {
    pub fn cloud(&self) -> Cloud {
        match self {
            ObservedKey::Aws(_) => Cloud::Aws,
            ObservedKey::Gcp(_) => Cloud::Gcp,
            ObservedKey::Azure(_) => Cloud::Azure,
        }
    }

    /// AWS: the key ARN; GCP: the resource name; Azure: the versionless key id.
    pub fn remote_id(&self) -> RemoteId {
        match self {
            ObservedKey::Aws(k) => RemoteId::new(&k.arn),
            ObservedKey::Gcp(k) => RemoteId::new(&k.name),
            ObservedKey::Azure(k) => RemoteId::new(k.versionless_id()),
        }
    }

    /// Endangering conditions, most severe first.
    pub fn dangers(&self) -> Vec<Danger> {
        danger::dangers(self)
    }

    /// The key's tags (AWS, Azure) or labels (GCP).
    pub fn tags_or_labels(&self) -> &BTreeMap<String, String> {
        match self {
            ObservedKey::Aws(k) => &k.tags,
            ObservedKey::Gcp(k) => &k.labels,
            ObservedKey::Azure(k) => &k.tags,
        }
    }
}

impl Fingerprinted for ObservedKey {
    fn canonical_value(&self) -> Value {
        let (cloud, inner) = match self {
            ObservedKey::Aws(k) => ("aws", k.canonical_value()),
            ObservedKey::Gcp(k) => ("gcp", k.canonical_value()),
            ObservedKey::Azure(k) => ("azure", k.canonical_value()),
        };
        serde_json::json!({ "cloud": cloud, "key": inner })
    }
}

impl Fingerprinted for ExternalKey {
    fn canonical_value(&self) -> Value {
        to_value_lossless(self)
    }
}

impl Fingerprinted for Workspace {
    fn canonical_value(&self) -> Value {
        to_value_lossless(self)
    }
}

/// Any observed remote object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ObservedObject {
    Key(ObservedKey),
    ExternalKey(ExternalKey),
    Workspace(Workspace),
}

impl ObservedObject {
    pub fn remote_id(&self) -> RemoteId {
        match self {
            ObservedObject::Key(k) => k.remote_id(),
            ObservedObject::ExternalKey(e) => RemoteId::new(&e.id),
            ObservedObject::Workspace(w) => RemoteId::new(&w.id),
        }
    }
}

impl Fingerprinted for ObservedObject {
    fn canonical_value(&self) -> Value {
        match self {
            ObservedObject::Key(k) => k.canonical_value(),
            ObservedObject::ExternalKey(e) => {
                serde_json::json!({ "external_key": e.canonical_value() })
            }
            ObservedObject::Workspace(w) => serde_json::json!({ "workspace": w.canonical_value() }),
        }
    }
}

/// Everything one refresh saw: objects by remote id, which managed address each belongs to, and
/// the ids that were looked up and found missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedWorld {
    objects: BTreeMap<RemoteId, ObservedObject>,
    addresses: BTreeMap<Address, RemoteId>,
    missing: BTreeSet<RemoteId>,
}

impl ObservedWorld {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `object`, optionally as the remote side of `address`. Replaces an earlier
    /// observation of the same id.
    pub fn insert(&mut self, address: Option<Address>, object: ObservedObject) -> RemoteId {
        let id = object.remote_id();
        self.missing.remove(&id);
        if let Some(address) = address {
            self.addresses.insert(address, id.clone());
        }
        self.objects.insert(id.clone(), object);
        id
    }

    /// Records that `id` (the remote side of `address`, if any) was looked up and does not exist.
    pub fn insert_missing(&mut self, address: Option<Address>, id: RemoteId) {
        self.objects.remove(&id);
        if let Some(address) = address {
            self.addresses.insert(address, id.clone());
        }
        self.missing.insert(id);
    }

    pub fn get(&self, id: &RemoteId) -> Option<&ObservedObject> {
        self.objects.get(id)
    }

    /// The remote id recorded for `address`.
    pub fn id_of(&self, address: &Address) -> Option<&RemoteId> {
        self.addresses.get(address)
    }

    /// The observed object of `address`; `None` if not refreshed or missing.
    pub fn by_address(&self, address: &Address) -> Option<&ObservedObject> {
        self.id_of(address).and_then(|id| self.objects.get(id))
    }

    /// Whether `id` was looked up and found missing.
    pub fn is_missing(&self, id: &RemoteId) -> bool {
        self.missing.contains(id)
    }

    pub fn key(&self, address: &Address) -> Option<&ObservedKey> {
        match self.by_address(address) {
            Some(ObservedObject::Key(k)) => Some(k),
            _ => None,
        }
    }

    pub fn external_key(&self, address: &Address) -> Option<&ExternalKey> {
        match self.by_address(address) {
            Some(ObservedObject::ExternalKey(e)) => Some(e),
            _ => None,
        }
    }

    pub fn workspace(&self, address: &Address) -> Option<&Workspace> {
        match self.by_address(address) {
            Some(ObservedObject::Workspace(w)) => Some(w),
            _ => None,
        }
    }

    pub fn objects(&self) -> impl Iterator<Item = (&RemoteId, &ObservedObject)> {
        self.objects.iter()
    }

    pub fn addresses(&self) -> impl Iterator<Item = (&Address, &RemoteId)> {
        self.addresses.iter()
    }

    /// Fingerprint of every observed object, and `None` for every id found missing (a saved plan
    /// is stale if a missing object appeared, too).
    pub fn fingerprints(&self) -> BTreeMap<RemoteId, Option<Fingerprint>> {
        let mut out: BTreeMap<RemoteId, Option<Fingerprint>> = self
            .objects
            .iter()
            .map(|(id, o)| (id.clone(), Some(o.fingerprint())))
            .collect();
        for id in &self.missing {
            out.insert(id.clone(), None);
        }
        out
    }

    /// Keys with dangers, by address, most severe key first (by its worst danger).
    pub fn endangered_keys(&self) -> Vec<(&Address, &ObservedKey, Vec<Danger>)> {
        let mut out: Vec<_> = self
            .addresses
            .keys()
            .filter_map(|a| self.key(a).map(|k| (a, k, k.dangers())))
            .filter(|(_, _, d)| !d.is_empty())
            .collect();
        out.sort_by(|a, b| a.2[0].cmp(&b.2[0]).then_with(|| a.0.cmp(b.0)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anthropic::types::{Attachment, ProviderConfig};

    fn ekey() -> ExternalKey {
        ExternalKey {
            object_type: "external_key".into(),
            id: "ekey_01abc".into(),
            attachment: Attachment::Unattached,
            display_name: Some("Production CMEK".into()),
            geo: Some("us".into()),
            provider_config: ProviderConfig::Gcp {
                key_name: gcp::tests::NAME.into(),
            },
            created_at: "2026-11-01T00:00:00Z".into(),
            updated_at: "2026-11-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn world_by_address_and_fingerprints() {
        let mut w = ObservedWorld::new();
        let key_addr = Address::key(Cloud::Gcp, "prod");
        let id = w.insert(
            Some(key_addr.clone()),
            ObservedObject::Key(ObservedKey::Gcp(gcp::tests::sample())),
        );
        assert_eq!(id.as_str(), gcp::tests::NAME);
        w.insert(
            Some(Address::external_key("prod")),
            ObservedObject::ExternalKey(ekey()),
        );
        w.insert_missing(
            Some(Address::workspace("gone")),
            RemoteId::new("wrkspc_gone"),
        );
        assert!(w.key(&key_addr).is_some());
        assert_eq!(
            w.external_key(&Address::external_key("prod")).unwrap().id,
            "ekey_01abc"
        );
        assert!(w.workspace(&Address::workspace("gone")).is_none());
        assert!(w.is_missing(&RemoteId::new("wrkspc_gone")));
        let f = w.fingerprints();
        assert_eq!(f.len(), 3);
        assert_eq!(f[&RemoteId::new("wrkspc_gone")], None);
        // Stable across runs: the same object gives the same fingerprint.
        let again = ObservedObject::ExternalKey(ekey()).fingerprint();
        assert_eq!(f[&RemoteId::new("ekey_01abc")], Some(again));
    }

    #[test]
    fn kinds_do_not_share_fingerprints() {
        let a = ObservedObject::Key(ObservedKey::Aws(aws::tests::sample()));
        let b = ObservedObject::Key(ObservedKey::Gcp(gcp::tests::sample()));
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn endangered_keys_sorted_by_severity() {
        let mut w = ObservedWorld::new();
        let mut disabled = aws::tests::sample();
        disabled.key_state = AwsKeyState::Disabled;
        w.insert(
            Some(Address::key(Cloud::Aws, "a")),
            ObservedObject::Key(ObservedKey::Aws(disabled)),
        );
        let mut doomed = aws::tests::sample();
        doomed.arn.push('2');
        doomed.key_state = AwsKeyState::PendingDeletion {
            deletion_date: None,
        };
        w.insert(
            Some(Address::key(Cloud::Aws, "z")),
            ObservedObject::Key(ObservedKey::Aws(doomed)),
        );
        let mut healthy = gcp::tests::sample();
        healthy.name.push('x');
        w.insert(
            Some(Address::key(Cloud::Gcp, "ok")),
            ObservedObject::Key(ObservedKey::Gcp(healthy)),
        );
        let e = w.endangered_keys();
        let names: Vec<String> = e.iter().map(|(a, _, _)| a.to_string()).collect();
        assert_eq!(names, ["key.aws.z", "key.aws.a"]);
    }
}
