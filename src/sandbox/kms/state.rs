//! The emulator's state: keys (with material, policy, tags, rotation and lifecycle state) and
//! aliases, for any number of accounts and regions, plus identifier resolution.
//!
//! Invariants: key ids are unique across the whole state; an alias name is unique within its
//! (account, region); every alias targets a key of the same account and region. The state is
//! plain data and serializes to the persistence snapshot as is.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::envelope::KeyMaterial;
use super::error::{KmsError, KmsErrorCode};

/// Version of the snapshot format; bumped on incompatible changes.
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;

/// The lifecycle states the emulator models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyState {
    Enabled,
    Disabled,
    PendingDeletion,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "Enabled",
            Self::Disabled => "Disabled",
            Self::PendingDeletion => "PendingDeletion",
        }
    }
}

/// One KMS key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KmsKey {
    pub key_id: String,
    pub arn: String,
    pub account: String,
    pub region: String,
    /// Creation order, for stable listing.
    pub seq: u64,
    /// Seconds since the Unix epoch.
    pub creation_date: i64,
    pub description: String,
    pub key_spec: String,
    pub key_usage: String,
    pub origin: String,
    pub multi_region: bool,
    pub state: KeyState,
    pub deletion_date: Option<i64>,
    pub pending_window_days: Option<u32>,
    /// The policy document exactly as last put.
    pub policy: String,
    pub tags: BTreeMap<String, String>,
    /// `Some(period in days)` when automatic rotation is on.
    pub rotation_period_days: Option<u32>,
    pub material: KeyMaterial,
}

impl KmsKey {
    pub fn is_symmetric(&self) -> bool {
        self.key_spec == "SYMMETRIC_DEFAULT"
    }
}

/// One alias.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KmsAlias {
    pub name: String,
    pub account: String,
    pub region: String,
    pub target_key_id: String,
    pub creation_date: i64,
    pub last_updated_date: i64,
}

impl KmsAlias {
    pub fn arn(&self) -> String {
        format!("arn:aws:kms:{}:{}:{}", self.region, self.account, self.name)
    }
}

/// The whole emulator state; also the persistence snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KmsState {
    pub format_version: u32,
    pub next_seq: u64,
    pub keys: BTreeMap<String, KmsKey>,
    pub aliases: Vec<KmsAlias>,
}

impl Default for KmsState {
    fn default() -> Self {
        Self {
            format_version: SNAPSHOT_FORMAT_VERSION,
            next_seq: 0,
            keys: BTreeMap::new(),
            aliases: Vec::new(),
        }
    }
}

/// Where a request is evaluated: the caller's account and the region of its credential scope.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub account: &'a str,
    pub region: &'a str,
}

/// Whether an identifier may name an alias (only some operations accept aliases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasAllowed {
    Yes,
    No,
}

/// Current time in whole seconds since the Unix epoch.
pub fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn key_not_found(id: &str) -> KmsError {
    KmsError::not_found(format!("Key '{id}' does not exist"))
}

fn alias_not_found(arn: &str) -> KmsError {
    KmsError::not_found(format!("Alias {arn} is not found."))
}

/// A parsed `arn:aws:kms:<region>:<account>:<resource>`.
struct KmsArn<'a> {
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn parse_kms_arn(arn: &str) -> Result<KmsArn<'_>, KmsError> {
    let mut parts = arn.splitn(6, ':');
    let fields: Vec<&str> = parts.by_ref().collect();
    match fields.as_slice() {
        ["arn", partition, "kms", region, account, resource]
            if partition.starts_with("aws") && !region.is_empty() && !account.is_empty() =>
        {
            Ok(KmsArn {
                region,
                account,
                resource,
            })
        }
        _ => Err(KmsError::new(
            KmsErrorCode::InvalidArnException,
            format!("ARN {arn} is not a valid KMS ARN"),
        )),
    }
}

impl KmsState {
    pub fn key(&self, key_id: &str) -> Result<&KmsKey, KmsError> {
        self.keys.get(key_id).ok_or_else(|| key_not_found(key_id))
    }

    pub fn key_mut(&mut self, key_id: &str) -> Result<&mut KmsKey, KmsError> {
        self.keys
            .get_mut(key_id)
            .ok_or_else(|| key_not_found(key_id))
    }

    pub fn alias(&self, account: &str, region: &str, name: &str) -> Option<&KmsAlias> {
        self.aliases
            .iter()
            .find(|a| a.account == account && a.region == region && a.name == name)
    }

    /// Resolves a key identifier (key id, key ARN, and if allowed alias name or alias ARN) to a
    /// key id. Bare ids and alias names resolve in the caller's account; ARNs name their
    /// account explicitly (which is how a cross-account caller reaches a key). The region is
    /// always the request's: KMS is regional.
    pub fn resolve(
        &self,
        scope: Scope<'_>,
        identifier: &str,
        aliases: AliasAllowed,
    ) -> Result<String, KmsError> {
        if identifier.is_empty() {
            return Err(KmsError::validation("KeyId must not be empty"));
        }
        let (account, resource) = if identifier.starts_with("arn:") {
            let arn = parse_kms_arn(identifier)?;
            if arn.region != scope.region {
                return Err(if arn.resource.starts_with("alias/") {
                    alias_not_found(identifier)
                } else {
                    key_not_found(identifier)
                });
            }
            (arn.account, arn.resource)
        } else {
            (scope.account, identifier)
        };
        if let Some(name) = resource.strip_prefix("alias/") {
            let full = format!("alias/{name}");
            let arn = format!("arn:aws:kms:{}:{account}:{full}", scope.region);
            if aliases == AliasAllowed::No {
                return Err(KmsError::not_found(format!(
                    "Invalid keyId '{identifier}': this operation does not accept aliases"
                )));
            }
            let alias = self
                .alias(account, scope.region, &full)
                .ok_or_else(|| alias_not_found(&arn))?;
            return Ok(alias.target_key_id.clone());
        }
        let key_id = resource.strip_prefix("key/").unwrap_or(resource);
        if identifier.starts_with("arn:") && !resource.starts_with("key/") {
            return Err(KmsError::new(
                KmsErrorCode::InvalidArnException,
                format!("ARN {identifier} names neither a key nor an alias"),
            ));
        }
        match self.keys.get(key_id) {
            Some(key) if key.account == account && key.region == scope.region => {
                Ok(key.key_id.clone())
            }
            _ => Err(key_not_found(&format!(
                "arn:aws:kms:{}:{account}:key/{key_id}",
                scope.region
            ))),
        }
    }

    /// Deletes keys whose waiting period ended (and their aliases), as KMS does when the
    /// deletion date passes. Returns the ids of the deleted keys.
    pub fn purge_expired(&mut self, now: i64) -> Vec<String> {
        let expired: Vec<String> = self
            .keys
            .values()
            .filter(|k| {
                k.state == KeyState::PendingDeletion && k.deletion_date.is_some_and(|d| d <= now)
            })
            .map(|k| k.key_id.clone())
            .collect();
        for key_id in &expired {
            self.keys.remove(key_id);
        }
        self.aliases
            .retain(|a| !expired.iter().any(|id| id == &a.target_key_id));
        expired
    }

    /// Checks the invariants a snapshot must keep (see the module docs).
    pub fn check_invariants(&self) -> Result<(), String> {
        for (id, key) in &self.keys {
            if id != &key.key_id {
                return Err(format!("key entry `{id}` holds key `{}`", key.key_id));
            }
            let expected = format!("arn:aws:kms:{}:{}:key/{id}", key.region, key.account);
            if key.arn != expected {
                return Err(format!(
                    "key `{id}` has ARN `{}`, expected `{expected}`",
                    key.arn
                ));
            }
            if key.seq >= self.next_seq {
                return Err(format!("key `{id}` has sequence number beyond next_seq"));
            }
        }
        for (index, alias) in self.aliases.iter().enumerate() {
            match self.keys.get(&alias.target_key_id) {
                Some(key) if key.account == alias.account && key.region == alias.region => {}
                _ => {
                    return Err(format!(
                        "alias `{}` targets `{}`, which is not a key of its account and region",
                        alias.name, alias.target_key_id
                    ));
                }
            }
            let duplicate = self.aliases[..index].iter().any(|other| {
                other.name == alias.name
                    && other.account == alias.account
                    && other.region == alias.region
            });
            if duplicate {
                return Err(format!("alias `{}` appears twice", alias.name));
            }
        }
        Ok(())
    }

    /// Keys of one account and region in creation order.
    pub fn keys_in(&self, account: &str, region: &str) -> Vec<&KmsKey> {
        let mut keys: Vec<&KmsKey> = self
            .keys
            .values()
            .filter(|k| k.account == account && k.region == region)
            .collect();
        keys.sort_by_key(|k| k.seq);
        keys
    }

    /// Aliases of one account and region, sorted by name.
    pub fn aliases_in(&self, account: &str, region: &str) -> Vec<&KmsAlias> {
        let mut aliases: Vec<&KmsAlias> = self
            .aliases
            .iter()
            .filter(|a| a.account == account && a.region == region)
            .collect();
        aliases.sort_by(|a, b| a.name.cmp(&b.name));
        aliases
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, account: &str, region: &str) -> KmsKey {
        KmsKey {
            key_id: id.into(),
            arn: format!("arn:aws:kms:{region}:{account}:key/{id}"),
            account: account.into(),
            region: region.into(),
            seq: 0,
            creation_date: 0,
            description: String::new(),
            key_spec: "SYMMETRIC_DEFAULT".into(),
            key_usage: "ENCRYPT_DECRYPT".into(),
            origin: "AWS_KMS".into(),
            multi_region: false,
            state: KeyState::Enabled,
            deletion_date: None,
            pending_window_days: None,
            policy: "{}".into(),
            tags: BTreeMap::new(),
            rotation_period_days: None,
            material: KeyMaterial::generate(),
        }
    }

    fn state() -> KmsState {
        let mut state = KmsState::default();
        state
            .keys
            .insert("k1".into(), key("k1", "111122223333", "us-east-2"));
        state.aliases.push(KmsAlias {
            name: "alias/prod".into(),
            account: "111122223333".into(),
            region: "us-east-2".into(),
            target_key_id: "k1".into(),
            creation_date: 0,
            last_updated_date: 0,
        });
        state
    }

    const OWNER: Scope<'static> = Scope {
        account: "111122223333",
        region: "us-east-2",
    };
    const FOREIGN: Scope<'static> = Scope {
        account: "915198916910",
        region: "us-east-2",
    };

    #[test]
    fn resolves_every_identifier_form() {
        let s = state();
        for id in [
            "k1",
            "arn:aws:kms:us-east-2:111122223333:key/k1",
            "alias/prod",
            "arn:aws:kms:us-east-2:111122223333:alias/prod",
        ] {
            assert_eq!(
                s.resolve(OWNER, id, AliasAllowed::Yes).unwrap(),
                "k1",
                "{id}"
            );
        }
    }

    #[test]
    fn expired_deletions_are_purged_with_their_aliases() {
        let mut s = state();
        s.next_seq = 1;
        s.check_invariants().unwrap();
        assert!(s.purge_expired(100).is_empty());
        let key = s.key_mut("k1").unwrap();
        key.state = KeyState::PendingDeletion;
        key.deletion_date = Some(100);
        assert!(s.purge_expired(99).is_empty());
        assert_eq!(s.purge_expired(100), vec!["k1".to_string()]);
        assert!(s.keys.is_empty());
        assert!(s.aliases.is_empty());
    }

    #[test]
    fn invariants_catch_dangling_aliases_and_bad_arns() {
        let mut s = state();
        s.next_seq = 1;
        s.aliases[0].target_key_id = "nope".into();
        assert!(s.check_invariants().unwrap_err().contains("alias/prod"));
        let mut s = state();
        s.next_seq = 1;
        s.key_mut("k1").unwrap().arn = "arn:aws:kms:eu-west-1:1:key/k1".into();
        assert!(s.check_invariants().is_err());
    }

    #[test]
    fn aliases_only_where_allowed() {
        let s = state();
        assert_eq!(
            s.resolve(OWNER, "alias/prod", AliasAllowed::No)
                .unwrap_err()
                .code,
            KmsErrorCode::NotFoundException
        );
    }

    #[test]
    fn cross_account_callers_need_the_arn_and_regions_are_separate() {
        let s = state();
        assert!(s.resolve(FOREIGN, "k1", AliasAllowed::Yes).is_err());
        assert!(
            s.resolve(
                FOREIGN,
                "arn:aws:kms:us-east-2:111122223333:key/k1",
                AliasAllowed::Yes
            )
            .is_ok()
        );
        let west = Scope {
            account: "111122223333",
            region: "us-west-2",
        };
        assert!(s.resolve(west, "k1", AliasAllowed::Yes).is_err());
        assert_eq!(
            s.resolve(OWNER, "arn:aws:s3:::bucket", AliasAllowed::Yes)
                .unwrap_err()
                .code,
            KmsErrorCode::InvalidArnException
        );
    }
}
